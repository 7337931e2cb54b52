"""Freeze what the recorder saw into plain values: live frames, locals and tensors become Events, Values and
per-call records that hold no TensorFlow object."""

from __future__ import annotations

import os

import numpy as np

from .capture import FrameEvent, Recorder
from .harness import Run, leaves
from .landmarks import (Landmark, assignment_spans, def_line, find, function_source, relative_file, return_lines,
                        source_line)
from .model import ListView, PyValue, TensorView, Value
from .snapshot import BackwardGraph, CallRecord, GradientCall, Event, LandmarkInfo, Refusal, ReplicaRecord, StackFrame

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep  # our own frames are not the library's
SMALL = 64  # values up to this size keep their trace-time value too


def is_plumbing(qualname: str, file: str) -> bool:
    """Decorator closures in utility modules (error handlers, dispatch) only forward the call."""
    return "<locals>" in qualname and ("/util/" in file or "/utils/" in file)


def array_view(a: np.ndarray) -> TensorView:
    return TensorView(a.dtype.name, a.shape, a, None, a.tolist() if a.size <= SMALL else None)


def landmark_info(lm: Landmark) -> LandmarkInfo:
    if not lm.found:
        return LandmarkInfo(lm.key, lm.module, lm.qualname, None, lm.missing)
    lines, start = function_source(lm.code)
    return LandmarkInfo(lm.key, lm.module, lm.qualname, lm.ref, None, tuple(lines), start,
                        assignment_spans(lm.code), return_lines(lm.code), tuple(lm.code.co_varnames))



class Freezer:
    """Turns live recorded frames into frozen Values, events and per-call records."""

    def __init__(self, tf, run: Run, landmarks: dict[str, Landmark]):
        self.tf, self.run, self.lm = tf, run, landmarks
        self.codes = {lm.code: key for key, lm in landmarks.items() if lm.found}
        self.codes.update({code: key for code, key in getattr(run, "grad_targets", {}).items() if code not in self.codes})
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
        if isinstance(obj, (list, tuple)) and all(isinstance(o, int) or tf.is_tensor(o) for o in leaves(obj)):
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

    def _returned(self, rec: Recorder, key: str, index: int = 0):
        """What a landmark returned, at run time of call `index`."""
        ev = rec.first(key)
        obj = ev.returned if ev is not None and ev.finished else None
        if obj is None or not self.tf.is_tensor(obj):
            return None
        if hasattr(obj, "numpy"):
            return obj.numpy()
        runs = self.run.runtime.get(id(obj))
        return runs[index] if runs and index < len(runs) else None

    def replicas(self) -> tuple[ReplicaRecord, ...]:
        """Each replica's own events, states, draws, mask and output; () without --replicas."""
        run, out = self.run, []
        key = "tf.Generator._preprocess_key"
        for r, rec in sorted(getattr(run, "replica_recs", {}).items()):
            calls = tuple(CallRecord(i + 1, *run.replica_states[i][r], self._seed_used(rec, i),
                                     self._local(rec, "tf._dropout", "random_tensor", index=i),
                                     self._local(rec, "tf._dropout", "keep_mask", index=i), ys[r])
                          for i, ys in enumerate(run.replica_outputs))
            out.append(ReplicaRecord(r, run.devices[r], run.inputs[r], self.events(rec), calls,
                                     self._local(rec, key, "key", call=True), self._returned(rec, key)))
        return tuple(out)

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
            x = None
            if len(run.spec.sizes) > 1:  # the calls' inputs differ: keep each one's, as _dropout received it
                x = self._local(rec, "tf._dropout", "x", call=True, index=index)
                x = run.xs[i].numpy() if x is None else x
            grads = run.spec.grad is not None and i < len(run.gradients)
            out.append(CallRecord(i + 1, before, after, self._seed_used(rec, index),
                                  self._local(rec, "tf._dropout", "random_tensor", index=index),
                                  self._local(rec, "tf._dropout", "keep_mask", index=index), y, x,
                                  run.upstreams[i].numpy() if grads else None, run.gradients[i] if grads else None))
        return tuple(out)

    def backward(self) -> BackwardGraph | None:
        b = getattr(self.run, "backward", None)
        return None if b is None else BackwardGraph(b["forward"], b["backward"], b["edges"])

    def gradient_calls(self) -> tuple[GradientCall, ...]:
        """--grad: each gradient function that ran, its forward op, and which captured local each input of that op
        is (the same object: the tape hands the gradient function the forward tensors themselves)."""
        rec = self.run.recorders[0] if self.run.recorders else None
        if rec is None or self.run.spec.grad is None:
            return ()
        forward = [(f"{ev.key}:{name}", obj) for ev in rec.events if not ev.key.startswith("grad:")
                   for pool in (ev.return_locals or {}, ev.call_locals) for name, obj in pool.items()
                   if self.tf.is_tensor(obj)]
        out = []
        for ev in rec.events:
            op = ev.call_locals.get("op") if ev.key.startswith("grad:") else None
            if op is None:
                continue
            inputs = list(getattr(op, "inputs", ()))
            out.append(GradientCall(ev.key, str(getattr(op, "type", "?")),
                                    None if self.run.spec.eager else getattr(op, "name", None),
                                    tuple(next((where for where, obj in forward if obj is t), None) for t in inputs),
                                    tuple(None if self.run.spec.eager else getattr(t, "name", None) for t in inputs)))
        return tuple(out)

    def gradient_landmarks(self) -> dict[str, Landmark]:
        """--grad: the registered gradient functions that ran, found as landmarks (file, line, source)."""
        rec = self.run.recorders[0] if self.run.recorders else None
        ran = dict.fromkeys(ev.key for ev in (rec.events if rec else ()) if ev.key.startswith("grad:"))
        found = {}
        for key in ran:
            _, module, qualname = key.split(":", 2)
            found[key] = find(key, module, qualname)
        return found

    def refusal(self) -> Refusal | None:
        """Where the library raised: the innermost landmark the exception passed through, from the recorder.

        The exception's own traceback is no help here: TensorFlow filters its internal frames out.
        """
        exc = self.run.error
        if exc is None:
            return None
        rec = self.run.recorders[-1]
        hit = [ev for ev in rec.events if ev.raised_at is not None and not ev.finished]
        # TensorFlow's own exception, as it left the innermost landmark: tf-keras wraps it in one that adds the
        # layer's name and call arguments
        exc = hit[-1].raised if hit and hit[-1].raised is not None else exc
        message = str(exc).strip().splitlines()
        text = next((line.strip() for line in reversed(message) if line.strip()), "")
        if not hit:
            return Refusal(type(exc).__name__, text, "?", "?", 0, "", None)
        ev = hit[-1]
        lm = self.lm[ev.key]
        return Refusal(type(exc).__name__, text, lm.ref.qualname, lm.ref.file, ev.raised_at,
                       source_line(ev.code, ev.raised_at).strip(), ev.key)

