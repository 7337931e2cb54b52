"""Run the real Keras Dropout layer under capture and turn what the library computed into a Trace."""

from __future__ import annotations

import math
import platform
import re

import numpy as np

from . import check as checks
from .capture import FrameEvent, Recorder
from .landmarks import (Landmark, assignment_lines, assignment_spans, find, function_lines, relative_file,
                        return_lines, source_line)
from .model import (Check, Excerpt, Frame, ListView, NamedValue, PyValue, SourceLine, Stage, TensorView,
                    Trace, Value)
from .spec import RunSpec, format_dims
from .tfenv import import_tensorflow

# The Keras 3 path on the TensorFlow backend, outermost first: (key, module, qualified name).
KERAS3_LANDMARKS = (
    ("layer_call", None, "Dropout.call"),  # module read from keras.layers.Dropout itself
    ("backend_dropout", "keras.src.backend.tensorflow.random", "dropout"),
    ("draw_seed", "keras.src.random.seed_generator", "draw_seed"),
    ("seed_next", "keras.src.random.seed_generator", "SeedGenerator.next"),
    ("cast_seed", "keras.src.backend.tensorflow.random", "_cast_seed"),
    ("concrete_noise_shape", "keras.src.backend.tensorflow.random", "_get_concrete_noise_shape"),
    ("stateless_dropout", "tensorflow.python.ops.nn_ops", "stateless_dropout"),
    ("_dropout", "tensorflow.python.ops.nn_ops", "_dropout"),
    ("get_noise_shape", "tensorflow.python.ops.nn_ops", "_get_noise_shape"),
    ("sampler", "tensorflow.python.ops.stateless_random_ops", "stateless_random_uniform"),
)

# `_dropout` is read as consecutive segments, each starting where the library assigns a local.
DROPOUT_SEGMENTS = (("rate", None), ("noise_shape", "noise_shape"), ("uniform", "random_tensor"),
                    ("keep_mask", "keep_mask"), ("output", "zero_tensor"))

EXCERPT_CAP = 8


def make_input(spec: RunSpec) -> np.ndarray:
    """The input values in float64; `range` numbers elements 1, 2, 3, ... so each can be followed."""
    shape = spec.run_shape
    if spec.input == "ones":
        return np.ones(shape)
    if spec.input == "normal":
        return np.random.default_rng(spec.seed).standard_normal(shape)
    return np.arange(1, math.prod(shape) + 1, dtype=np.float64).reshape(shape)


def is_plumbing(qualname: str, file: str) -> bool:
    """Decorator closures in utility modules (error handlers, dispatch) only forward the call."""
    return "<locals>" in qualname and ("/util/" in file or "/utils/" in file)


def trace_run(spec: RunSpec) -> Trace:
    """Trace one `keras.layers.Dropout` call: graph mode by default, eager with spec.eager."""
    tf, keras = import_tensorflow()
    landmarks = [find(key, module or keras.layers.Dropout.__module__, qualname)
                 for key, module, qualname in KERAS3_LANDMARKS]
    dtype = tf.as_dtype(spec.dtype)
    x_value = tf.cast(tf.constant(make_input(spec)), dtype)

    def new_layer():
        return keras.layers.Dropout(spec.rate, noise_shape=spec.noise_shape, seed=spec.seed, dtype=spec.dtype)

    layer = new_layer()
    targets = {lm.code: lm.key for lm in landmarks if lm.found}
    graph_probes: list = []

    def harness(x):
        with Recorder(targets, harness.__code__) as rec:
            y = layer(x, training=True)
        harness.recorder = rec
        if spec.eager:
            return y
        graph = tf.compat.v1.get_default_graph()
        graph_probes.extend(_symbolic_leaves(tf, rec, graph))
        return [y, *graph_probes]

    runtime: dict[int, np.ndarray] = {}
    if spec.eager:
        y = harness(x_value)
        mode_detail = "eager: each op runs as soon as it is called; every shape is concrete"
    else:
        signature = tf.TensorSpec(shape=spec.shape, dtype=dtype)
        fn = tf.function(harness, input_signature=[signature], autograph=False)
        outputs = fn(x_value)
        y = outputs[0]
        runtime = {id(t): out.numpy() for t, out in zip(graph_probes, outputs[1:])}
        mode_detail = f"graph: tf.function(input_signature=[tf.TensorSpec({_dims(spec.shape)}, tf.{spec.dtype})])"
    recorder: Recorder = harness.recorder
    output = y.numpy()

    state_after = None
    if getattr(layer, "seed_generator", None) is not None:
        state_after = layer.seed_generator.state.numpy()

    b = _Builder(tf, recorder, {lm.key: lm for lm in landmarks}, runtime, spec)
    stages = b.stages(layer, output, state_after)
    tensors = {
        "input": x_value.numpy(),
        "seed": _runtime(b.local("stateless_dropout", "seed", call=True)),
        "random": _runtime(b.local("_dropout", "random_tensor")),
        "keep_mask": _runtime(b.local("_dropout", "keep_mask")),
        "output": output,
    }
    fresh = new_layer()(x_value, training=True).numpy()
    recomputed = checks.recompute(tensors["input"], tensors["random"], spec.rate)
    mask = tensors["keep_mask"]
    full_mask = (np.broadcast_to(mask, output.shape) if mask is not None
                 else np.ones(output.shape, dtype=bool))
    check = Check(
        bit_exact=checks.same_bits(recomputed, output),
        mask_matches=(mask is None and spec.rate == 0)
        or (mask is not None and np.array_equal(mask, checks.keep_mask_from(tensors["random"], spec.rate))),
        fresh_layer_equal=checks.same_bits(fresh, output),
        kept=int(full_mask.sum()), total=int(full_mask.size), rate=spec.rate,
        recipe=(f"where(random >= {spec.rate:g}, x * {spec.dtype}(1/(1-{spec.rate:g})), 0), computed in numpy "
                "from the captured random tensor" if spec.rate else "the input x: rate 0 drops and scales nothing"),
        reference=(f"a fresh keras.layers.Dropout({spec.rate:g}, noise_shape={spec.noise_shape}, "
                   f"seed={spec.seed}, dtype='{spec.dtype}') on its first call with training=True"),
    )
    return Trace(
        api="keras",
        call=(f"keras.layers.Dropout({spec.rate:g}" + (f", noise_shape={spec.noise_shape}" if spec.noise_shape else "")
              + f", seed={spec.seed}, dtype='{spec.dtype}')(x, training=True)"),
        rate=spec.rate, seed=spec.seed, shape=spec.shape, run_shape=spec.run_shape, noise_shape=spec.noise_shape,
        dtype=spec.dtype, input_kind=spec.input, mode="eager" if spec.eager else "graph", mode_detail=mode_detail,
        versions={"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__},
        notes=_notes(spec, landmarks),
        chain=b.chain(), stages=stages, tensors=tensors, check=check,
    )


def _dims(shape) -> str:
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _notes(spec: RunSpec, landmarks: list[Landmark]) -> tuple[str, ...]:
    notes = [f"input and layer are both {spec.dtype} (dtype='{spec.dtype}'), so the whole chain runs in "
             f"{spec.dtype}; without dtype=, Keras autocasts float16/float64 inputs to float32 and the masks differ"]
    notes += [f"Landmark missing: {lm.missing}" for lm in landmarks if not lm.found]
    return tuple(notes)


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _leaves(item)
    else:
        yield obj


def _symbolic_leaves(tf, rec: Recorder, graph) -> list:
    """Every symbolic tensor the landmarks held, to be returned as extra outputs of the function."""
    seen, found = set(), []
    for ev in rec.events:
        pools = [ev.call_locals, ev.return_locals or {}, {"<return>": ev.returned}]
        for pool in pools:
            for obj in _leaves(list(pool.values())):
                if (tf.is_tensor(obj) and not hasattr(obj, "numpy") and getattr(obj, "graph", None) is graph
                        and obj.dtype not in (tf.resource, tf.variant) and id(obj) not in seen):
                    seen.add(id(obj))
                    found.append(obj)
    return found


def _runtime(value: Value | None) -> np.ndarray | None:
    return value.value if isinstance(value, TensorView) else None


class _Builder:
    """Turns recorded frames into stages, chain frames and value views."""

    def __init__(self, tf, rec: Recorder, landmarks: dict[str, Landmark], runtime: dict, spec: RunSpec):
        self.tf, self.rec, self.lm, self.runtime, self.spec = tf, rec, landmarks, runtime, spec

    # -- values ---------------------------------------------------------------------------
    def view(self, obj) -> Value:
        tf = self.tf
        if tf.is_tensor(obj) and getattr(obj, "dtype", None) not in (None, tf.resource, tf.variant):
            static = None if obj.shape.rank is None else tuple(obj.shape.as_list())
            if hasattr(obj, "numpy"):
                value = obj.numpy()
                return TensorView(obj.dtype.name, static, value, None, value.tolist() if value.size <= 64 else None)
            value = self.runtime.get(id(obj))
            if value is None:
                return PyValue(f"<symbolic {obj.name}, not captured>")
            return TensorView(obj.dtype.name, static, value, obj.name, self._static_value(obj))
        if isinstance(obj, tf.TensorShape):
            dims = None if obj.rank is None else obj.as_list()
            return PyValue(f"TensorShape({dims})", dims)
        if isinstance(obj, (list, tuple)) and all(isinstance(o, int) or tf.is_tensor(o) for o in _leaves(obj)):
            return ListView(tuple(self.view(o) for o in obj))
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return PyValue(repr(obj), obj)
        if isinstance(obj, tf.DType):
            return PyValue(f"tf.{obj.name}", obj.name)
        return PyValue(f"<{type(obj).__name__}>")

    def _static_value(self, t):
        """What TensorFlow knows of a symbolic tensor's value while tracing (None = unknown)."""
        from tensorflow.python.framework import tensor_util

        if t.shape.rank == 1 and t.dtype.is_integer:
            try:
                dims = tensor_util.constant_value_as_shape(t)
                return None if dims.rank is None else dims.as_list()
            except (TypeError, ValueError):
                pass
        known = tensor_util.constant_value(t)
        return None if known is None or known.size > 64 else known.tolist()

    def event(self, key: str) -> FrameEvent | None:
        return self.rec.first(key)

    def local(self, key: str, name: str, call: bool = False) -> Value | None:
        ev = self.event(key)
        if ev is None:
            return None
        pool = ev.call_locals if call or ev.return_locals is None else ev.return_locals
        return self.view(pool[name]) if name in pool else None

    def returned(self, key: str) -> Value | None:
        ev = self.event(key)
        return self.view(ev.returned) if ev is not None and ev.finished else None

    # -- source ---------------------------------------------------------------------------
    def tensor_lines(self, key: str) -> list[int]:
        """The lines that produced the tensors a function still holds when it returns, and the return."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or not ev.finished:
            return []
        names = [k for k, v in (ev.return_locals or {}).items() if self.tf.is_tensor(v)]
        return self.assigned(key, names) + self.returned_at(key)

    def assigned(self, key: str, names: list[str]) -> list[int]:
        """Executed lines of the last assignment to each local in `names` (whole statements)."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or lm is None or not lm.found:
            return []
        keep: set[int] = set()
        spans = assignment_spans(lm.code)
        for name in names:
            ran = [(a, b) for a, b in spans.get(name, []) if a in ev.lines]
            if ran:
                first, last = max(ran, key=lambda span: ev.lines.index(span[0]))
                keep.update(range(first, last + 1))
        return [n for n in ev.lines if n in keep]

    def returned_at(self, key: str) -> list[int]:
        """The `return` statement that ended this call: the last one that ran."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or not ev.finished or lm is None:
            return []
        ran = [n for n in ev.lines if n in return_lines(lm.code)]
        return ran[-1:]

    def mentioning(self, key: str, lines: list[int], names: tuple[str, ...]) -> list[int]:
        """The lines among `lines` whose installed source uses any of these names."""
        ev = self.event(key)
        if ev is None:
            return []
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        return [n for n in lines if pattern.search(source_line(ev.code, n))]

    def excerpt(self, key: str, lines: list[int] | None = None, cap: int = EXCERPT_CAP) -> Excerpt | None:
        """The executed lines of a landmark in source order, with the comments just above them."""
        ev, lm = self.event(key), self.lm.get(key)
        if ev is None or lm is None or not lm.found:
            return None
        ran = sorted(set(ev.lines if lines is None else lines))
        more = max(0, len(ran) - cap)
        ran = ran[:cap]
        span = function_lines(lm.code)
        shown: dict[int, SourceLine] = {}
        for n in ran:
            above = n - 1
            while above in span and above not in shown and source_line(lm.code, above).strip().startswith("#"):
                shown[above] = SourceLine(above, source_line(lm.code, above), False)
                above -= 1
            shown[n] = SourceLine(n, source_line(lm.code, n), True)
        return Excerpt(lm.ref, tuple(shown[k] for k in sorted(shown)), more)

    def segment(self, stage: str) -> list[int]:
        """Executed lines of `_dropout` from this stage's anchor assignment up to the next stage's."""
        ev, lm = self.event("_dropout"), self.lm["_dropout"]
        if ev is None or not lm.found:
            return []
        starts = []
        for key, var in DROPOUT_SEGMENTS:
            if var is None:  # the first segment starts with the function
                starts.append((key, 0))
                continue
            lines = assignment_lines(lm.code, var)
            starts.append((key, next((ev.lines.index(n) for n in lines if n in ev.lines), None)))
        index = [k for k, _ in starts].index(stage)
        begin = starts[index][1]
        if begin is None:
            return []
        end = next((pos for _, pos in starts[index + 1:] if pos is not None), len(ev.lines))
        return ev.lines[begin:end]

    # -- chain and stages -----------------------------------------------------------------
    def chain(self) -> tuple[Frame, ...]:
        """The stack when `_dropout` was entered (or the deepest landmark reached), outermost first."""
        ev = self.event("_dropout") or (self.rec.events[-1] if self.rec.events else None)
        if ev is None:
            return ()
        keys = {lm.code: lm.key for lm in self.lm.values() if lm.found}
        frames = []
        for entry in ev.stack:
            file = relative_file(entry.filename)
            frames.append(Frame(entry.qualname, file, entry.lineno, is_plumbing(entry.qualname, file),
                                keys.get(entry.code)))
        return tuple(frames)

    def _passed_through(self, key: str, arg: str) -> str:
        ev = self.event(key)
        if ev is not None and ev.finished and ev.returned is ev.call_locals.get(arg):
            return "returned unchanged: the same tensor Keras built"
        return "what it returns to _dropout"

    def _stopped_note(self) -> str:
        """Where the library returned early, read from the last line that ran."""
        finished = [e for e in self.rec.events if e.finished and self.returned_at(e.key)]
        if not finished:
            return "the library did not reach this stage"
        ev = finished[-1]
        lm, line = self.lm[ev.key], self.returned_at(ev.key)[0]
        return f"{lm.qualname} returned at {lm.ref.file}:{line} `{source_line(ev.code, line).strip()}`"

    def stages(self, layer, output: np.ndarray, state_after) -> tuple[Stage, ...]:
        spec = self.spec
        ex = self.excerpt
        stop = self._stopped_note()
        reached = {e.key for e in self.rec.events}

        def ref(key):
            return self.lm[key].ref

        def stage(key, title, idea, fkey, values, subject, excerpts, holds_shape=False, reach_key=None):
            ok = (reach_key or fkey) in reached
            vals = tuple(NamedValue(label, v, note) for label, v, note in values if v is not None) if ok else ()
            main = next((v for label, v, _ in values if label == subject), None) if ok else None
            static, dynamic, dtype = _shapes(main, holds_shape)
            return Stage(key, title, idea, ref(fkey), ok, tuple(e for e in excerpts if e) if ok else (),
                         vals, subject if ok else None, "" if ok else stop, static, dynamic, dtype)

        state_view = (TensorView(state_after.dtype.name, (2,), state_after, None, state_after.tolist())
                      if state_after is not None else None)
        noise = self.returned("get_noise_shape")
        out_view = self.returned("_dropout")
        stages = [
            stage("layer_call", "The layer call",
                  "The layer is called with training=True; dropout only acts in training.",
                  "layer_call",
                  [("inputs", self.local("layer_call", "inputs", call=True), ""),
                   ("training", self.local("layer_call", "training", call=True), "switches dropout on"),
                   ("self.rate", PyValue(repr(layer.rate), layer.rate), "")],
                  "inputs", [ex("layer_call")]),
            stage("seed", "The seed from the layer's SeedGenerator",
                  "The layer keeps a [seed, counter] state: each call reads it and bumps the counter, so every "
                  "call gets a fresh mask that is still reproducible.",
                  "seed_next",
                  [("state before", self.returned("seed_next"), "read by SeedGenerator.next"),
                   ("state after", state_view, "the counter moved on for the next call"),
                   ("seed passed on", self.returned("cast_seed"), "int32 via floormod, as the stateless op wants")],
                  "seed passed on",
                  [ex("backend_dropout", self.assigned("backend_dropout", ["seed"])),
                   ex("draw_seed", self.returned_at("draw_seed")), ex("seed_next"), ex("cast_seed")]),
            stage("stateless_dropout", "tf.nn.experimental.stateless_dropout",
                  "Keras hands the input, the rate, the [2] seed and the noise shape to TensorFlow's stateless "
                  "dropout: same seed, same mask.",
                  "stateless_dropout",
                  [(name, self.local("stateless_dropout", name, call=True), "")
                   for name in ("x", "rate", "seed", "noise_shape", "rng_alg")],
                  "x", [ex("stateless_dropout")]),
            stage("rate", "_dropout: rate checks and scale",
                  "rate must be in [0, 1); kept values are multiplied by scale = 1/(1-rate) now, so nothing needs "
                  "rescaling at inference (inverted dropout).",
                  "_dropout",
                  [("rate", self.local("_dropout", "rate"), ""),
                   ("keep_prob", self.local("_dropout", "keep_prob"), "1 - rate"),
                   ("scale", self.local("_dropout", "scale"), "1 / keep_prob, in the input's dtype"),
                   ("x", self.local("_dropout", "x"), "")],
                  "x", [ex("_dropout", self.mentioning("_dropout", self.segment("rate"), ("rate", "keep_prob", "scale")),
                         cap=12)]),
            stage("noise_shape", "The noise shape",
                  "The mask's shape is tf.shape(x): a tensor whose value exists only when the graph runs, "
                  "so a None batch becomes a real size just in time for the draw.",
                  "get_noise_shape",
                  [("x", self.local("_dropout", "x"), "the input whose shape the mask takes"),
                   ("keras noise shape", self.returned("concrete_noise_shape"), "built by Keras"),
                   ("noise_shape", noise, self._passed_through("get_noise_shape", "noise_shape"))],
                  "noise_shape",
                  [ex("concrete_noise_shape"), ex("_dropout", self.segment("noise_shape")), ex("get_noise_shape")],
                  holds_shape=True),
            stage("uniform", "The uniform draw in [0, 1)",
                  "One draw per element of the noise shape: every sample in the batch gets its own numbers.",
                  "sampler",
                  [("random_tensor", self.local("_dropout", "random_tensor"), "")],
                  "random_tensor", [ex("_dropout", self.segment("uniform")), ex("sampler", self.tensor_lines("sampler"))]),
            stage("keep_mask", "keep_mask = random >= rate",
                  "An element is kept when its draw is at least rate, which happens with probability 1 - rate.",
                  "_dropout",
                  [("keep_mask", self.local("_dropout", "keep_mask"), "")],
                  "keep_mask", [ex("_dropout", self.segment("keep_mask"))], reach_key="_dropout"),
            stage("output", "The output",
                  "Kept values are multiplied by scale, dropped values become 0.",
                  "_dropout",
                  [("output", out_view, "")],
                  "output", [ex("_dropout", self.segment("output"))]),
        ]
        return tuple(stages)



def _shapes(v: Value | None, holds_shape: bool) -> tuple[list | None, list | None, str | None]:
    """(static, dynamic, dtype) of a stage's main value; a shape vector reports the shape it holds."""
    if isinstance(v, TensorView):
        if holds_shape:
            static = v.static_value if isinstance(v.static_value, list) else None
            return static, [int(d) for d in np.ravel(v.value)], v.dtype
        return (list(v.static_shape) if v.static_shape is not None else None), list(v.dynamic_shape), v.dtype
    if isinstance(v, ListView):  # a noise shape built per dimension: Python ints and scalar tensors
        static = [i.data if isinstance(i, PyValue) else i.static_value for i in v.items]
        dynamic = [int(i.data) if isinstance(i, PyValue) else int(np.ravel(i.value)[0]) for i in v.items]
        return [s if isinstance(s, int) else None for s in static], dynamic, "int32"
    if isinstance(v, PyValue) and isinstance(v.data, list):  # a TensorShape: fully known in Python
        return v.data, v.data, None
    return None, None, None
