"""Layout at pinned widths: numbers and shapes whole, grids aligned, slices counted, trees drawn, nothing cut
at 40 columns without saying so, and plain output without trailing spaces."""

import io
import os
import re
import shlex
import struct
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from dropout_trace.cli import main
from dropout_trace.landmarks import FunctionRef
from dropout_trace.model import Excerpt, SourceLine, TensorView, fold_plumbing
from dropout_trace.render import DROPPED, KEPT, MAX_LINES, excerpt_text, grid, grid_caption, make_console, render_trace
from dropout_trace.render_views import render_chain, render_walkthroughs
from dropout_trace.spec import shape_text

from test_snapshots import recorded

# a line that ends inside a shape or a short list: "(None, None," or "[3,"
BROKEN_SHAPE = re.compile(r"[(\[](?:None|-?\d+)(?:, (?:None|-?\d+))*,$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def render(trace, width: int, **options) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False), **options)
    return out.getvalue()


def cli(capsys, monkeypatch, command: str, width: int) -> tuple[int, str]:
    """Run a command in process at `width` columns: --width where it has one, else the terminal's COLUMNS."""
    args = shlex.split(command)
    monkeypatch.setenv("COLUMNS", str(width))
    if not (args[0] == "walkthrough" or args == ["explain"]):
        args += ["--width", str(width)]
    status = main(args)
    return status, capsys.readouterr().out


# -- graph: the op numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("width", [80, 120])
def test_graph_numbers_every_op_whole(tf, capsys, monkeypatch, width):
    from dropout_trace.graphview import graph_view
    from dropout_trace.spec import build_spec

    ops = graph_view(build_spec(rate="0.3", shape="None,4")).ops
    status, text = cli(capsys, monkeypatch, "graph --rate 0.3 --shape None,4", width)
    assert status == 0 and len(ops) > 10  # two-digit numbers are the point
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "type"]) + 1
    rows = lines[start:start + len(ops)]
    assert [row.split()[0] for row in rows] == [str(i) for i in range(len(ops))]
    assert [row.split()[1] for row in rows] == [op.type for op in ops]
    assert max(map(len, lines)) <= width


# -- grids: one column width per grid, and every slice while they fit -----------------------------------
def slice_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  ") and line.strip() != "⋮"]


def test_slices_share_one_column_width():
    small = np.arange(8, dtype=np.float32).reshape(1, 2, 4)  # one digit
    large = small + 12345.678  # ten characters a cell
    text = grid(np.concatenate([small, large]), "values", 76).plain
    rows = slice_rows(text)
    assert len(rows) == 4 and len({len(row) for row in rows}) == 1
    # the right edge of every column is at the same place in both slices
    edges = [[m.end() for m in re.finditer(r"\S+", row)] for row in rows]
    assert all(e == edges[0] for e in edges)


def test_readme_bfloat16_grids_line_up(traced):
    trace = traced(rate="0.3", shape="None,None,8", dtype="bfloat16", batch=2)
    for name, kind in (("random", "random"), ("output", "output"), ("input", "values")):
        value = trace.tensors[name]
        rows = slice_rows(grid(value, kind, 76).plain)
        assert len(rows) == value.shape[0] * value.shape[1]  # 2 slices of 2 rows, none hidden
        assert len({len(row) for row in rows}) == 1, name


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


# -- value tables and prose: shapes never break --------------------------------------------------------
def shape_lines(trace) -> list[str]:
    """'dtype shape' of every captured tensor value, as the tables must show it, on one line."""
    out = []
    for stage in trace.stages:
        for nv in stage.values:
            v = nv.value
            if isinstance(v, TensorView) and v.static_shape is not None:
                out.append(f"{v.dtype} {shape_text(v.static_shape)}")
            if isinstance(v, TensorView) and v.dynamic_shape is not None and v.value is not None:
                out.append(f"{v.dtype} {shape_text(v.dynamic_shape)}")
    return out


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


def test_readme_bfloat16_shapes_are_whole(traced):
    trace = traced(rate="0.3", shape="None,None,8", dtype="bfloat16", batch=2)
    for width in range(60, 131, 7):
        lines = render(trace, width).splitlines()
        assert "bfloat16 (None, None, 8)" in "\n".join(lines)
        assert not [line for line in lines if BROKEN_SHAPE.search(line.rstrip())], width


# -- 40 columns: readable, or one note at the top -----------------------------------------------------
COMMANDS = ["run --rate 0.3 --shape None,4", "run --rate 0.3 --shape None,4 --brief",
            "run --rate 0.3 --shape None,4 --calls 2", "chain --rate 0.3 --shape None,4",
            "graph --rate 0.3 --shape None,4", "compare --rate 0.3 --shape None,4", "versions",
            "stats --rate 0.3 --shape None,8 --trials 20", "explain", "explain noise-shape"]
NOTE = re.compile(r"this view needs (\d+) columns; the width is (\d+): drawn (\d+) wide")


def check_narrow(text: str, width: int) -> None:
    """Either every line fits, or the first line says by how much it does not and the rest fits that."""
    lines = text.splitlines()
    head = NOTE.match(" ".join(" ".join(lines[:4]).split()))
    notes = len(NOTE.findall(" ".join(text.split())))
    if notes:
        assert notes == 1 and head, "the note comes once, first"
        need, has, drawn = map(int, head.groups())
        assert has == width and drawn == need > width
        width = need
    assert max(map(len, lines)) <= width
    for line in lines:  # an end cut ("[Non…") only where cutting is the design: source lines
        if "│" not in line:
            assert not re.search(r"\S…", line), line


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_at_40_columns(tf, capsys, monkeypatch, command):
    status, text = cli(capsys, monkeypatch, command, 40)
    assert status == 0
    check_narrow(text, 40)


@pytest.mark.parametrize("width", [40, 80])
def test_walkthrough_list_reads_at_any_width(width):
    from dropout_trace import walkthrough

    lessons = [walkthrough.load(path) for path in walkthrough.bundled()]
    out = io.StringIO()
    render_walkthroughs(lessons, make_console(out, width=width, color=False))
    text = out.getvalue()
    check_narrow(text, width)
    flat = " ".join(text.split())
    for lesson in lessons:
        assert " ".join(lesson.title.split()) in flat


def test_walkthrough_command_at_40_columns(capsys, monkeypatch):
    status, text = cli(capsys, monkeypatch, "walkthrough", 40)
    assert status == 0
    check_narrow(text, 40)


def test_narrow_note_names_the_widths_and_restores_the_console():
    out = io.StringIO()
    console = make_console(out, width=40, color=False)
    render_trace(recorded("keras_none4"), console)
    first = " ".join(out.getvalue().split("\n", 3)[:2])
    assert NOTE.search(first) and console.width == 40


# -- plain output ------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [40, 100])
@pytest.mark.parametrize("command", COMMANDS + ["walkthrough", "explain seeds"])
def test_plain_output_has_no_trailing_spaces(tf, capsys, monkeypatch, command, width):
    status, text = cli(capsys, monkeypatch, command, width)
    assert status == 0 and text.strip()
    assert "\x1b[" not in text
    assert [line for line in text.split("\n") if line != line.rstrip()] == []


def test_txt_export_has_no_trailing_spaces(tf, capsys, tmp_path):
    target = tmp_path / "t.txt"
    assert main(["graph", "--shape", "None,4", "--width", "100", "--export", str(target)]) == 0
    capsys.readouterr()
    text = target.read_text()
    assert "StatelessRandomUniformV2" in text
    assert [line for line in text.split("\n") if line != line.rstrip()] == []


# -- the chain tree ----------------------------------------------------------------------------------
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


# -- small words -------------------------------------------------------------------------------------
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


# -- a real terminal -----------------------------------------------------------------------------------
def run_in_terminal(args: list[str], columns: int, env_extra: dict | None = None, timeout: float = 90) -> str:
    """Run the CLI on a pseudo-terminal `columns` wide; its output, with the terminal's \\r\\n as \\n."""
    import fcntl
    import pty
    import termios

    from terminal import read_until

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.update(env_extra or {})
    child = subprocess.Popen([sys.executable, "-m", "dropout_trace", *args], stdin=slave, stdout=slave,
                             stderr=slave, env=env, close_fds=True)
    os.close(slave)
    try:
        seen = read_until(master, timeout=timeout, child=child)
    finally:
        os.close(master)
        assert child.wait(timeout=30) == 0
    return seen.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 120])
def test_graph_in_a_real_terminal_is_coloured_and_fits(columns):
    raw = run_in_terminal(["graph", "--rate", "0.3", "--shape", "None,4"], columns)
    assert ANSI.search(raw)  # a terminal gets colour
    lines = ANSI.sub("", raw).splitlines()
    assert max(map(len, lines)) <= columns
    numbers = [line.split()[0] for line in lines if re.match(r"^ *\d+ +[A-Z]\w+ ", line)]
    assert numbers == [str(i) for i in range(len(numbers))] and len(numbers) > 10


def test_narrow_terminal_with_no_color_is_plain_and_says_so_once():
    raw = run_in_terminal(["run", "--rate", "0.3", "--shape", "None,4"], 40, {"NO_COLOR": "1"})
    assert not ANSI.search(raw)
    check_narrow(raw, 40)
    assert [line for line in raw.split("\n") if line != line.rstrip()] == []
    assert "check passed" in raw and KEPT in raw and DROPPED in raw
