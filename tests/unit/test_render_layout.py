"""Layout on recorded snapshots, no TensorFlow: grids aligned, slices counted and summarised, shapes and
headers never broken at any width, the narrow note, the chain tree, small words. The live-run and
real-terminal halves are in tests/test_layout.py."""

import io
import re
from types import SimpleNamespace

import numpy as np
import pytest

from dropout_trace.landmarks import FunctionRef
from dropout_trace.model import Excerpt, SourceLine, fold_plumbing
from dropout_trace.render import MAX_LINES, excerpt_text, grid, grid_caption, make_console, render_trace
from dropout_trace.render_views import render_chain, render_walkthroughs

from layout_checks import BROKEN_SHAPE, NOTE, check_narrow, render, shape_lines, slice_rows
from test_snapshots import recorded



def test_slices_share_one_column_width():
    small = np.arange(8, dtype=np.float32).reshape(1, 2, 4)  # one digit
    large = small + 12345.678  # ten characters a cell
    text = grid(np.concatenate([small, large]), "values", 76).plain
    rows = slice_rows(text)
    assert len(rows) == 4 and len({len(row) for row in rows}) == 1
    # the right edge of every column is at the same place in both slices
    edges = [[m.end() for m in re.finditer(r"\S+", row)] for row in rows]
    assert all(e == edges[0] for e in edges)


def slice_headings(text: str) -> list[str]:
    return re.findall(r"^\[[\d, ]+:, :\]$", text, flags=re.M)


def test_whole_channels_demo_shows_every_slice():
    trace = recorded("spatial2d")
    text = render(trace, 100)
    out = text.split("8 · The output")[1].split("In short")[0]
    lead = trace.tensors["output"].shape[:-2]
    expected = [f"[{', '.join(map(str, i))}, :, :]" for i in np.ndindex(lead)]
    assert [h.strip() for h in re.findall(r"^ *\[[\d, ]+:, :\]$", out, flags=re.M)] == expected
    assert "more slice" not in out


@pytest.mark.parametrize("count, hidden_word", [(50, "slices"), (4, "slice")])
def test_many_slices_are_summarised_and_counted(count, hidden_word):
    value = np.arange(count * 50 * 8, dtype=np.float32).reshape(count, 50, 8)
    text = grid(value, "values", 76).plain
    shown = slice_headings(text)
    hidden = count - len(shown)
    assert hidden >= 1 and f"⋮ {hidden} more {hidden_word}" in text
    assert shown[-1] == f"[{count - 1}, :, :]"  # the last slice closes the summary
    assert len(text.splitlines()) <= MAX_LINES + 1  # large tensors stay summarised
    assert "summarised" in grid_caption(value, "values", 76).plain


@pytest.mark.parametrize("width", [60, 80, 100, 120, 140])
@pytest.mark.parametrize("name", ["keras_none4", "keras_rank3", "keras_eager_bf16", "spatial2d", "keras_calls3"])
def test_shapes_and_headers_are_never_broken(name, width):
    trace = recorded(name)
    text = render(trace, width)
    lines = text.splitlines()
    for shape in shape_lines(trace):
        assert any(shape in line for line in lines), shape
    assert not [line for line in lines if BROKEN_SHAPE.search(line.rstrip())]
    header = "while tracing (static)" if trace.mode == "graph" else "static (eager: concrete)"
    tables = [s for s in trace.stages if s.values and s.status != "not_reached"]
    assert sum(line.split()[:1] == ["value"] and header in line for line in lines) == len(tables)
    check_narrow(text, width)


@pytest.mark.parametrize("width", [40, 80])
def test_walkthrough_list_reads_at_any_width(width):
    from dropout_trace import cli, walkthrough  # noqa: F401  (load checks each command against the CLI)

    lessons = [walkthrough.load(path) for path in walkthrough.bundled()]
    out = io.StringIO()
    render_walkthroughs(lessons, make_console(out, width=width, color=False))
    text = out.getvalue()
    check_narrow(text, width)
    flat = " ".join(text.split())
    for lesson in lessons:
        assert " ".join(lesson.title.split()) in flat


def test_narrow_note_names_the_widths_and_restores_the_console():
    out = io.StringIO()
    console = make_console(out, width=40, color=False)
    render_trace(recorded("keras_none4"), console)
    first = " ".join(out.getvalue().split("\n", 3)[:2])
    assert NOTE.search(first) and console.width == 40


def walk(nodes, guide=""):
    """(guide and branch, node, previous sibling) in the order the calls ran, computed from the tree."""
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        branch = "" if not guide and node.call_line is None else ("└─ " if last else "├─ ")
        yield guide + branch, node, nodes[i - 1] if i else None
        inner = guide + ("" if not branch else ("   " if last else "│  "))
        yield from walk(node.children, inner)


@pytest.mark.parametrize("name", ["keras_none4", "tf_keras_legacy", "spatial2d", "v1"])
def test_chain_tree_draws_siblings_and_says_why_a_line_runs_late(name):
    trace = recorded(name)
    out = io.StringIO()
    render_chain(trace, make_console(out, width=160, color=False))
    lines = out.getvalue().splitlines()
    expected = list(walk(fold_plumbing(trace.tree)))
    names = [line for line in lines if re.search(r"\.py:\d+$", line) and not re.search(r"\d │ ", line)]
    assert len(names) == len(expected)
    for line, (prefix, node, _) in zip(names, expected):
        assert line.startswith(prefix + node.function + "  "), (line, prefix, node.function)
        assert line.endswith(f"{node.file}:{node.line}")
    late = 0
    for prefix, node, before in expected:
        if node.call_line is None:
            continue
        caller = next(line for line in lines if line.startswith(prefix[:-3] + "│ ") and
                      re.search(rf"\b{node.call_line} │ ", line))
        if before is not None and before.call_line and node.call_line < before.call_line:
            late += 1
            assert f"(called after line {before.call_line}" in caller
            # the earlier line opens a call that the later line's call is an argument of
            assert node.call_source.count("(") > node.call_source.count(")")
            assert "its arguments ran first" in caller
    assert (late > 0) == (name in ("tf_keras_legacy", "spatial2d"))


def test_plurals_and_thousands_separators():
    f = FunctionRef(qualname="f", module="m", file="m.py", line=1)
    lines = (SourceLine(2, "x = 1", True),)
    assert "⋮ 1 more line ran" in excerpt_text(Excerpt(f, lines, more=1), header=False).plain
    assert "⋮ 2 more lines ran" in excerpt_text(Excerpt(f, lines, more=2), header=False).plain
    assert "· 1 value" in grid_caption(np.zeros(1), "values", 80).plain
    assert "· 1,200 values" in grid_caption(np.zeros((30, 40)), "values", 80).plain

    from dropout_trace.narrate.stats import calls_line

    s = SimpleNamespace(trials=1_000_000, per_run=10_000, runs=100, seconds=1.5, api="keras")
    assert calls_line(s).startswith("1,000,000 calls of the same layer") and "10,000 per graph run" in calls_line(s)


def test_kept_counts_have_separators_and_small_samples_are_named_only_when_small():
    large = recorded("keras_large")
    text = " ".join(render(large, 100).split())
    mask = large.tensors["keep_mask"]
    assert f"kept {int(mask.sum()):,} of {mask.size:,} = " in text and mask.size >= 1000
    assert "small sample" not in text
    small = recorded("keras_none4")
    assert "small sample" in " ".join(render(small, 100).split())  # 12 draws
