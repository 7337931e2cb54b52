"""One run, frozen: every captured value while tracing and at each call, with no TensorFlow inside.

Stages, facts, narration and rendering read only this, so they are pure functions that tests can
drive from a recorded snapshot without importing TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .landmarks import FunctionRef
from .model import TensorView, Value
from .spec import RunSpec, added


@dataclass(frozen=True)
class LandmarkInfo:
    """A landmark function as installed: where it is, its source, and what its code assigns and returns."""

    key: str
    module: str
    qualname: str
    ref: FunctionRef | None
    missing: str | None = None  # why it is absent from the installed version
    source: tuple[str, ...] = ()  # its lines in the installed file, decorators included
    first_line: int = 0
    spans: dict = field(default_factory=dict)  # local name -> [(first, last)] lines of its assignments
    returns: frozenset = frozenset()  # lines of its own `return` statements
    varnames: tuple[str, ...] = ()  # the code object's local names

    @property
    def found(self) -> bool:
        return self.ref is not None

    def line(self, lineno: int) -> str:
        i = lineno - self.first_line
        return self.source[i].rstrip("\n") if 0 <= i < len(self.source) else ""

    def lines(self) -> range:
        return range(self.first_line, self.first_line + len(self.source))

    def assigned_at(self, name: str) -> list[int]:
        return [first for first, _ in self.spans.get(name, [])]


@dataclass(frozen=True)
class StackFrame:
    """One live frame on the stack when a landmark was entered."""

    qualname: str
    file: str  # relative to site-packages
    line: int  # the line running in this frame: where it called the frame below
    def_line: int
    code_id: tuple  # tells code objects apart: (file, first line, qualname)
    frame_id: int  # tells apart live frames of one code
    source: str  # the installed source of `line`
    landmark: str | None
    plumbing: bool
    ours: bool  # the harness's own frames, not the library's


@dataclass(frozen=True)
class Event:
    """One execution of a landmark, frozen: its locals on entry and exit, return value and lines run."""

    key: str
    call_locals: dict  # name -> Value
    return_locals: dict | None
    returned: Value | None
    finished: bool
    lines: tuple[int, ...]  # executed lines, unique, in first-execution order
    stack: tuple[StackFrame, ...]  # outermost first, ending with this frame
    tensors: tuple[str, ...] = ()  # names of the locals that held tensors when it returned
    returned_arg: str | None = None  # the argument it returned unchanged (the same object), if any


@dataclass(frozen=True)
class CallRecord:
    """One call of the traced API: the random state around it and what it drew."""

    index: int
    state_before: np.ndarray | None  # the SeedGenerator or Generator state, read before the call
    state_after: np.ndarray | None
    seed_used: np.ndarray | None  # the seed the op got: a [2] stateless seed, or (global, op) seeds
    random: np.ndarray | None
    keep_mask: np.ndarray | None
    output: np.ndarray
    # --batch 3,5: x as _dropout received it in this call (else the call's input), since the calls' sizes differ;
    # None when every call has the run's one input
    x: np.ndarray | None = added()
    upstream: np.ndarray | None = added()  # --grad: the gradient that arrived at the output
    gradient: np.ndarray | None = added()  # --grad: the tape's gradient with respect to the input


@dataclass(frozen=True)
class ReplicaRecord:
    """One replica of a MirroredStrategy run: its slice of the batch, its landmark events and its calls."""

    replica: int  # replica_id_in_sync_group, as the replica context reported it
    device: str
    input: np.ndarray  # the rows of the global batch this replica received
    events: tuple[Event, ...]  # this replica's landmark executions (its own thread)
    calls: tuple[CallRecord, ...]  # states are this replica's copy of the mirrored state variable
    key_in: np.ndarray | None = None  # tf.random.Generator: the key before the replica id was hashed in
    key_out: np.ndarray | None = None  # ... and after

    def first(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)


@dataclass(frozen=True)
class BackwardGraph:
    """--grad in a graph: the traced function's ops before the gradient and those the gradient added, in graph
    order, as (op type, op name); and each edge from a forward op's output into a backward op."""

    forward: tuple  # of (type, name)
    backward: tuple  # of (type, name)
    edges: tuple  # of (forward tensor name, backward op name, input index)


@dataclass(frozen=True)
class GradientCall:
    """--grad: one registered gradient function as it ran (its landmark key), for the forward op it was given."""

    key: str  # grad:<module>:<qualname>
    op_type: str  # the forward op's type, e.g. SelectV2
    op_name: str | None  # the forward op's name in the graph (None eagerly)
    inputs: tuple  # per input of the forward op: the landmark local it is, the very object, as "key:name"; or None
    input_names: tuple  # per input: its graph name (None eagerly)


@dataclass(frozen=True)
class Refusal:
    """The library raised inside the chain: what, where, and the innermost landmark it passed through."""

    type: str
    message: str
    function: str  # the innermost frame that raised
    file: str
    line: int
    source: str
    landmark: str | None  # the innermost landmark on the traceback


@dataclass(frozen=True)
class Snapshot:
    spec: RunSpec
    call: str  # the public call, as code
    versions: dict
    rng: str | None  # tf-keras's branch, as the library chose it
    landmarks: dict  # key -> LandmarkInfo
    events: tuple[Event, ...]  # the traced call's landmark executions (graph: the last trace; eager: call 1)
    trace_count: int  # how often tf.function ran the Python function (0 in eager mode)
    calls: tuple[CallRecord, ...]
    input: np.ndarray
    during: dict = field(default_factory=dict)  # read while tracing, outside the graph (init_scope)
    after: dict = field(default_factory=dict)  # read after the run: (landmark key, attribute) -> Value
    fresh: np.ndarray | None = None  # the public reference call's output; None when none can replay it
    reference_seed: object = None  # the seed the reference used, when it was read from the run
    refusal: Refusal | None = None
    replicas: tuple = ()  # of ReplicaRecord: one per replica under --replicas; the fields above show replica 0
    traced_after: tuple = added(())  # --batch 3,5: trace_count after each call (did a new size trace again?)
    made_while_tracing: tuple = added(())  # traced again: the variables each earlier trace made (the reason)
    fresh_calls: tuple = added(())  # several calls: the reference's output for each, replayed in order (fresh: 1's)
    backward: BackwardGraph | None = added()  # --grad in a graph: the ops the gradient added
    fresh_gradients: tuple = added(())  # --grad: the reference's gradient for each call, by its own tape
    gradient_calls: tuple = added(())  # --grad: of GradientCall, the gradient functions in the order they ran
    backward_events: tuple = added(())  # --grad: the landmark executions from the first gradient function on

    @property
    def mode(self) -> str:
        return "eager" if self.spec.eager else "graph"

    def first(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)


def runtime(value: Value | None) -> np.ndarray | None:
    return value.value if isinstance(value, TensorView) else None
