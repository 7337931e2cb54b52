"""The trace as plain frozen data: what every renderer (terminal, JSON) reads. No TensorFlow, no printing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .landmarks import FunctionRef


@dataclass(frozen=True)
class TensorView:
    """A library tensor seen twice: at trace time (static) and at run time (its value)."""

    dtype: str
    static_shape: tuple | None  # None for an unknown rank; None entries for unknown sizes
    value: np.ndarray | None = field(compare=False)  # the run-time value (first call); None if it never ran
    symbolic: str | None = None  # graph tensor name at trace time, e.g. "dropout/Shape:0"
    static_value: object = None  # what was known of the value at trace time (nested lists, None = unknown)
    runs: tuple = field(default=(), compare=False)  # the run-time value at each call, when there were several

    @property
    def dynamic_shape(self) -> tuple[int, ...] | None:
        return None if self.value is None else tuple(int(d) for d in self.value.shape)


@dataclass(frozen=True)
class ListView:
    """A Python list/tuple of sizes and scalar tensors, e.g. a noise shape built per dimension."""

    items: tuple  # of TensorView | PyValue


@dataclass(frozen=True)
class PyValue:
    """A plain Python value the library held (rate, flags, names)."""

    text: str
    data: object = None  # JSON-friendly form, when there is one


Value = TensorView | ListView | PyValue


@dataclass(frozen=True)
class SourceLine:
    lineno: int
    text: str
    ran: bool


@dataclass(frozen=True)
class Excerpt:
    """Key lines of one function, read from the installed file; `ran` marks what executed in this call."""

    function: FunctionRef
    lines: tuple[SourceLine, ...]
    more: int = 0  # executed lines left out for brevity


@dataclass(frozen=True)
class NamedValue:
    key: str  # an identifier, fixed whatever the words: the JSON key; narrate holds the words shown for it
    value: Value


@dataclass(frozen=True)
class StopPoint:
    """Where the library left the chain early: the last `return` that ran, or where it raised."""

    function: str
    file: str
    line: int
    source: str
    raised: bool = False


@dataclass(frozen=True)
class Stage:
    key: str
    landmark: str  # the landmark key the stage is about
    function: FunctionRef | None
    status: str  # "ran", "not_reached", "missing" (not in the installed version) or "raised"
    excerpts: tuple[Excerpt, ...] = ()
    values: tuple[NamedValue, ...] = ()
    subject: str | None = None  # key of the value whose shapes summarise the stage
    stopped: StopPoint | None = None  # not reached: where the library returned instead
    missing: str | None = None  # missing: what the installed version lacks
    static_shape: list | None = None  # of the subject, as known at trace time (None = unknown)
    dynamic_shape: list | None = None  # of the subject, at run time
    dtype: str | None = None

    @property
    def reached(self) -> bool:
        return self.status == "ran"

    def value(self, key: str) -> Value | None:
        return next((v.value for v in self.values if v.key == key), None)


@dataclass(frozen=True)
class Frame:
    """One frame of the captured call chain, outermost first."""

    function: str
    file: str
    line: int
    plumbing: bool  # decorator plumbing (error handlers, dispatch) folded away by default
    landmark: str | None = None


@dataclass(frozen=True)
class CallNode:
    """One frame of the captured call tree; the call line is where its parent called it."""

    function: str
    file: str
    line: int  # the def line
    call_line: int | None
    call_source: str
    plumbing: bool
    landmark: str | None
    children: tuple["CallNode", ...] = ()


def fold_plumbing(nodes: tuple[CallNode, ...]) -> tuple[CallNode, ...]:
    """Drop plumbing frames; their children take the call line where the real caller made the call."""
    out: list[CallNode] = []
    for node in nodes:
        children = fold_plumbing(node.children)
        if not node.plumbing:
            out.append(replace(node, children=children))
            continue
        for child in children:  # the folded frame's caller really called this child
            out.append(replace(child, call_line=node.call_line, call_source=node.call_source))
    return tuple(out)


@dataclass(frozen=True)
class Trace:
    """What every renderer reads: the snapshot and what was derived from it (stages, chain, check, facts)."""

    snapshot: object  # the Snapshot it was built from
    chain: tuple[Frame, ...]
    stages: tuple[Stage, ...]
    tensors: dict = field(compare=False)  # name -> np.ndarray | None, for call 1
    check: object = None  # check.Check, or None when the library refused the call
    tree: tuple[CallNode, ...] = ()  # every landmark call, merged into one tree
    sources: tuple[Excerpt, ...] = ()  # each landmark's full installed source; `ran` marks executed lines
    facts: object = None  # facts.Facts

    def with_facts(self, facts) -> "Trace":
        return replace(self, facts=facts)

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    # the run's settings, read from the snapshot
    spec = property(lambda self: self.snapshot.spec)
    api = property(lambda self: self.snapshot.spec.api)
    call = property(lambda self: self.snapshot.call)
    rate = property(lambda self: self.snapshot.spec.rate)
    seed = property(lambda self: self.snapshot.spec.seed)
    shape = property(lambda self: self.snapshot.spec.shape)
    run_shape = property(lambda self: self.snapshot.spec.run_shape)
    noise_shape = property(lambda self: self.snapshot.spec.noise_shape)
    dtype = property(lambda self: self.snapshot.spec.dtype)
    input_kind = property(lambda self: self.snapshot.spec.input)
    mode = property(lambda self: self.snapshot.mode)
    versions = property(lambda self: self.snapshot.versions)
    calls = property(lambda self: self.snapshot.calls)
