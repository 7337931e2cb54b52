"""The trace as plain frozen data: what every renderer (terminal, JSON) reads. No printing here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .landmarks import FunctionRef


@dataclass(frozen=True)
class TensorView:
    """A library tensor seen twice: at trace time (static) and at run time (its value)."""

    dtype: str
    static_shape: tuple | None  # None for an unknown rank; None entries for unknown sizes
    value: np.ndarray = field(compare=False)  # the run-time value
    symbolic: str | None = None  # graph tensor name at trace time, e.g. "dropout/Shape:0"
    static_value: object = None  # what was known of the value at trace time (nested lists, None = unknown)

    @property
    def dynamic_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.value.shape)


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
    label: str
    value: Value
    note: str = ""


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    idea: str  # the one idea this stage teaches
    function: FunctionRef | None
    reached: bool
    excerpts: tuple[Excerpt, ...] = ()
    values: tuple[NamedValue, ...] = ()
    subject: str | None = None  # label of the value whose shapes summarise the stage
    note: str = ""  # e.g. why the stage was not reached
    static_shape: list | None = None  # of the subject, as known at trace time (None = unknown)
    dynamic_shape: list | None = None  # of the subject, at run time
    dtype: str | None = None

    def value(self, label: str) -> Value | None:
        return next((v.value for v in self.values if v.label == label), None)


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
class Check:
    """The closing cross-check: the explanation reproduces the library bit for bit."""

    bit_exact: bool  # output recomputed from the captured random tensor == layer output
    mask_matches: bool  # captured keep_mask == (random >= rate)
    fresh_layer_equal: bool  # a fresh public call (new layer or reset seeds) gives the same output
    kept: int
    total: int
    rate: float
    recipe: str  # the recomputation, in words
    reference: str  # the fresh call, in words
    dropped: bool = True  # False when the library returned its input without drawing

    @property
    def passed(self) -> bool:
        return self.bit_exact and self.mask_matches and self.fresh_layer_equal

    @property
    def kept_fraction(self) -> float:
        return self.kept / self.total if self.total else 0.0


@dataclass(frozen=True)
class Trace:
    api: str
    call: str  # the public call being traced, as code
    rate: float
    seed: int
    shape: tuple  # as given, None for unknown sizes
    run_shape: tuple[int, ...]
    noise_shape: tuple | None
    dtype: str
    input_kind: str
    mode: str  # "graph" or "eager"
    mode_detail: str
    versions: dict
    notes: tuple[str, ...]
    chain: tuple[Frame, ...]
    stages: tuple[Stage, ...]
    tensors: dict = field(compare=False)  # name -> np.ndarray | None
    check: Check | None = None
    tree: tuple[CallNode, ...] = ()  # every landmark call, merged into one tree
    sources: tuple[Excerpt, ...] = ()  # each landmark's full installed source; `ran` marks executed lines

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)
