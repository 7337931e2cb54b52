"""graph-ops and graph: what ran and where the batch size enters, measured here on plain TensorFlow/Keras."""

import pytest
from tensorflow.python.eager import context

from dropout_trace import lessons
from dropout_trace.graphview import graph_view
from dropout_trace.spec import build_spec


def ran_ops(tf, fn, concrete, x) -> set:
    """The traced graph's op names present in the graph the runtime ran on the first call (run metadata)."""
    ctx = context.context()
    ctx.enable_run_metadata()
    fn(x)
    md = ctx.export_run_metadata()
    ctx.disable_run_metadata()
    own = {n.name for n in concrete.function_def.node_def}
    graph = next(g for g in md.function_graphs if own <= {n.name for n in g.pre_optimization_graph.node})
    args = {a.name: t.op.name for a, t in zip(concrete.function_def.signature.input_arg, concrete.graph.inputs)}
    return {args.get(n.name, n.name) for part in graph.partition_graphs for n in part.node}


def test_graph_ops_ran_what_run_metadata_shows(tf, keras):
    f = lessons.compute("graph-ops", lessons.Params(rate=0.3, seed=42)).facts
    layer = keras.layers.Dropout(0.3, seed=42)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    concrete = fn.get_concrete_function()
    ops = concrete.graph.get_operations()
    ran = ran_ops(tf, fn, concrete, tf.ones([3, 4]))
    assert [op.type for op in f.ops] == [op.type for op in ops]
    assert [op.ran for op in f.ops] == [op.name in ran for op in ops]
    assert not all(op.ran for op in f.ops)  # Grappler folds some: the page must not say every op runs
    for kind in ("ReadVariableOp", "AssignVariableOp", "StatelessRandomUniformV2"):  # these run on every call
        assert all(op.ran for op in f.ops if op.type == kind)
    assert f.executed.graphs_built[0] >= 1 and f.executed.graphs_built[1:] == [0, 0] and f.executed.branches == []


def test_graph_ops_page_names_what_did_not_run(capsys, monkeypatch):
    from pages import page

    f = lessons.compute("graph-ops", lessons.Params(rate=0.3, seed=42)).facts
    text = page("graph-ops", capsys, monkeypatch)
    gone = [op for op in f.ops if not op.ran]
    assert f"{len(f.ops) - len(gone)} of the {len(f.ops)} ops are in the graph that ran" in text
    assert all(op.name.split("/", 1)[-1] in text for op in gone)  # the layer's name counter may differ


def reaches(op, target_names) -> bool:
    seen, stack = set(), [op]
    while stack:
        o = stack.pop()
        if o.name in target_names:
            return True
        if o.name not in seen:
            seen.add(o.name)
            stack.extend(t.op for t in o.inputs)
    return False


@pytest.mark.parametrize("shape, noise, unknown", [("None,4", None, (0,)), ("None,4", "1,4", ()),
                                                   ("2,None", None, (1,)), ("None,None,8", "None,1,8", (0,))])
def test_shape_mark_from_the_graph(tf, keras, shape, noise, unknown):
    view = graph_view(build_spec(rate="0.3", shape=shape, noise_shape=noise))
    dims = [None if d == "None" else int(d) for d in shape.split(",")]
    ns = None if noise is None else [None if d == "None" else int(d) for d in noise.split(",")]
    layer = keras.layers.Dropout(0.3, noise_shape=ns, seed=42)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec(dims, tf.float32)])
    graph = fn.get_concrete_function().graph
    draw = next(op for op in graph.get_operations() if op.type == "StatelessRandomUniformV2")
    shapes = [op.name for op in graph.get_operations() if op.type == "Shape"]
    feeding = [i for i, op in enumerate(graph.get_operations())
               if op.name in shapes and reaches(draw.inputs[0].op, {op.name})]
    assert [op.index for op in view.ops if op.mark == "shape"] == feeding
    assert view.draw_unknown_axes == tuple(i for i, d in enumerate(draw.outputs[0].shape.as_list()) if d is None)
    assert view.draw_unknown_axes == unknown
    from dropout_trace import narrate

    words = narrate.graph_mark("shape", view)
    assert ("batch size" in words) == (0 in unknown)
