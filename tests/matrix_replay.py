"""A plain TensorFlow/Keras replay of one matrix run: the facts its sentences rest on, measured without dropout_trace.

The call is rebuilt from the public API (a fresh layer or function with the same seed, called the same way,
in a tf.function with a None batch or eagerly), a Python counter counts traces, states are read from the
layer's SeedGenerator / tf.random.Generator or Keras's global one, and a profile hook on the library's own
functions records which of them ran, where they returned, and what `_dropout`, the stateless op and the
sampler received (in graph mode those tensors are returned as extra outputs, so each call gives their values).
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field

import numpy as np

# The library functions watched, by the landmark key the tool uses for them: (module, attribute path).
WATCHED = {
    "keras.Dropout.call": ("keras.layers", "Dropout.call"),
    "keras.SpatialDropout.call": ("keras.layers", "SpatialDropout1D.call"),
    "keras.random.dropout": ("keras.random", "dropout"),
    "keras.backend.dropout": ("keras.src.backend.tensorflow.random", "dropout"),
    "keras.SeedGenerator.next": ("keras.src.random.seed_generator", "SeedGenerator.next"),
    "keras._cast_seed": ("keras.src.backend.tensorflow.random", "_cast_seed"),
    "tf_keras.Dropout.call": ("tf_keras.layers", "Dropout.call"),
    "tf_keras.RandomGenerator.dropout": ("tf_keras.src.backend", "RandomGenerator.dropout"),
    "tf.dropout_v1": ("tensorflow.python.ops.nn_ops", "dropout"),
    "tf.dropout_v2": ("tensorflow.python.ops.nn_ops", "dropout_v2"),
    "tf.stateless_dropout": ("tensorflow.python.ops.nn_ops", "stateless_dropout"),
    "tf.general_dropout": ("tensorflow.python.ops.nn_ops", "general_dropout"),
    "tf._dropout": ("tensorflow.python.ops.nn_ops", "_dropout"),
    "tf._get_noise_shape": ("tensorflow.python.ops.nn_ops", "_get_noise_shape"),
    "tf.stateless_random_uniform": ("tensorflow.python.ops.stateless_random_ops", "stateless_random_uniform"),
    "tf.random_uniform": ("tensorflow.python.ops.random_ops", "random_uniform"),
    "tf.Generator.uniform": ("tensorflow.python.ops.stateful_random_ops", "Generator.uniform"),
}
SAMPLERS = ("tf.stateless_random_uniform", "tf.random_uniform", "tf.Generator.uniform")


def _resolve(module: str, path: str):
    import importlib

    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return getattr(inspect.unwrap(obj), "__code__", None)  # past the dispatch and deprecation wrappers


_CODES: dict = {}


def codes() -> dict:
    if not _CODES:
        for key, where in WATCHED.items():
            try:
                code = _resolve(*where)
            except (ImportError, AttributeError):
                continue
            if code is not None:
                _CODES[code] = key
    return _CODES


class Hook:
    """sys.settrace on the watched code only: entries with chosen locals, the last line each ran, how it left."""

    def __init__(self):
        self.entered: list[str] = []
        self.returns: list[tuple[str, str, frozenset]] = []  # (key, qualname, the lines it ran)
        self.got: dict[str, object] = {}  # "<key>.<local>" -> value at entry; "sampler.out" -> its return value
        self.raised_through: list[str] = []  # qualnames of the watched functions an exception left, innermost first
        self._codes = codes()

    def clear(self):
        for kept in (self.entered, self.returns, self.got, self.raised_through):
            kept.clear()

    def __call__(self, frame, event, arg):  # the global tracer: only watched frames get a local one
        key = self._codes.get(frame.f_code)
        if key is None or event != "call":
            return None
        self.entered.append(key)
        loc = frame.f_locals
        for name in {"tf._dropout": ("x", "rate"), "tf.stateless_dropout": ("seed",)}.get(key, ()):
            self.got.setdefault(f"{key}.{name}", loc.get(name))
        if key in SAMPLERS:
            self.got.setdefault("sampler.shape", loc.get("shape"))
        ran: set[int] = set()
        raised = [False]

        def local(frame, event, arg):
            if event == "line" and not raised[0]:
                ran.add(frame.f_lineno)
            elif event == "exception":
                raised[0] = True
            elif event == "return":
                self.returns.append((key, frame.f_code.co_qualname, frozenset(ran)))
                if raised[0] and arg is None:  # every watched function returns a value: None after an exception
                    # means the exception left it (one handled inside would be followed by a real return value)
                    self.raised_through.append(frame.f_code.co_qualname)
                elif key in SAMPLERS:
                    self.got.setdefault("sampler.out", arg)
            return local

        return local

    def __enter__(self):
        self._old = sys.gettrace()
        sys.settrace(self)
        return self

    def __exit__(self, *exc):
        sys.settrace(self._old)


@dataclass
class Replay:
    outputs: list = field(default_factory=list)  # numpy, per call
    states: list = field(default_factory=list)  # (before, after) per call, numpy or None
    uniforms: list = field(default_factory=list)  # the sampler's output per call (None: it did not run)
    noise: list = field(default_factory=list)  # the shape the sampler received, per call
    seeds: list = field(default_factory=list)  # the seed stateless_dropout received, per call
    trace_count: int = 0
    entered: set = field(default_factory=set)
    returns: list = field(default_factory=list)
    compute_dtype: str | None = None
    rate_received: object = None  # float, or ("tensor", value)
    layer_compute_dtype: str | None = None
    error: BaseException | None = None
    error_frame: str | None = None  # the innermost watched function the exception left
    gradients: list = field(default_factory=list)  # --grad: d sum(y * ones) / dx per call (None: no path)
    backward_types: list = field(default_factory=list)  # --grad in a graph: the op types tape.gradient added


def _state(owner, kind: str):
    import keras

    if kind == "keras_layer":  # a layer with rate 0 makes no SeedGenerator
        gen = getattr(owner, "seed_generator", None)
        return None if gen is None else gen.state.numpy()
    if kind == "keras_global":  # read, never made: global_seed_generator() would create it
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR

        gen = global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)
        return None if gen is None else gen.state.numpy()
    if kind == "tf_keras":
        gen = getattr(owner._random_generator, "_generator", None)
        return None if gen is None else gen.state.numpy()
    return None


def build(api: str, rng: str | None, o: dict, seed: int | None, tf):
    """(owner, call(x, *extra), extra args, state kind): the public call, written out with plain Keras/TF."""
    import keras

    rate, noise, dtype = o["rate"], o["noise"], o["dtype"]
    tensor = (tf.constant(rate if api != "tf.compat.v1.nn.dropout" else 1 - rate, dtype),) if o["rate_tensor"] else ()
    if api == "keras" or api.startswith("spatial"):
        cls = keras.layers.Dropout if api == "keras" else getattr(keras.layers, f"SpatialDropout{api[7]}D")
        kw = {} if api != "keras" else {"noise_shape": noise}
        layer = cls(rate, seed=seed, dtype=o["layer_dtype"], **kw)
        return layer, lambda x: layer(x, training=True), (), "keras_layer"
    if api == "keras.random.dropout":
        if seed is None:  # as in a fresh process: no global SeedGenerator yet, the first call makes one
            from keras.src.backend.common import global_state
            from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR

            global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
        return None, lambda x, *r: keras.random.dropout(x, r[0] if r else rate, noise_shape=noise, seed=seed), \
            tensor, "keras_global" if seed is None else "none"
    if api == "tf-keras":
        import tf_keras

        extra = {"rng_type": {"legacy": "legacy_stateful"}.get(rng, rng)} if rng else {}
        layer = tf_keras.layers.Dropout(rate, noise_shape=noise, seed=seed, dtype=o["layer_dtype"], **extra)
        if o["legacy"] and seed is not None:
            tf.random.set_seed(seed)
        return layer, lambda x: layer(x, training=True), (), "tf_keras"
    if api in ("tf.nn.dropout", "tf.compat.v1.nn.dropout"):
        if seed is not None:
            tf.random.set_seed(seed)
        if api == "tf.nn.dropout":
            return None, lambda x, *r: tf.nn.dropout(x, rate=r[0] if r else rate, noise_shape=noise, seed=seed), \
                tensor, "none"
        return None, lambda x, *r: tf.compat.v1.nn.dropout(x, keep_prob=r[0] if r else 1 - rate,
                                                            noise_shape=noise, seed=seed), tensor, "none"
    if api == "stateless":
        return None, lambda x, *r: tf.nn.experimental.stateless_dropout(
            x, rate=r[0] if r else rate, seed=[seed, 0], noise_shape=noise), tensor, "none"
    raise LookupError(f"no plain replay for --api {api}: add one to tests/matrix_replay.py")


def _as_tensor(tf, v):
    if v is None:
        return None
    if isinstance(v, tf.TensorShape):
        return tf.constant(v.as_list(), tf.int64) if v.is_fully_defined() else None
    try:
        return tf.convert_to_tensor(v)
    except (TypeError, ValueError):
        return None


def _plain(v):
    if v is None:
        return None
    if hasattr(v, "numpy"):
        return v.numpy()
    if hasattr(v, "as_list"):
        return np.asarray(v.as_list())
    return np.asarray(v)


def replay(api: str, rng: str | None, o: dict, x: np.ndarray, seed: int | None, tf) -> Replay:
    """Call the public API o["calls"] times on x, as the run did; every fact measured, nothing derived."""
    out = Replay()
    hook = Hook()
    owner, call, extra, kind = build(api, rng, o, seed, tf)
    if owner is not None:
        out.layer_compute_dtype = owner.compute_dtype
    xt = tf.cast(tf.constant(x), o["input_dtype"])
    watched = ("tf._dropout.x", "tf.stateless_dropout.seed", "sampler.shape", "sampler.out", "tf._dropout.rate")

    def taped(x, *r):
        """The call, and with --grad a plain tape's gradient of sum(y * ones) with respect to x."""
        if not o.get("grad"):
            return call(x, *r), None
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = call(x, *r)
            loss = tf.reduce_sum(y * tf.ones_like(y))
        graph = None if tf.executing_eagerly() else tf.compat.v1.get_default_graph()
        first = 0 if graph is None else len(graph.get_operations())
        g = tape.gradient(loss, x)
        if graph is not None:
            out.backward_types = [op.type for op in graph.get_operations()[first:]]
        return y, g

    def traced(x, *r):
        out.trace_count += 1  # a Python counter: tf.function runs this only when it traces
        hook.clear()
        with hook:
            y, g = taped(x, *r)
        _keep_static(out, hook)
        return [y] + [_as_tensor(tf, hook.got.get(k)) if k in hook.got else tf.constant(0) for k in watched[1:]] \
            + [tf.constant([k in hook.got and _as_tensor(tf, hook.got[k]) is not None for k in watched[1:]]), g]

    fn = tf.function(traced, input_signature=[tf.TensorSpec(o["shape"], xt.dtype)]
                     + [tf.TensorSpec((), xt.dtype) for _ in extra], autograph=False)
    try:
        for _ in range(o["calls"]):
            before = _state(owner, kind)
            if o["eager"]:
                hook.clear()
                with hook:
                    y, g = taped(xt, *extra)
                _keep_static(out, hook)
                got = [hook.got.get(k) for k in watched[1:]]
            else:
                res = fn(xt, *extra)
                y, present, g = res[0], res[-2].numpy(), res[-1]
                got = [v if p else None for v, p in zip(res[1:-2], present)]
            out.outputs.append(y.numpy())
            out.gradients.append(None if g is None else g.numpy())
            out.states.append((before, _state(owner, kind)))
            seed_v, shape_v, uni_v, rate_v = (_plain(g) for g in got)
            if isinstance(out.rate_received, tuple) and out.rate_received[1] is None:
                out.rate_received = ("tensor", rate_v.item())
            out.seeds.append(seed_v)
            out.noise.append(shape_v)
            out.uniforms.append(uni_v)
    except Exception as exc:  # the library refused: which exception, raised where
        out.error = exc
        out.error_frame = hook.raised_through[0] if hook.raised_through else None
    return out


def _keep_static(out: Replay, hook: Hook) -> None:
    out.entered |= set(hook.entered)
    out.returns = list(hook.returns)
    x = hook.got.get("tf._dropout.x")
    if x is not None and hasattr(x, "dtype"):
        out.compute_dtype = x.dtype.name
    r = hook.got.get("tf._dropout.rate")
    if r is not None:
        # a tensor rate: its value now if eager, else from the graph's extra output (see replay)
        out.rate_received = ("tensor", _plain(r).item() if hasattr(r, "numpy") else None) if hasattr(r, "dtype") \
            else float(r)


_GRID: dict = {}


def grid_bits(tf, dtype: str) -> int:
    """How many bits the library's uniforms have in this dtype, measured: the smallest m with every draw * 2**m an
    integer, over 4096 draws of each sampler."""
    if dtype not in _GRID:
        d = tf.as_dtype(dtype)
        draws = [tf.random.stateless_uniform([4096], [1, 2], dtype=d), tf.random.uniform([4096], dtype=d, seed=3),
                 tf.random.Generator.from_seed(4).uniform([4096], dtype=d)]
        v = np.concatenate([np.asarray(t.numpy(), dtype=np.float64) for t in draws])
        m = 0
        while not np.all(np.floor(v * 2.0**m) == v * 2.0**m):
            m += 1
        _GRID[dtype] = m
    return _GRID[dtype]


def kept_scale(tf, dtype: str, rate, tensor: bool) -> tuple[float | None, float]:
    """(the value a kept 1.0 becomes, the mean output), measured from the library on a ones input: the scale in
    the dtype, or None when no element was kept (a rate tensor that is 1 in the dtype keeps none)."""
    d = tf.as_dtype(dtype)
    r = tf.constant(rate, d) if tensor else rate
    y = tf.nn.experimental.stateless_dropout(tf.ones([1 << 16], d), rate=r, seed=[5, 6]).numpy().astype(np.float64)
    kept = y[y != 0]
    assert not kept.size or np.all(kept == kept[0]), "every kept 1.0 scales the same"
    return (float(kept[0]) if kept.size else None), float(y.mean())


def in_dtype(tf, value: float, dtype: str) -> float:
    """value stored in the dtype, as TensorFlow rounds it."""
    return float(np.asarray(tf.constant(value, tf.as_dtype(dtype)).numpy(), dtype=np.float64))
