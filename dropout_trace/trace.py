"""Run a real Dropout call under capture and freeze what the library computed into a Snapshot.

This is the only module (with the entry points in apis/) that touches live TensorFlow objects; everything after the
snapshot is pure.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import warnings

import numpy as np

from .apis import APIS, LANDMARKS, call_text, effective_rng, input_signature, make_call
from .capture import FrameEvent, Recorder
from .landmarks import (Landmark, assignment_spans, def_line, find, function_source, relative_file, return_lines,
                        source_line)
from .model import ListView, PyValue, TensorView, Value
from .snapshot import CallRecord, Event, LandmarkInfo, Refusal, ReplicaRecord, Snapshot, StackFrame
from .spec import RunSpec
from .tfenv import import_tensorflow
from .versions import installed

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep  # our own frames are not the library's
SMALL = 64  # values up to this size keep their trace-time value too
# Where tf.random.Generator mixes the replica id into its key: read only under --replicas.
REPLICA_LANDMARKS = {"tf.Generator._preprocess_key": ("tensorflow.python.ops.stateful_random_ops",
                                                      "Generator._preprocess_key")}


def make_input(spec: RunSpec, shape: tuple | None = None) -> np.ndarray:
    """The input values in float64; `range` numbers elements 1, 2, 3, ... so each can be followed."""
    shape = spec.run_shape if shape is None else shape
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
    found = {key: find(key, *table[key]) for key in keys}
    if spec.replicas:  # only where the installed version has it: the reason it shows is optional
        extra = {key: find(key, *where) for key, where in REPLICA_LANDMARKS.items()}
        found.update({key: lm for key, lm in extra.items() if lm.found})
    return found


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


class _ReplicaRun:
    """Calls the API through MirroredStrategy.run inside one tf.function; each replica is captured in its thread.

    The global batch has `replicas` times --batch rows and each replica takes its own slice, as a
    distributed dataset would hand it out. The attributes _Freezer reads describe replica 0.
    """

    def __init__(self, spec: RunSpec, tf, landmarks: dict[str, Landmark]):
        n = self.n = spec.replicas
        self.spec, self.tf, self.api = spec, tf, APIS[spec.api]
        self.devices = [d.name for d in tf.config.list_logical_devices("CPU")][:n]
        strategy = self.strategy = tf.distribute.MirroredStrategy(self.devices)
        dtype = tf.as_dtype(spec.dtype)
        rows = (spec.run_shape[0] * n, *spec.run_shape[1:])
        self.global_x = tf.cast(tf.constant(make_input(spec, rows)), dtype)
        self.inputs = np.split(self.global_x.numpy(), n, axis=0)
        self.x = tf.constant(self.inputs[0])
        with strategy.scope():  # a model's layers are built in the scope, so their variables are mirrored
            self.owner, call, args = make_call(spec, tf)
        targets = {lm.code: key for key, lm in landmarks.items() if lm.found}
        probes: list = []
        threads: dict[int, int] = {}  # thread ident -> replica id
        self.recorders: list[Recorder] = []  # replica 0's capture (the last trace's)
        self.replica_recs: dict[int, Recorder] = {}
        self.trace_count = 0
        self.during: dict = {}
        self.states: list[tuple] = []
        self.replica_states: list[list[tuple]] = []  # per call, per replica: (before, after)
        self.outputs: list[np.ndarray] = []
        self.replica_outputs: list[list[np.ndarray]] = []
        self.runtime: dict[int, list[np.ndarray]] = {}
        self.error: BaseException | None = None

        def replica(x, *args):
            r = int(tf.get_static_value(tf.distribute.get_replica_context().replica_id_in_sync_group))
            threads[threading.get_ident()] = r
            return call(tf.split(x, n, axis=0)[r], *args)

        def harness(x, *args):
            self.trace_count += 1  # a retrace (variables made by the first) replaces the capture
            probes.clear()
            threads.clear()
            with tf.init_scope():
                self.during["state"] = self.api.state(self.owner)
            rec = Recorder(targets, replica.__code__, threads=True)
            try:
                with rec:
                    ys = strategy.run(replica, args=(x, *args))
            finally:
                self.replica_recs = {r: rec.only(t) for t, r in threads.items()}
                self.recorders[:] = [self.replica_recs.get(0, rec)]
            graph = tf.compat.v1.get_default_graph()
            for r in sorted(self.replica_recs):  # every replica's ops live in this one graph
                probes.extend(_symbolic_leaves(tf, self.replica_recs[r], graph))
            return [*strategy.experimental_local_results(ys), *probes]

        signature = input_signature(spec, tf, args)
        signature[0] = tf.TensorSpec((None if spec.shape[0] is None else rows[0], *spec.shape[1:]), dtype)
        fn = tf.function(harness, input_signature=signature, autograph=False)
        try:
            for _ in range(spec.calls):
                before, each = self.api.state(self.owner), _replica_states(tf, strategy, self.owner, n)
                outputs = fn(self.global_x, *args)
                for t, out in zip(probes, outputs[n:]):
                    self.runtime.setdefault(id(t), []).append(out.numpy())
                self.replica_outputs.append([y.numpy() for y in outputs[:n]])
                self.outputs.append(self.replica_outputs[-1][0])
                self.states.append((before, self.api.state(self.owner)))
                self.replica_states.append(list(zip(each, _replica_states(tf, strategy, self.owner, n))))
        except Exception as exc:  # a refusal by the library is a result: keep what was captured
            if not self.recorders:
                raise
            self.error = exc
        self.args = args


def _replica_states(tf, strategy, owner, n: int) -> list:
    """Each replica's copy of the layer's random-state variable (a mirrored variable), or None per replica."""
    gen = getattr(owner, "seed_generator", None)  # Keras 3
    if gen is None:  # tf-keras's tf.random.Generator, made lazily on the first call
        gen = getattr(getattr(owner, "_random_generator", None), "_generator", None)
    var = getattr(gen, "state", None)
    if var is not None and not isinstance(var, tf.Variable):
        var = getattr(var, "value", None)  # a Keras 3 Variable wraps the tf.Variable
    if var is None:
        return [None] * n
    return [v.numpy() for v in strategy.experimental_local_results(var)]


# One capture at a time in a process. tf.random.set_seed (with the op-seed counter it resets) and
# threading.settrace are global to the process: two captures at once draw from each other's seeds and
# record each other's threads, and their checks fail. So concurrent captures wait their turn here, from
# setting the seed through the call, its recording and the reference replay: each gives what it gives alone.
_ONE_CAPTURE = threading.RLock()


def capture(spec: RunSpec, table: dict | None = None) -> Snapshot:
    """Run spec's call under the recorder and freeze everything it captured.

    The caller's global seed, policies, name counters and other process-wide settings neither shape the
    capture nor are changed by it (tfstate.isolated).
    """
    from .tfstate import isolated

    with _ONE_CAPTURE, isolated(), warnings.catch_warnings():
        # A scale 1/(1-rate) past the dtype's range (float16 above rate ~0.99998) is cast to inf by TF's
        # own numpy conversion, which warns; the trace shows that scale as a value, so the warning goes.
        warnings.filterwarnings("ignore", message="overflow encountered in cast", category=RuntimeWarning)
        return _capture(spec, table)


def _capture(spec: RunSpec, table: dict | None) -> Snapshot:
    tf, keras = import_tensorflow(spec.replicas)
    landmarks = landmarks_for(spec, table)
    run = _ReplicaRun(spec, tf, landmarks) if spec.replicas else _Run(spec, tf, landmarks)
    freezer = _Freezer(tf, run, landmarks)
    refusal = freezer.refusal()
    # under a strategy each replica is checked from its own draws, not against a single-device call
    fresh, ref_seed = (None, None) if refusal or spec.replicas else _reference(spec, tf, run, freezer)
    return Snapshot(
        spec=spec, call=call_text(spec), versions=installed(tf, keras), rng=effective_rng(spec),
        landmarks={key: _info(lm) for key, lm in landmarks.items()},
        events=freezer.events(run.recorders[0] if run.recorders else None),
        trace_count=run.trace_count, calls=freezer.calls(), input=run.x.numpy(),
        during={k: _array_view(v) for k, v in run.during.items() if v is not None},
        after=freezer.after(), fresh=fresh, reference_seed=ref_seed, refusal=refusal, replicas=freezer.replicas())


def _reference(spec: RunSpec, tf, run: _Run, freezer: "_Freezer"):
    """The public API's own answer for call 1: fresh objects, seeds reset. None when nothing can replay it."""
    seed = spec.seed
    if seed is None:  # an unseeded layer drew its own seed; replay from it where the API allows
        drawn = run.states[0][0] if run.states else None
        if APIS[spec.api].replays_drawn_seed and drawn is not None:
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
