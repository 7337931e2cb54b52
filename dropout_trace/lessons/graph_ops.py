"""The ops one traced dropout call leaves behind, and proof that they, not the Python, run on every call."""

from __future__ import annotations

from dataclasses import dataclass

CALLS = 3
SHAPE = (3, 4)  # the run-time batch for the None,4 signature


@dataclass(frozen=True)
class Op:
    index: int
    type: str
    name: str
    mark: str | None  # graphview's mark: what the op does for dropout, if anything


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


def _measure(tf, keras, p) -> Run:
    """Call one tf.function around one Keras Dropout CALLS times; count traces, read the seed state."""
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
    states, masks = [state()], []
    for _ in range(CALLS):
        masks.append((fn(tf.ones(SHAPE)).numpy() != 0).tolist())
        states.append(state())
    return Run(calls=CALLS, traces=traced["count"], state_while_tracing=traced["state"], states=states,
               distinct_masks=len({str(m) for m in masks}), masks=masks)


def compute(p) -> GraphOps:
    from ..graphview import graph_view
    from ..spec import build_spec
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    view = graph_view(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed))
    return GraphOps(ops=[Op(op.index, op.type, op.name, op.mark) for op in view.ops], run=_measure(tf, keras, p))
