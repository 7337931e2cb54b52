"""The ops one traced dropout call leaves behind, and proof that they, not the Python, run on every call."""

from __future__ import annotations

CALLS = 3
SHAPE = (3, 4)  # the run-time batch for the None,4 signature


def _measure(tf, keras, p) -> dict:
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
    return {"calls": CALLS, "traces": traced["count"], "state_while_tracing": traced["state"],
            "states": states, "distinct_masks": len({str(m) for m in masks}), "masks": masks}


def compute(p) -> dict:
    from ..graphview import graph_view
    from ..spec import build_spec
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    view = graph_view(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed))
    ops = [{"index": op.index, "type": op.type, "name": op.name, "mark": op.mark} for op in view.ops]
    return {"ops": ops, "run": _measure(tf, keras, p)}
