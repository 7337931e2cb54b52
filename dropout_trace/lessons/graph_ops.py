"""The ops one traced dropout call leaves behind, which of them TensorFlow's runtime ran (after its graph
optimizer, Grappler, rewrote the graph), and proof that they, not the Python, run on every call."""

from __future__ import annotations

from dataclasses import dataclass

CALLS = 3
SHAPE = (3, 4)  # the run-time batch for the None,4 signature
BRANCHING = ("Switch", "Merge", "If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase")


@dataclass(frozen=True)
class Op:
    index: int
    type: str
    name: str
    mark: str | None  # graphview's mark: what the op does for dropout, if anything
    ran: bool | None = None  # in the graph the runtime ran (Grappler kept it); None: not measured


@dataclass(frozen=True)
class Executed:
    """The graph TensorFlow's runtime built for the function and ran, as its run metadata reports it."""

    nodes: int  # nodes in it, the runtime's own (_Arg, _Retval) included
    branches: list[str]  # its control-flow ops: with any, not every op runs on every call
    graphs_built: list[int]  # per call, how many function graphs the runtime built for it


@dataclass(frozen=True)
class Run:
    """One tf.function around one Keras Dropout, called `calls` times."""

    calls: int
    traces: int  # how often its Python ran
    state_while_tracing: list | None  # the SeedGenerator state the Python saw (None: the layer has none)
    states: list  # the state before the first call and after each
    distinct_masks: int
    masks: list


@dataclass(frozen=True)
class GraphOps:
    ops: list[Op]  # the ops one traced call leaves, in the order TensorFlow created them
    run: Run
    executed: Executed | None  # None: the installed TensorFlow reported no graph for the function
    draw_unknown_axes: list[int] | None  # axes of the random op's draw unknown while tracing (None: any)


def _run_metadata(tf):
    """TensorFlow's eager context, which records the graphs a function runs; None where this TF lacks it.

    The context has no getter for whether run metadata was already on, so a caller that had enabled it
    finds it off after this page (and loses what it had gathered since its last export): the one piece of
    TensorFlow state this tool cannot put back as it found it.
    """
    try:
        from tensorflow.python.eager import context
    except ImportError:
        return None
    ctx = context.context()
    return ctx if all(hasattr(ctx, n) for n in ("enable_run_metadata", "export_run_metadata")) else None


def _executed(concrete, graphs: list) -> tuple[set, Executed] | None:
    """Which of the traced graph's ops are in the graph the runtime ran, read from the exported run metadata.

    Placeholders become _Arg nodes named as the function's signature names them, in the same order.
    """
    own = {n.name for n in concrete.function_def.node_def}
    graphs = [md for md in graphs if md is not None]  # None: the context was not recording
    runs = [g for md in graphs for g in md.function_graphs if own <= {n.name for n in g.pre_optimization_graph.node}]
    if not runs:
        return None
    nodes = [n for part in runs[0].partition_graphs for n in part.node]
    args = {a.name: t.op.name for a, t in zip(concrete.function_def.signature.input_arg, concrete.graph.inputs)}
    ran = {args.get(n.name, n.name) for n in nodes}
    return ran, Executed(nodes=len(nodes), branches=sorted({n.op for n in nodes if n.op in BRANCHING}),
                         graphs_built=[len(md.function_graphs) for md in graphs])


def _measure(tf, keras, p):
    """Call one tf.function around one Keras Dropout CALLS times: count traces, read the seed state, and
    read from the run metadata which ops the runtime ran. Returns the run, the traced graph, what ran."""
    layer = keras.layers.Dropout(p.rate, seed=p.seed)
    generator = getattr(layer, "seed_generator", None)  # rate 0 builds none

    def state():
        if generator is None:
            return None
        with tf.init_scope():  # read the variable's value eagerly, even from inside a trace
            return generator.state.numpy().tolist()

    traced = {"count": 0, "state": None}

    def call(x):
        traced["count"] += 1  # Python: runs only while tf.function traces
        traced["state"] = state()
        return layer(x, training=True)

    fn = tf.function(call, input_signature=[tf.TensorSpec([None, SHAPE[1]], tf.float32)])
    concrete = fn.get_concrete_function()
    x, ctx = tf.ones(SHAPE), _run_metadata(tf)
    states, masks, graphs = [state()], [], []
    for _ in range(CALLS):
        if ctx is not None:
            ctx.enable_run_metadata()
        try:
            masks.append((fn(x).numpy() != 0).tolist())
        finally:
            if ctx is not None:
                graphs.append(ctx.export_run_metadata())
                ctx.disable_run_metadata()
        states.append(state())
    run = Run(calls=CALLS, traces=traced["count"], state_while_tracing=traced["state"], states=states,
              distinct_masks=len({str(m) for m in masks}), masks=masks)
    return run, concrete.graph, _executed(concrete, graphs) if ctx is not None else None


def compute(p) -> GraphOps:
    from ..graphview import ops_of
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    run, graph, executed = _measure(tf, keras, p)
    view, axes, _ = ops_of(graph)
    ran, executed = executed if executed is not None else (None, None)
    ops = [Op(op.index, op.type, op.name, op.mark, None if ran is None else op.name in ran) for op in view]
    return GraphOps(ops=ops, run=run, executed=executed, draw_unknown_axes=None if axes is None else list(axes))
