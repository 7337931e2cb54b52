"""Record what the library computes: locals, return values, executed lines and call stacks of a few functions."""

from __future__ import annotations

import ast
import functools
import linecache
import sys
import threading
from dataclasses import dataclass, field
from types import CodeType, FrameType


def qualname_of(code: CodeType) -> str:
    """The code object's qualified name: co_qualname on 3.11+, read from the source's AST on 3.10."""
    name = getattr(code, "co_qualname", None)
    if name is not None:
        return name
    return _qualnames(code.co_filename).get(code.co_firstlineno, code.co_name)


@functools.lru_cache(maxsize=None)
def _qualnames(filename: str) -> dict[int, str]:
    """First line (decorators included) -> qualified name, for every function in a file, as CPython names them."""
    try:
        tree = ast.parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return {}
    names: dict[int, str] = {}

    def visit(node, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = prefix + child.name
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                names[first] = qual
                visit(child, qual + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return names


@dataclass(frozen=True)
class StackEntry:
    """One live frame on the stack when a landmark was entered."""

    qualname: str
    filename: str
    lineno: int  # the line running in that frame: the call site of the frame below
    code: CodeType = field(compare=False, repr=False)
    frame_id: int = field(default=0, compare=False, repr=False)  # tells apart live frames of one code


@dataclass
class FrameEvent:
    """One execution of a landmark function, as it happened."""

    key: str
    code: CodeType
    call_locals: dict
    stack: tuple[StackEntry, ...]  # outermost first, ending with this frame
    lines: list[int] = field(default_factory=list)  # executed lines, unique, in first-execution order
    last_line: int | None = None
    return_locals: dict | None = None
    returned: object = None
    finished: bool = False
    raised_at: int | None = None  # the line an exception passed through in this frame
    thread: int = 0  # the thread it ran in: MirroredStrategy runs each replica in a thread of its own


class Recorder:
    """A `sys.settrace` hook that only watches the given code objects.

    The global hook sees each Python call once and returns a local tracer only for the
    landmarks, so line events fire in those frames alone and everything else runs at
    near-normal speed. Frames above `boundary` (the harness that made the call) are not
    part of the recorded stack. `threads=True` also hooks threads started inside the
    block (`sys.settrace` is per thread); each event records the thread it ran in.
    """

    def __init__(self, targets: dict[CodeType, str], boundary: CodeType, threads: bool = False):
        self.targets = targets
        self.boundary = boundary
        self.threads = threads
        self.events: list[FrameEvent] = []
        self._previous = None
        self._previous_threads = None

    def __enter__(self) -> "Recorder":
        self._previous = sys.gettrace()
        if self.threads:
            self._previous_threads = threading.gettrace()
            threading.settrace(self._on_call)
        sys.settrace(self._on_call)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._previous)
        if self.threads:
            threading.settrace(self._previous_threads)

    def only(self, thread: int) -> "Recorder":
        """The events of one thread, as a recorder of their own."""
        part = Recorder(self.targets, self.boundary)
        part.events = [e for e in self.events if e.thread == thread]
        return part

    def first(self, key: str) -> FrameEvent | None:
        return next((e for e in self.events if e.key == key), None)

    def _on_call(self, frame: FrameType, event: str, arg):
        key = self.targets.get(frame.f_code)
        if key is None or event != "call":
            return None
        record = FrameEvent(key=key, code=frame.f_code, call_locals=dict(frame.f_locals),
                            stack=self._stack(frame), thread=threading.get_ident())
        self.events.append(record)
        seen: set[int] = set()

        def on_event(f: FrameType, ev: str, value):
            if ev == "line":
                record.last_line = f.f_lineno
                if f.f_lineno not in seen:
                    seen.add(f.f_lineno)
                    record.lines.append(f.f_lineno)
            elif ev == "exception":
                record.raised_at = f.f_lineno
            elif ev == "return" and record.raised_at is not None and record.raised_at == f.f_lineno:
                pass  # unwinding: the frame ends by the exception, not by a return
            elif ev == "return":
                record.return_locals = dict(f.f_locals)
                record.returned = value
                record.finished = True
            return on_event

        return on_event

    def _stack(self, frame: FrameType) -> tuple[StackEntry, ...]:
        entries = []
        f = frame
        while f is not None and f.f_code is not self.boundary:
            entries.append(StackEntry(qualname_of(f.f_code), f.f_code.co_filename, f.f_lineno, f.f_code, id(f)))
            f = f.f_back
        return tuple(reversed(entries))
