"""Call the API under the recorder: the harness inside a tf.function (or eagerly), one run per call, and the
landmark functions it watches. It keeps the live recorders and run-time values for freeze.py to read."""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager

import numpy as np

from .apis import APIS, LANDMARKS, effective_rng, input_signature, make_call, raised_by_library
from .capture import Recorder
from .landmarks import Landmark, find
from .spec import RunSpec

# Where tf.random.Generator mixes the replica id into its key: read only under --replicas.
REPLICA_LANDMARKS = {"tf.Generator._preprocess_key": ("tensorflow.python.ops.stateful_random_ops",
                                                      "Generator._preprocess_key")}


def make_input(spec: RunSpec, shape: tuple | None = None) -> np.ndarray:
    """The input values in float64; `range` numbers elements 1, 2, 3, ... so each can be followed."""
    return made(spec.input, spec.run_shape if shape is None else shape, spec.seed)


def make_upstream(spec: RunSpec, shape: tuple) -> np.ndarray:
    """--grad: the gradient arriving at the output (--upstream), in float64; `normal` draws apart from the input's."""
    return made(spec.grad, shape, spec.seed, stream=1)


def made(kind: str, shape: tuple, seed: int | None, stream: int = 0) -> np.ndarray:
    """ones, range (1, 2, 3, ...) or normal values of `shape`, in float64."""
    if kind == "ones":
        return np.ones(shape)
    if kind == "normal":
        first = seed if seed is not None else 0
        return np.random.default_rng([first, stream] if stream else first).standard_normal(shape)
    return np.arange(1, math.prod(shape) + 1, dtype=np.float64).reshape(shape)


def upstreams(spec: RunSpec, tf, dtype) -> list:
    """--grad: each call's upstream gradient, in the input's dtype (one tensor per size, reused); [] without."""
    if spec.grad is None:
        return []
    made = {b: tf.cast(tf.constant(make_upstream(spec, spec.run_shape_at(b))), dtype) for b in spec.sizes}
    return [made[b] for b in spec.call_sizes]


def gradient_functions() -> dict:
    """--grad: every gradient function registered with TensorFlow, code object -> its key (grad:<qualname>), found
    on the installed version at run time; the recorder watches them all and the snapshot keeps those that ran."""
    import inspect

    from tensorflow.python.framework import ops

    found = {}
    for entry in ops._gradient_registry._registry.values():  # op type -> {"type": the function, ...}
        fn = inspect.unwrap(entry["type"]) if callable(entry.get("type")) else None
        code = getattr(fn, "__code__", None)
        if code is not None:
            found.setdefault(code, f"grad:{fn.__module__}:{fn.__qualname__}")
    return found


def differentiate(tf, call, x, upstream, args, graph=None):
    """y = call(x), and the tape's gradient of sum(y * upstream) with respect to x. In a graph, also the ops
    the gradient added (ops made after the forward pass) and the forward tensors they read."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = call(x, *args)
        loss = tf.reduce_sum(y * tf.cast(upstream, y.dtype))
    first = len(graph.get_operations()) if graph is not None else 0
    g = tape.gradient(loss, x)
    return y, g, None if graph is None else backward_ops(graph, first)


def backward_ops(graph, first: int) -> dict:
    """The ops the gradient added to `graph` (from index `first`), and every edge into them from a forward op."""
    ops = graph.get_operations()
    forward = {op.name for op in ops[:first]}
    added = ops[first:]
    edges = [(t.name, op.name, i) for op in added for i, t in enumerate(op.inputs) if t.op.name in forward]
    return {"forward": tuple((op.type, op.name) for op in ops[:first]),
            "backward": tuple((op.type, op.name) for op in added), "edges": tuple(edges)}


def landmarks_for(spec: RunSpec, table: dict | None = None) -> dict[str, Landmark]:
    table = LANDMARKS if table is None else table
    keys = APIS[spec.api].landmark_keys(effective_rng(spec))
    found = {key: find(key, *table[key]) for key in keys}
    if spec.replicas:  # only where the installed version has it: the reason it shows is optional
        extra = {key: find(key, *where) for key, where in REPLICA_LANDMARKS.items()}
        found.update({key: lm for key, lm in extra.items() if lm.found})
    return found


def _noting(names: list[str]):
    """A variable creator that notes the name of each variable made under it (and makes it as usual)."""
    def creator(next_creator, **kwargs):
        variable = next_creator(**kwargs)
        names.append(variable.name)
        return variable

    return creator


@contextmanager
def _nothing():
    yield


class Run:
    """Calls the API once per entry of spec.call_sizes under capture (the same tf.function, an input of that size
    each time); keeps the live recorder(s) and run-time values."""

    def __init__(self, spec: RunSpec, tf, landmarks: dict[str, Landmark]):
        self.spec, self.tf = spec, tf
        dtype = tf.as_dtype(spec.dtype)
        inputs = {b: tf.cast(tf.constant(make_input(spec, spec.run_shape_at(b))), dtype) for b in spec.sizes}
        self.xs = [inputs[b] for b in spec.call_sizes]  # each call's input: one tensor per size, reused
        self.x = self.xs[0]
        self.api = APIS[spec.api]
        self.owner, call, args = make_call(spec, tf)
        targets = {lm.code: key for key, lm in landmarks.items() if lm.found}
        self.grad_targets = gradient_functions() if spec.grad else {}
        targets.update({code: key for code, key in self.grad_targets.items() if code not in targets})
        self.upstreams, self.gradients = upstreams(spec, tf, dtype), []
        self.backward: dict | None = None  # graph mode --grad: the last trace's forward and backward ops
        probes: list = []
        self.recorders: list[Recorder] = []  # eager: one per call; graph: the last trace's
        self.trace_count, self.during, self.states, self.outputs = 0, {}, [], []
        self.traced_after: list[int] = []  # trace_count after each call: which call made tf.function trace
        self.made_while_tracing: list[list[str]] = []  # each trace's new variables (a reason to trace again)
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
                made: list[str] = []
                self.made_while_tracing.append(made)
            rec = Recorder(targets, harness.__code__)
            self.recorders.append(rec)
            graph = None if spec.eager else tf.compat.v1.get_default_graph()
            with rec, (tf.variable_creator_scope(_noting(made)) if not spec.eager else _nothing()):
                if spec.grad:  # args: the upstream gradient, then the API's own
                    y, g, self.backward = differentiate(tf, call, x, args[0], args[1:], graph)
                    y = [y, g]
                else:
                    y = [call(x, *args)]
            if spec.eager:
                return y
            probes.extend(symbolic_leaves(tf, rec, graph))
            return [*y, *probes]

        signature = input_signature(spec, tf, args)
        if spec.grad:
            signature.insert(1, signature[0])  # the upstream gradient: the output's shape
        fn = harness if spec.eager else tf.function(harness, input_signature=signature, autograph=False)
        try:
            self._play(fn, probes, args)
        except Exception as exc:  # a refusal by the library is a result: keep what was captured
            if not self.recorders or not raised_by_library(exc, call):  # else the tool failed: not a result
                raise
            self.error = exc
        self.args = args

    def _play(self, fn, probes: list, args: tuple) -> None:
        """Each call in order: its output (and gradient), the probes' run-time values, the state around it."""
        grad = self.spec.grad is not None
        for i, x in enumerate(self.xs):
            before = self.api.state(self.owner)
            outputs = fn(x, *((self.upstreams[i], *args) if grad else args))
            for t, out in zip(probes, outputs[2 if grad else 1:]):
                self.runtime.setdefault(id(t), []).append(out.numpy())
            if grad:
                self.gradients.append(None if outputs[1] is None else outputs[1].numpy())
            self.outputs.append(outputs[0].numpy())
            self.states.append((before, self.api.state(self.owner)))
            self.traced_after.append(self.trace_count)


class ReplicaRun:
    """Calls the API through MirroredStrategy.run inside one tf.function; each replica is captured in its thread.

    The global batch has `replicas` times --batch rows and each replica takes its own slice, as a
    distributed dataset would hand it out. The attributes Freezer reads describe replica 0.
    """

    def __init__(self, spec: RunSpec, tf, landmarks: dict[str, Landmark]):
        # long: the two closures tf.function traces (replica, harness) share the probes, threads and recorders
        # made here with the loop that calls them; apart, each piece would need them handed back and forth.
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
                probes.extend(symbolic_leaves(tf, self.replica_recs[r], graph))
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
            if not self.recorders or not raised_by_library(exc, call):  # else the tool failed: not a result
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


def leaves(obj):
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from leaves(item)
    else:
        yield obj


def symbolic_leaves(tf, rec: Recorder, graph) -> list:
    """Every symbolic tensor the landmarks held, to be returned as extra outputs of the function."""
    seen, found = set(), []
    for ev in rec.events:
        for pool in (ev.call_locals, ev.return_locals or {}, {"<return>": ev.returned}):
            for obj in leaves(list(pool.values())):
                if (tf.is_tensor(obj) and not hasattr(obj, "numpy") and getattr(obj, "graph", None) is graph
                        and obj.dtype not in (tf.resource, tf.variant) and id(obj) not in seen):
                    seen.add(id(obj))
                    found.append(obj)
    return found

