"""Run a real Dropout call under capture and freeze what the library computed into a Snapshot.

This is the only module (with apis.py) that touches live TensorFlow objects; everything after the
snapshot is pure.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from .apis import APIS, LANDMARKS, call_text, effective_rng, input_signature, make_call
from .capture import FrameEvent, Recorder
from .landmarks import (Landmark, assignment_spans, def_line, find, function_source, relative_file, return_lines,
                        source_line)
from .model import ListView, PyValue, TensorView, Value
from .snapshot import CallRecord, Event, LandmarkInfo, Refusal, Snapshot, StackFrame
from .spec import RunSpec
from .tfenv import import_tensorflow
from .versions import installed

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep  # our own frames are not the library's
SMALL = 64  # values up to this size keep their trace-time value too


def make_input(spec: RunSpec) -> np.ndarray:
    """The input values in float64; `range` numbers elements 1, 2, 3, ... so each can be followed."""
    shape = spec.run_shape
    if spec.input == "ones":
        return np.ones(shape)
    if spec.input == "normal":
        return np.random.default_rng(spec.seed if spec.seed is not None else 0).standard_normal(shape)
    return np.arange(1, math.prod(shape) + 1, dtype=np.float64).reshape(shape)


def is_plumbing(qualname: str, file: str) -> bool:
    """Decorator closures in utility modules (error handlers, dispatch) only forward the call."""
    return "<locals>" in qualname and ("/util/" in file or "/utils/" in file)


def landmarks_for(spec: RunSpec, table: dict | None = None) -> dict[str, Landmark]:
    table = LANDMARKS if table is None else table
    keys = APIS[spec.api].landmark_keys(effective_rng(spec))
    return {key: find(key, *table[key]) for key in keys}


class _Run:
    """Calls the API spec.calls times under capture; keeps the live recorder(s) and run-time values."""

    def __init__(self, spec: RunSpec, tf, landmarks: dict[str, Landmark]):
        self.spec, self.tf = spec, tf
        self.x = tf.cast(tf.constant(make_input(spec)), tf.as_dtype(spec.dtype))
        self.api = APIS[spec.api]
        self.owner, call, args = make_call(spec, tf)
        targets = {lm.code: key for key, lm in landmarks.items() if lm.found}
        probes: list = []
        self.recorders: list[Recorder] = []  # eager: one per call; graph: the last trace's
        self.trace_count = 0
        self.during: dict = {}
        self.states: list[tuple] = []
        self.outputs: list[np.ndarray] = []
        self.runtime: dict[int, list[np.ndarray]] = {}
        self.error: BaseException | None = None

        def harness(x, *args):
            if not spec.eager:
                # tf.function traces again when the first trace created variables (tf-keras's lazily
                # built tf.random.Generator): only the last trace's graph runs, so keep only its capture.
                self.trace_count += 1
                probes.clear()
                self.recorders.clear()
                with tf.init_scope():  # the variable's value while the graph is being built
                    self.during["state"] = self.api.state(self.owner)
            rec = Recorder(targets, harness.__code__)
            self.recorders.append(rec)
            with rec:
                y = call(x, *args)
            if spec.eager:
                return y
            probes.extend(_symbolic_leaves(tf, rec, tf.compat.v1.get_default_graph()))
            return [y, *probes]

        fn = None if spec.eager else tf.function(harness, input_signature=input_signature(spec, tf, args),
                                                 autograph=False)
        try:
            for _ in range(spec.calls):
                before = self.api.state(self.owner)
                if spec.eager:
                    y = harness(self.x, *args)
                else:
                    outputs = fn(self.x, *args)
                    y = outputs[0]
                    for t, out in zip(probes, outputs[1:]):
                        self.runtime.setdefault(id(t), []).append(out.numpy())
                self.outputs.append(y.numpy())
                self.states.append((before, self.api.state(self.owner)))
        except Exception as exc:  # a refusal by the library is a result: keep what was captured
            if not self.recorders:
                raise
            self.error = exc
        self.args = args


def capture(spec: RunSpec, table: dict | None = None) -> Snapshot:
    """Run spec's call under the recorder and freeze everything it captured."""
    tf, keras = import_tensorflow()
    landmarks = landmarks_for(spec, table)
    run = _Run(spec, tf, landmarks)
    freezer = _Freezer(tf, run, landmarks)
    refusal = freezer.refusal()
    fresh, ref_seed = (None, None) if refusal else _reference(spec, tf, run, freezer)
    return Snapshot(
        spec=spec, call=call_text(spec), versions=installed(tf, keras), rng=effective_rng(spec),
        landmarks={key: _info(lm) for key, lm in landmarks.items()},
        events=freezer.events(run.recorders[0] if run.recorders else None),
        trace_count=run.trace_count, calls=freezer.calls(), input=run.x.numpy(),
        during={k: _array_view(v) for k, v in run.during.items() if v is not None},
        after=freezer.after(), fresh=fresh, reference_seed=ref_seed, refusal=refusal)


def _reference(spec: RunSpec, tf, run: _Run, freezer: "_Freezer"):
    """The public API's own answer for call 1: fresh objects, seeds reset. None when nothing can replay it."""
    seed = spec.seed
    if seed is None:  # an unseeded layer drew its own seed; replay from it where the API allows
        drawn = run.states[0][0] if run.states else None
        if spec.api in ("keras", "spatial1d", "spatial2d", "spatial3d") and drawn is not None:
            seed = int(drawn[0])
        else:
            return None, None
    _, reference, args = make_call(spec, tf, seed)
    return reference(run.x, *args).numpy(), seed


def _array_view(a: np.ndarray) -> TensorView:
    return TensorView(a.dtype.name, a.shape, a, None, a.tolist() if a.size <= SMALL else None)


def _info(lm: Landmark) -> LandmarkInfo:
    if not lm.found:
        return LandmarkInfo(lm.key, lm.module, lm.qualname, None, lm.missing)
    lines, start = function_source(lm.code)
    return LandmarkInfo(lm.key, lm.module, lm.qualname, lm.ref, None, tuple(lines), start,
                        assignment_spans(lm.code), return_lines(lm.code), tuple(lm.code.co_varnames))


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
        for pool in (ev.call_locals, ev.return_locals or {}, {"<return>": ev.returned}):
            for obj in _leaves(list(pool.values())):
                if (tf.is_tensor(obj) and not hasattr(obj, "numpy") and getattr(obj, "graph", None) is graph
                        and obj.dtype not in (tf.resource, tf.variant) and id(obj) not in seen):
                    seen.add(id(obj))
                    found.append(obj)
    return found


class _Freezer:
    """Turns live recorded frames into frozen Values, events and per-call records."""

    def __init__(self, tf, run: _Run, landmarks: dict[str, Landmark]):
        self.tf, self.run, self.lm = tf, run, landmarks
        self.codes = {lm.code: key for key, lm in landmarks.items() if lm.found}
        self.frame_ids: dict[int, int] = {}  # live frame ids -> 1, 2, 3...: a snapshot holds no addresses

    def view(self, obj) -> Value:
        try:
            return self._view(obj)
        except Exception:  # an object we cannot read is named, not fatal
            return PyValue(f"<{type(obj).__name__}>")

    def _view(self, obj) -> Value:
        tf = self.tf
        if tf.is_tensor(obj) and not isinstance(getattr(obj, "dtype", None), tf.DType):
            return PyValue(f"<{type(obj).__name__}>")  # a Keras variable: its dtype is a string
        if tf.is_tensor(obj) and getattr(obj, "dtype", None) not in (None, tf.resource, tf.variant):
            static = None if obj.shape.rank is None else tuple(obj.shape.as_list())
            if hasattr(obj, "numpy"):
                value = obj.numpy()
                return TensorView(obj.dtype.name, static, value, None, value.tolist() if value.size <= SMALL else None)
            runs = tuple(self.run.runtime.get(id(obj), ()))
            return TensorView(obj.dtype.name, static, runs[0] if runs else None, obj.name, self._static_value(obj),
                              runs)
        if isinstance(obj, tf.TensorShape):
            dims = None if obj.rank is None else obj.as_list()
            return PyValue(f"TensorShape({dims})", dims)
        if isinstance(obj, (list, tuple)) and any(o is None for o in obj) and \
                all(o is None or isinstance(o, int) for o in obj):
            return PyValue(repr(tuple(obj)), list(obj))  # e.g. get_seed's (None, None): no seeds at all
        if isinstance(obj, (list, tuple)) and all(isinstance(o, int) or tf.is_tensor(o) for o in _leaves(obj)):
            return ListView(tuple(self.view(o) for o in obj))
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return PyValue(repr(obj), obj)
        if isinstance(obj, tf.DType):
            return PyValue(f"tf.{obj.name}", obj.name)
        if callable(obj) and hasattr(obj, "func"):  # functools.partial: name the sampler it wraps
            return PyValue(f"partial({getattr(obj.func, '__qualname__', obj.func)}, ...)")
        if callable(obj) and hasattr(obj, "__qualname__"):
            return PyValue(f"<{obj.__qualname__}>")
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
        return None if known is None or known.size > SMALL else known.tolist()

    def _frame(self, entry) -> StackFrame:
        file = relative_file(entry.filename)
        ours = entry.filename.startswith(PACKAGE_DIR)
        return StackFrame(entry.qualname, file, entry.lineno, def_line(entry.code),
                          (file, entry.code.co_firstlineno, entry.qualname),
                          self.frame_ids.setdefault(entry.frame_id, len(self.frame_ids) + 1),
                          source_line(entry.code, entry.lineno), self.codes.get(entry.code),
                          is_plumbing(entry.qualname, file) or ours, ours)

    def _event(self, ev: FrameEvent) -> Event:
        view = self.view
        ret = None if ev.return_locals is None else {k: view(v) for k, v in ev.return_locals.items()}
        tensors = tuple(k for k, v in (ev.return_locals or {}).items() if self.tf.is_tensor(v))
        same = next((k for k, v in ev.call_locals.items() if ev.finished and v is ev.returned and v is not None), None)
        return Event(ev.key, {k: view(v) for k, v in ev.call_locals.items()}, ret,
                     view(ev.returned) if ev.finished else None, ev.finished, tuple(ev.lines),
                     tuple(self._frame(e) for e in ev.stack), tensors, same)

    def events(self, rec: Recorder | None) -> tuple[Event, ...]:
        return () if rec is None else tuple(self._event(ev) for ev in rec.events)

    def after(self) -> dict:
        """Attributes of the captured objects, read after the run (a layer's rate, the rng type)."""
        out = {}
        rec = self.run.recorders[0] if self.run.recorders else None
        for key, name in (("keras.Dropout.call", "rate"), ("keras.SpatialDropout.call", "rate"),
                          ("tf_keras.Dropout.call", "rate"), ("tf_keras.RandomGenerator.dropout", "_rng_type")):
            ev = rec.first(key) if rec else None
            owner = ev.call_locals.get("self") if ev else None
            if owner is not None and hasattr(owner, name):
                out[f"{key}:{name}"] = self.view(getattr(owner, name))
        return out

    def _local(self, rec: Recorder, key: str, name: str, call: bool = False, index: int = 0):
        ev = rec.first(key)
        if ev is None:
            return None
        pool = ev.call_locals if call or ev.return_locals is None else ev.return_locals
        obj = pool.get(name)
        if obj is None:
            return None
        if hasattr(obj, "numpy"):
            return obj.numpy()
        if self.tf.is_tensor(obj):
            runs = self.run.runtime.get(id(obj))
            return runs[index] if runs and index < len(runs) else None
        if isinstance(obj, (list, tuple)) and all(isinstance(o, int) for o in obj):
            return np.asarray(obj, dtype=np.int64)
        return None

    def _seed_used(self, rec: Recorder, index: int):
        seed = self._local(rec, "tf.stateless_dropout", "seed", call=True, index=index)
        if seed is not None:
            return seed
        ev = rec.first("tf.get_seed")
        if ev is not None and ev.finished and isinstance(ev.returned, tuple) and None not in ev.returned:
            return np.asarray([int(s) for s in ev.returned], dtype=np.int64)
        return None

    def calls(self) -> tuple[CallRecord, ...]:
        run, out = self.run, []
        for i, y in enumerate(run.outputs):
            rec = run.recorders[i] if run.spec.eager else run.recorders[0]
            index = 0 if run.spec.eager else i
            before, after = run.states[i]
            out.append(CallRecord(i + 1, before, after, self._seed_used(rec, index),
                                  self._local(rec, "tf._dropout", "random_tensor", index=index),
                                  self._local(rec, "tf._dropout", "keep_mask", index=index), y))
        return tuple(out)

    def refusal(self) -> Refusal | None:
        """Where the library raised: the innermost landmark the exception passed through, from the recorder.

        The exception's own traceback is no help here: TensorFlow filters its internal frames out.
        """
        exc = self.run.error
        if exc is None:
            return None
        rec = self.run.recorders[-1]
        hit = [ev for ev in rec.events if ev.raised_at is not None and not ev.finished]
        message = str(exc).strip().splitlines()
        text = next((line.strip() for line in reversed(message) if line.strip()), "")
        if not hit:
            return Refusal(type(exc).__name__, text, "?", "?", 0, "", None)
        ev = hit[-1]
        lm = self.lm[ev.key]
        return Refusal(type(exc).__name__, text, lm.ref.qualname, lm.ref.file, ev.raised_at,
                       source_line(ev.code, ev.raised_at).strip(), ev.key)


def trace_run(spec: RunSpec, table: dict | None = None):
    """Capture spec's call and build the Trace every renderer reads."""
    from .stages import build_trace

    return build_trace(capture(spec, table))


__all__ = ["capture", "trace_run", "make_input", "sys"]
