"""The chain and graph commands: call trees from the real stack, graphs from the real tf.function."""

import json
import linecache
import shutil
import subprocess
import sys

import pytest

from dropout_trace.cli import main
from dropout_trace.graphview import graph_view, to_dot, to_mermaid
from dropout_trace.model import fold_plumbing
from dropout_trace.render_json import chain_json, graph_json
from dropout_trace.spec import build_spec

from test_apis import CASES


def walk(nodes, path=()):
    for node in nodes:
        yield path + (node,)
        yield from walk(node.children, path + (node,))


def site_file(relative: str) -> str:
    return next(f"{p}/{relative}" for p in sys.path if p and linecache.getline(f"{p}/{relative}", 1))


@pytest.mark.parametrize("case", ["keras", "tf-keras-stateful", "tf.nn.dropout", "v1", "spatial2d"])
def test_call_tree_reaches_dropout_through_the_landmarks(traced, case):
    options, landmarks, shape = CASES[case]
    trace = traced(rate="0.3", shape=shape, **options)
    paths = [p for p in walk(fold_plumbing(trace.tree)) if p[-1].function == "_dropout"]
    assert len(paths) == 1
    names = [n.function for n in paths[0]]
    assert [names.index(n) for n in landmarks] == sorted(names.index(n) for n in landmarks)
    for path in walk(trace.tree):  # every call line is the caller's real source line
        node = path[-1]
        if len(path) > 1 and node.call_line:
            parent = path[-2]
            assert linecache.getline(site_file(parent.file), node.call_line).strip() == node.call_source


def test_folding_keeps_the_real_callers_line(traced):
    trace = traced(rate="0.3", shape="None,4")
    folded = {p[-1].function: p[-1] for p in walk(fold_plumbing(trace.tree))}
    # Keras calls tf.nn.experimental.stateless_dropout through dispatch and error-handler wrappers;
    # folded, the call is shown at the Keras line that made it.
    assert "stateless_dropout" in folded["stateless_dropout"].call_source
    assert not any(n.plumbing for n in folded.values())


def test_source_marks_the_branch_that_ran(traced):
    dropped = chain_json(traced(rate="0.3", shape="None,4", api="tf.nn.dropout"), source=True)
    fast = chain_json(traced(rate="0", shape="None,4", api="tf.nn.dropout"), source=True)

    def ran_text(data, function):
        src = next(s for s in data["sources"] if s["function"] == function)
        return {line["text"].strip() for line in src["lines"] if line["line"] in src["ran"]}

    assert "keep_mask = random_tensor >= rate" in ran_text(dropped, "_dropout")
    assert "return x" not in ran_text(dropped, "_dropout")
    assert "return x" in ran_text(fast, "_dropout")  # rate 0: the fast path
    assert "keep_mask = random_tensor >= rate" not in ran_text(fast, "_dropout")
    for src in dropped["sources"]:  # read from the installed file, line by line
        for line in src["lines"][:5]:
            assert linecache.getline(site_file(src["file"]), line["line"]).rstrip("\n") == line["text"]


def test_chain_cli_text_and_json(capsys):
    assert main(["chain", "--api", "tf-keras", "--rng", "stateless"]) == 0
    out = capsys.readouterr().out
    assert "RandomGenerator.dropout" in out and "stateless_dropout" in out and "error_handler" not in out
    assert main(["chain", "--plumbing", "--format", "json", "--source"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tree"] and data["sources"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_graph_has_shape_and_random_ops_for_none_shapes(tf, case):
    options, _, shape = CASES[case]
    view = graph_view(build_spec(rate="0.3", shape=shape, **options))
    marks = [op.mark for op in view.ops]
    assert "shape" in marks and "random" in marks and "compare" in marks and "select" in marks
    shape_op = next(op for op in view.ops if op.mark == "shape")
    assert shape_op.type == "Shape"
    # The mask ops are built with the batch still unknown.
    assert next(op for op in view.ops if op.mark == "compare").shapes[0][0] is None


def test_graph_with_known_sizes_has_no_shape_op(tf):
    view = graph_view(build_spec(rate="0.3", shape="2,4"))
    assert "Shape" not in [op.type for op in view.ops]


def test_graph_dot_parses_and_mermaid_and_json(tf):
    import pydot

    view = graph_view(build_spec(rate="0.3", shape="None,4", api="tf.nn.dropout"))
    dot = to_dot(view)
    graphs = pydot.graph_from_dot_data(dot)
    assert graphs and len(graphs[0].get_nodes()) >= len(view.ops)
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=dot, text=True, check=True, capture_output=True)
    mermaid = to_mermaid(view)
    assert mermaid.startswith("flowchart TD") and "classDef random" in mermaid
    data = json.loads(json.dumps(graph_json(view)))
    assert [op["type"] for op in data["ops"]] == [op.type for op in view.ops]


def test_graph_cli_formats(capsys):
    for fmt in ("text", "dot", "mermaid", "json"):
        assert main(["graph", "--shape", "None,4", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "Shape" in out or "shape" in out
    assert main(["graph", "--format", "png"]) == 2
    assert "text or dot or mermaid or json" in capsys.readouterr().err


def test_chain_and_graph_pick_a_shape_the_api_accepts(capsys):
    assert main(["chain", "--api", "spatial2d"]) == 0
    assert "SpatialDropout2D" in capsys.readouterr().out
    assert main(["graph", "--api", "spatial1d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ops"][0]["shapes"] == [[None, 3, 4]]


@pytest.mark.parametrize("api", ["keras", "tf-keras", "tf.nn.dropout"])
def test_graph_dot_labels_are_short_and_tooltips_hold_the_full_names(tf, api):
    """Each node: its type, its own name and shapes, each line short; the full scope name is its tooltip
    (pydot gives back the unescaped value); one node per op, as before."""
    import pydot

    view = graph_view(build_spec(rate="0.3", shape="None,4", api=api))
    graph = pydot.graph_from_dot_data(to_dot(view))[0]
    nodes = {n.get_name(): n for n in graph.get_nodes() if n.get_name() != "node"}  # not the defaults
    assert len(nodes) == len(view.ops)
    for op in view.ops:
        node = nodes[f"n{op.index}"]
        lines = node.get("label").strip('"').split("\\n")
        assert lines[0] == op.type and all(len(line) <= 40 for line in lines), lines
        assert "/" not in "".join(lines[:2]) and node.get("tooltip").strip('"') == op.name
    assert any("/" in op.name for op in view.ops)  # scopes there were, and the labels left them out
