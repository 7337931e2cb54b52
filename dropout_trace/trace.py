"""Run a real Dropout call under capture and turn what the library computed into a Trace."""

from __future__ import annotations

import math
import os
import re

import numpy as np

from . import check as checks
from .apis import APIS, LANDMARKS, call_text, effective_rng, input_signature, make_call
from .capture import FrameEvent, Recorder
from .landmarks import (Landmark, assignment_lines, assignment_spans, def_line, find, function_lines,
                        function_source, relative_file, return_lines, source_line)
from .model import CallNode, Check, Excerpt, Frame, ListView, PyValue, SourceLine, TensorView, Trace, Value
from .spec import RunSpec, shape_text
from .stages import DROPOUT_SEGMENTS, StageDefinitions
from .tfenv import import_tensorflow
from .versions import installed

EXCERPT_CAP = 8
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep  # our own frames are not the library's


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


def landmarks_for(spec: RunSpec) -> dict[str, Landmark]:
    keys = APIS[spec.api].landmark_keys(effective_rng(spec))
    return {key: find(key, *LANDMARKS[key]) for key in keys}


class Run:
    """One real call of the API under capture: the recorder, run-time values and the output."""

    def __init__(self, spec: RunSpec, tf, landmarks: dict[str, Landmark]):
        self.spec = spec
        dtype = tf.as_dtype(spec.dtype)
        self.x = tf.cast(tf.constant(make_input(spec)), dtype)
        self.owner, call, args = make_call(spec, tf)
        targets = {lm.code: key for key, lm in landmarks.items() if lm.found}
        probes: list = []

        def harness(x, *args):
            # tf.function traces again when the first trace created variables (tf-keras's lazily
            # built tf.random.Generator): only the last trace's graph runs, so keep only its capture.
            probes.clear()
            with Recorder(targets, harness.__code__) as rec:
                y = call(x, *args)
            self.recorder = rec
            if spec.eager:
                return y
            probes.extend(_symbolic_leaves(tf, rec, tf.compat.v1.get_default_graph()))
            return [y, *probes]

        self.runtime: dict[int, np.ndarray] = {}
        if spec.eager:
            y = harness(self.x, *args)
        else:
            fn = tf.function(harness, input_signature=input_signature(spec, tf, args), autograph=False)
            outputs = fn(self.x, *args)
            y = outputs[0]
            self.runtime = {id(t): out.numpy() for t, out in zip(probes, outputs[1:])}
        self.output = y.numpy()


def trace_run(spec: RunSpec) -> Trace:
    """Trace one call of spec.api: graph mode by default, eager with spec.eager."""
    tf, keras = import_tensorflow()
    landmarks = landmarks_for(spec)
    run = Run(spec, tf, landmarks)
    b = _Builder(tf, run, landmarks, spec)
    stages = b.stages()
    tensors = b.tensors()
    _, reference, args = make_call(spec, tf)  # fresh objects, seeds reset: the public API's own answer
    fresh = reference(run.x, *args).numpy()
    return Trace(
        api=spec.api, call=call_text(spec),
        rate=spec.rate, seed=spec.seed, shape=spec.shape, run_shape=spec.run_shape, noise_shape=spec.noise_shape,
        dtype=spec.dtype, input_kind=spec.input, mode="eager" if spec.eager else "graph",
        mode_detail=_mode_detail(spec), versions=installed(tf, keras), notes=b.notes(),
        chain=b.chain(), stages=stages, tensors=tensors, check=b.check(tensors, fresh),
        tree=b.call_tree(), sources=b.sources(),
    )


def _mode_detail(spec: RunSpec) -> str:
    if spec.eager:
        return "eager: each op runs as soon as it is called; every shape is concrete"
    return f"graph: tf.function(input_signature=[tf.TensorSpec({shape_text(spec.shape)}, tf.{spec.dtype})])"


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


class _Builder(StageDefinitions):
    """Turns recorded frames into stages, chain frames and value views."""

    def __init__(self, tf, run: Run, landmarks: dict[str, Landmark], spec: RunSpec):
        self.tf, self.run, self.rec, self.lm, self.spec = tf, run, run.recorder, landmarks, spec
        self.runtime = run.runtime
        self.api = APIS[spec.api]
        self.rng = effective_rng(spec)

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
        if callable(obj) and hasattr(obj, "func"):  # functools.partial: name the sampler it wraps
            return PyValue(f"partial({getattr(obj.func, '__qualname__', obj.func)}, ...)")
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

    def attribute(self, key: str, name: str) -> Value | None:
        """An attribute of the captured `self`, read after the call (e.g. a RandomGenerator's rng type)."""
        ev = self.event(key)
        owner = ev.call_locals.get("self") if ev else None
        return self.view(getattr(owner, name)) if owner is not None and hasattr(owner, name) else None

    # -- source ---------------------------------------------------------------------------
    def tensor_lines(self, key: str) -> list[int]:
        """The lines that produced the tensors a function still holds when it returns, and the return."""
        ev = self.event(key)
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
        if not ran:
            return None
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
        ev, lm = self.event("tf._dropout"), self.lm["tf._dropout"]
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

    # -- chain, notes, tensors, check --------------------------------------------------------
    def chain(self) -> tuple[Frame, ...]:
        """The stack when `_dropout` was entered (or the deepest landmark reached), outermost first."""
        ev = self.event("tf._dropout") or (self.rec.events[-1] if self.rec.events else None)
        if ev is None:
            return ()
        keys = {lm.code: key for key, lm in self.lm.items() if lm.found}
        return tuple(Frame(e.qualname, relative_file(e.filename), e.lineno,
                           is_plumbing(e.qualname, relative_file(e.filename)), keys.get(e.code))
                     for e in ev.stack if not e.filename.startswith(PACKAGE_DIR))

    def call_tree(self) -> tuple[CallNode, ...]:
        """All recorded stacks merged into one tree: frames are shared while they are the same live frame."""
        keys = {lm.code: key for key, lm in self.lm.items() if lm.found}
        nodes: dict = {}  # node key -> [StackEntry, call line, children keys]
        roots: list = []
        for ev in self.rec.events:
            parent = None
            for i, entry in enumerate(ev.stack):
                key = (parent, entry.frame_id, entry.code)
                if key not in nodes:
                    nodes[key] = [entry, ev.stack[i - 1].lineno if i else None, []]
                    (nodes[parent][2] if parent else roots).append(key)
                parent = key

        def build(key) -> CallNode:
            entry, call_line, children = nodes[key]
            file = relative_file(entry.filename)
            caller = nodes[key[0]][0] if key[0] else None
            source = source_line(caller.code, call_line).strip() if caller and call_line else ""
            return CallNode(entry.qualname, file, def_line(entry.code), call_line, source,
                            is_plumbing(entry.qualname, file) or entry.filename.startswith(PACKAGE_DIR),
                            keys.get(entry.code), tuple(build(c) for c in children))

        return tuple(build(k) for k in roots)

    def sources(self) -> tuple[Excerpt, ...]:
        """The full installed source of every landmark that ran, in the order they were first called."""
        found = []
        for ev in self.rec.events:
            lm = self.lm[ev.key]
            if any(e.function == lm.ref for e in found):
                continue
            lines, start = function_source(lm.code)
            ran = set(ev.lines)
            found.append(Excerpt(lm.ref, tuple(SourceLine(start + i, text.rstrip("\n"), start + i in ran)
                                               for i, text in enumerate(lines))))
        return tuple(found)

    def notes(self) -> tuple[str, ...]:
        spec = self.spec
        notes = []
        if self.api.kind == "layer":
            notes.append(f"input and layer are both {spec.dtype} (dtype='{spec.dtype}'), so the whole chain runs "
                         f"in {spec.dtype}; without dtype=, Keras autocasts float16/float64 inputs to float32 "
                         "and the masks differ")
        if spec.api == "tf-keras" and not spec.rng:
            notes.append(f"no --rng given: tf_keras's default applies; is_tf_random_generator_enabled() is "
                         f"{self.rng == 'stateful'}, so the {self.rng} branch runs")
        notes += [f"landmark missing: {lm.missing}" for lm in self.lm.values() if not lm.found]
        return tuple(notes)

    def _seed_values(self) -> dict[str, np.ndarray | None]:
        seeds = {"seed": None}
        if self.api.stateless or self.rng == "stateless":
            op = "tf.stateless_dropout"
            seeds["seed"] = _runtime(self.local(op, "seed", call=True))
            if seeds["seed"] is None:  # tf-keras passes a Python list [seed, 0]
                v = self.local(op, "seed", call=True)
                if isinstance(v, ListView):
                    seeds["seed"] = np.array([i.data for i in v.items], dtype=np.int64)
        got = self.returned("tf.get_seed")
        if isinstance(got, ListView):
            seeds["global_seed"], seeds["op_seed"] = (
                np.asarray(i.data if isinstance(i, PyValue) else i.value) for i in got.items)
        return seeds

    def tensors(self) -> dict:
        return {
            "input": self.run.x.numpy(),
            **self._seed_values(),
            "random": _runtime(self.local("tf._dropout", "random_tensor")),
            "keep_mask": _runtime(self.local("tf._dropout", "keep_mask")),
            "output": self.run.output,
        }

    def check(self, t: dict, fresh: np.ndarray) -> Check:
        """Recompute from the captured random tensor with the rate `_dropout` really received."""
        output, x, random, mask = t["output"], t["input"], t["random"], t["keep_mask"]
        rate_value = self.local("tf._dropout", "rate", call=True)
        if isinstance(rate_value, TensorView):
            rate, as_tensor = float(rate_value.value), True
        elif isinstance(rate_value, PyValue) and isinstance(rate_value.data, (int, float)):
            rate, as_tensor = float(rate_value.data), False
        else:  # `_dropout` never ran: the layer returned early
            rate, as_tensor = 0.0, False
        dropped = random is not None
        recomputed = checks.recompute(x, random, rate, rate_is_tensor=as_tensor) if dropped else x
        full = np.broadcast_to(mask, output.shape) if mask is not None else np.ones(output.shape, dtype=bool)
        d = self.spec.dtype
        if not dropped:
            recipe = "the input x, unchanged: " + (
                "training=False" if not self.spec.training else "rate 0 drops and scales nothing")
        elif as_tensor:
            recipe = f"where(random >= rate, x / ({d}(1) - rate), 0) with rate = {d}({rate:g}), the tensor branch"
        else:
            recipe = f"where(random >= {rate!r}, x * {d}(1/(1-{rate!r})), 0)"
        return Check(
            bit_exact=checks.same_bits(recomputed, output),
            mask_matches=(mask is None and not dropped)
            or (mask is not None and np.array_equal(mask, checks.keep_mask_from(random, rate))),
            fresh_layer_equal=checks.same_bits(fresh, output),
            kept=int(full.sum()), total=int(full.size), rate=self.spec.rate,
            recipe=recipe + (", computed in numpy from the captured random tensor" if dropped else ""),
            reference=self.api.reference,
            dropped=dropped,
        )

