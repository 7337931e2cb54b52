"""XLA (jit_compile=True) against the regular kernels: the same seed, the same uniforms or not."""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass

SHAPE = (3, 4)  # one batch of the page's None,4 input
UNIFORM_OPS = ("StatelessRandomUniformV2", "StatelessRandomUniform", "RandomUniform")  # the sampler's op


@dataclass(frozen=True)
class Alg:
    """What `alg` stateless_uniform's signature defaults to, and the enum value it converts to."""

    default: str
    value: int
    name: str
    where: str  # file:line of the line that writes the default
    philox: int  # Algorithm.PHILOX's value


@dataclass(frozen=True)
class FitDefault:
    """What Model.compile()'s default jit_compile="auto" resolved to, and the devices it saw."""

    jit_compile: bool
    devices: list[str]


@dataclass(frozen=True)
class Pair:
    """The regular kernel's values against XLA's."""

    equal: bool
    differ: int  # elements that differ
    elements: int


@dataclass(frozen=True)
class Uniforms:
    auto_select: Pair  # stateless_uniform with the default alg
    philox: Pair  # ... with alg="philox"


@dataclass(frozen=True)
class Kept:
    regular: int
    compiled: int


@dataclass(frozen=True)
class Layer:
    """keras.layers.Dropout in a tf.function, regular and jit_compile=True: its output compared."""

    equal: bool
    differ: int
    elements: int
    regular_mask: list
    compiled_mask: list
    regular_state: list | None  # its SeedGenerator's state before and after (None: it has none)
    compiled_state: list | None
    kept: Kept
    draws: Pair | None  # the layer's own uniforms compared (None: not captured both ways)


@dataclass(frozen=True)
class FirstUniforms:
    regular: list  # row 0 of the default alg's uniforms
    compiled: list | None


@dataclass(frozen=True)
class Xla:
    shape: list
    alg: Alg | None  # None: not found in this TensorFlow's source
    xla_error: str | None  # XLA could not compile here: then nothing below was compared
    layer_graph_alg: int | None  # the alg the layer's graph feeds its uniform op
    fit_default: FitDefault
    regular_auto_is_philox: bool  # without XLA, auto_select drew the Philox uniforms
    uniform: Uniforms | None
    dropout: Layer | None
    first_uniforms: FirstUniforms


def _default_alg() -> Alg | None:
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
    return Alg(default=default, value=int(value), name=random_ops_util.Algorithm(value).name, where=where,
               philox=random_ops_util.Algorithm.PHILOX.value)


def _fit_default(tf, keras, rate: float) -> FitDefault:
    model = keras.Sequential([keras.Input((SHAPE[1],)), keras.layers.Dropout(rate)])
    model.compile()
    devices = sorted({d.device_type for d in tf.config.list_physical_devices()})
    return FitDefault(bool(model.jit_compile), devices)


def _graph_alg(tf, graph) -> int | None:
    """The alg the graph feeds its uniform op (a Const input), or None if there is no such op."""
    for op in graph.get_operations():
        if op.type == "StatelessRandomUniformV2" and op.inputs[-1].op.type == "Const":
            return int(tf.make_ndarray(op.inputs[-1].op.get_attr("value")))
    return None


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


def _pair(regular, compiled) -> Pair:
    import numpy as np

    a, b = np.asarray(regular), np.asarray(compiled)
    return Pair(bool(np.array_equal(a, b)), int(np.count_nonzero(a != b)), int(a.size))


def compute(p) -> Xla:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    alg, fit_default = _default_alg(), _fit_default(tf, keras, p.rate)
    xla_error, layer_graph_alg = None, None

    def uniform(alg):
        return lambda: tf.random.stateless_uniform(SHAPE, seed=[p.seed, 0], alg=alg)

    states = {}

    def dropout(jit: bool):
        """The layer's output and its own uniforms: the graph's uniform op, returned as a second output."""
        nonlocal layer_graph_alg
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
            layer_graph_alg = _graph_alg(tf, fn.get_concrete_function(tf.ones(SHAPE)).graph)
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
        xla_error = _first_line(error)
        compiled, compiled_out, compiled_draws = None, None, None
    out = None if compiled_out is None else _pair(regular_out, compiled_out)
    layer = None if out is None else Layer(
        equal=out.equal, differ=out.differ, elements=out.elements, regular_mask=(regular_out != 0).tolist(),
        compiled_mask=(compiled_out != 0).tolist(), regular_state=states[False], compiled_state=states[True],
        kept=Kept(int((regular_out != 0).sum()), int((compiled_out != 0).sum())),
        draws=None if regular_draws is None or compiled_draws is None else _pair(regular_draws, compiled_draws))
    uniforms = Uniforms(*(_pair(regular[a], compiled[a]) for a in ("auto_select", "philox"))) if compiled else None
    return Xla(shape=list(SHAPE), alg=alg, xla_error=xla_error, layer_graph_alg=layer_graph_alg,
               fit_default=fit_default, regular_auto_is_philox=_pair(regular["auto_select"], regular["philox"]).equal,
               uniform=uniforms, dropout=layer,
               first_uniforms=FirstUniforms(regular["auto_select"][0].tolist(),
                                            compiled["auto_select"][0].tolist() if compiled else None))
