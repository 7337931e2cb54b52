"""XLA (jit_compile=True) against the regular kernels: the same seed, the same uniforms or not."""

from __future__ import annotations

import inspect
import os
import re

SHAPE = (3, 4)  # one batch of the page's None,4 input
UNIFORM_OPS = ("StatelessRandomUniformV2", "StatelessRandomUniform", "RandomUniform")  # the sampler's op


def _default_alg() -> dict | None:
    """What `alg` stateless_uniform's signature defaults to, and the enum value it converts to."""
    try:
        from tensorflow.python.ops import random_ops_util, stateless_random_ops
    except ImportError:  # private modules: a later TensorFlow may move them; the page says it was not found
        return None

    fn = inspect.unwrap(stateless_random_ops.stateless_random_uniform)  # past TF's dispatch decorators
    default = inspect.signature(fn).parameters["alg"].default
    value = random_ops_util.convert_alg_to_int(default)
    path = inspect.getsourcefile(fn) or ""
    where = path[path.rfind(f"tensorflow{os.sep}python"):] if f"tensorflow{os.sep}python" in path else path
    lines, start = inspect.getsourcelines(fn)
    line = next((start + i for i, text in enumerate(lines) if re.match(r"\s*alg\s*=", text)), start)
    where += f":{line}"  # the line that writes the default
    return {"default": default, "value": int(value), "name": random_ops_util.Algorithm(value).name,
            "where": where, "philox": random_ops_util.Algorithm.PHILOX.value}


def _fit_default(tf, keras, rate: float) -> dict:
    """What Model.compile()'s default jit_compile="auto" resolves to on this machine, and the devices it saw."""
    model = keras.Sequential([keras.Input((SHAPE[1],)), keras.layers.Dropout(rate)])
    model.compile()
    devices = sorted({d.device_type for d in tf.config.list_physical_devices()})
    return {"jit_compile": bool(model.jit_compile), "devices": devices}


def _graph_alg(tf, graph) -> int | None:
    """The alg the graph feeds its uniform op (a Const input), or None if there is no such op."""
    for op in graph.get_operations():
        if op.type == "StatelessRandomUniformV2" and op.inputs[-1].op.type == "Const":
            return int(tf.make_ndarray(op.inputs[-1].op.get_attr("value")))
    return None


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


def _pair(regular, compiled) -> dict:
    import numpy as np

    a, b = np.asarray(regular), np.asarray(compiled)
    return {"equal": bool(np.array_equal(a, b)), "differ": int(np.count_nonzero(a != b)), "elements": int(a.size)}


def compute(p) -> dict:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    facts = {"shape": list(SHAPE), "alg": _default_alg(), "xla_error": None, "layer_graph_alg": None,
             "fit_default": _fit_default(tf, keras, p.rate)}

    def uniform(alg):
        return lambda: tf.random.stateless_uniform(SHAPE, seed=[p.seed, 0], alg=alg)

    states = {}

    def dropout(jit: bool):
        """The layer's output and its own uniforms: the graph's uniform op, returned as a second output."""
        layer = keras.layers.Dropout(p.rate, seed=p.seed)  # fresh: its SeedGenerator starts at [seed, 0]
        generator = getattr(layer, "seed_generator", None)  # rate 0 builds none
        before = None if generator is None else generator.state.numpy().tolist()

        def call(x):
            y = layer(x, training=True)
            ops = [op for op in tf.compat.v1.get_default_graph().get_operations() if op.type in UNIFORM_OPS]
            return y, (ops[0].outputs[0] if ops else tf.zeros([0]))  # under XLA: XLA's own draws

        fn = tf.function(call, jit_compile=jit)
        out, drawn = (t.numpy() for t in fn(tf.ones(SHAPE)))
        if not jit:
            facts["layer_graph_alg"] = _graph_alg(tf, fn.get_concrete_function(tf.ones(SHAPE)).graph)
        states[jit] = None if generator is None else [before, generator.state.numpy().tolist()]
        return out, (drawn if drawn.size else None)

    regular = {"auto_select": tf.function(uniform("auto_select"))().numpy(),
               "philox": tf.function(uniform("philox"))().numpy()}
    regular_out, regular_draws = dropout(False)
    try:
        compiled = {alg: tf.function(fn, jit_compile=True)().numpy()
                    for alg, fn in (("auto_select", uniform("auto_select")), ("philox", uniform("philox")))}
        compiled_out, compiled_draws = dropout(True)
    except Exception as error:  # no XLA backend for this CPU: that is the fact to report
        facts["xla_error"] = _first_line(error)
        compiled, compiled_out, compiled_draws = None, None, None
    facts["regular_auto_is_philox"] = _pair(regular["auto_select"], regular["philox"])["equal"]
    facts["uniform"] = {alg: _pair(regular[alg], compiled[alg]) for alg in regular} if compiled else None
    facts["dropout"] = None if compiled_out is None else dict(
        _pair(regular_out, compiled_out), regular_mask=(regular_out != 0).tolist(),
        compiled_mask=(compiled_out != 0).tolist(), regular_state=states[False], compiled_state=states[True],
        kept={"regular": int((regular_out != 0).sum()), "compiled": int((compiled_out != 0).sum())},
        draws=None if regular_draws is None or compiled_draws is None else _pair(regular_draws, compiled_draws))
    facts["first_uniforms"] = {"regular": regular["auto_select"][0].tolist(),
                               "compiled": compiled["auto_select"][0].tolist() if compiled else None}
    return facts
