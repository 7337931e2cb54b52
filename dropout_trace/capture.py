"""Record what the library computes: locals, return values, executed lines and call stacks of a few functions.

Two backends record the same events, chosen in `_install`: `sys.monitoring` on Python 3.12+ (local
events on the watched code objects alone, under a tool id of our own, so coverage, debuggers and any
`sys.settrace` tracer carry on unaware of us), and `sys.settrace` before that, chained in front of
whatever tracer was installed. DROPOUT_TRACE_CAPTURE=settrace forces the tracer on 3.12+ too.
"""

from __future__ import annotations

import ast
import dis
import functools
import linecache
import os
import sys
import threading
from dataclasses import dataclass, field
from types import CodeType, FrameType

BACKEND_ENV = "DROPOUT_TRACE_CAPTURE"
TOOL_NAME = "dropout-trace"
# sys.monitoring ids 0, 1, 2 and 5 are named for debuggers, coverage, profilers and optimizers; 3 and 4 are nobody's.
TOOL_IDS = (3, 4, 5, 2, 1, 0)
_RETURNS = frozenset(dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap)


def backend() -> str:
    """'monitoring' on Python 3.12+, unless DROPOUT_TRACE_CAPTURE=settrace asks for the tracer; else 'settrace'."""
    if sys.version_info >= (3, 12) and os.environ.get(BACKEND_ENV) != "settrace":
        return "monitoring"
    return "settrace"


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
    raised: BaseException | None = None  # that exception, as it passed: a caller may wrap it in one of its own
    thread: int = 0  # the thread it ran in: MirroredStrategy runs each replica in a thread of its own

    def at_line(self, lineno: int) -> None:
        self.last_line = lineno
        if lineno not in self.lines:  # a few dozen lines per function: a scan is enough
            self.lines.append(lineno)

    def ended(self, frame: FrameType, value) -> None:
        self.return_locals = dict(frame.f_locals)
        self.returned = value
        self.finished = True


class Recorder:
    """Records every execution of the given code objects while the block runs, and nothing else.

    Frames above `boundary` (the harness that made the call) are not part of the recorded stack.
    Only the thread that enters the block is watched; `threads=True` adds the threads started
    inside it (MirroredStrategy's replicas). Each event records the thread it ran in.
    """

    def __init__(self, targets: dict[CodeType, str], boundary: CodeType, threads: bool = False):
        self.targets = targets
        self.boundary = boundary
        self.threads = threads
        self.events: list[FrameEvent] = []
        self._owner = 0
        self._older: frozenset = frozenset()
        self._backend = None

    def __enter__(self) -> "Recorder":
        self._owner = threading.get_ident()
        self._older = frozenset(threading.enumerate()) - {threading.current_thread()}
        self._backend = _install(self)
        return self

    def __exit__(self, *exc) -> None:
        self._backend.stop()
        self._backend = None  # it refers back to this recorder: no cycle keeps the captured tensors alive

    def only(self, thread: int) -> "Recorder":
        """The events of one thread, as a recorder of their own."""
        part = Recorder(self.targets, self.boundary)
        part.events = [e for e in self.events if e.thread == thread]
        return part

    def first(self, key: str) -> FrameEvent | None:
        return next((e for e in self.events if e.key == key), None)

    def begin(self, frame: FrameType) -> FrameEvent | None:
        """A frame starts: if it runs a watched code object in a watched thread, record its arguments and stack."""
        key = self.targets.get(frame.f_code)
        if key is None or not self._watching():
            return None
        record = FrameEvent(key=key, code=frame.f_code, call_locals=dict(frame.f_locals),
                            stack=self._stack(frame), thread=threading.get_ident())
        self.events.append(record)
        return record

    def _watching(self) -> bool:
        if threading.get_ident() == self._owner:
            return True
        return self.threads and threading.current_thread() not in self._older

    def _stack(self, frame: FrameType) -> tuple[StackEntry, ...]:
        entries = []
        f = frame
        while f is not None and f.f_code is not self.boundary:
            entries.append(StackEntry(qualname_of(f.f_code), f.f_code.co_filename, f.f_lineno, f.f_code, id(f)))
            f = f.f_back
        return tuple(reversed(entries))


def _install(rec: Recorder):
    """Start recording with the backend in use: sys.monitoring if it has a free tool id, else sys.settrace."""
    if backend() == "monitoring":
        for tool in TOOL_IDS:
            try:
                sys.monitoring.use_tool_id(tool, TOOL_NAME)
            except ValueError:  # another tool holds this id
                continue
            return _Monitoring(rec, tool)
    return _Tracing(rec)


class _Monitoring:
    """sys.monitoring: PY_START, LINE and PY_RETURN on the watched code objects only.

    Exceptions have no local event, so RAISE is on everywhere; its callback returns at once outside a
    watched frame. A watched frame that never sees PY_RETURN was ended by an exception.
    """

    def __init__(self, rec: Recorder, tool: int):
        self.rec, self.tool = rec, tool
        self.live: dict[FrameType, FrameEvent] = {}  # watched frames that started and have not returned
        m = sys.monitoring
        events = m.events
        callbacks = {events.PY_START: self._start, events.LINE: self._line,
                     events.PY_RETURN: self._return, events.RAISE: self._raise}
        for event, callback in callbacks.items():
            m.register_callback(tool, event, callback)
        self.registered = tuple(callbacks)
        for code in rec.targets:
            m.set_local_events(tool, code, events.PY_START | events.LINE | events.PY_RETURN)
        m.set_events(tool, events.RAISE)

    def stop(self) -> None:
        m = sys.monitoring
        m.set_events(self.tool, 0)
        for code in self.rec.targets:
            m.set_local_events(self.tool, code, 0)
        for event in self.registered:
            m.register_callback(self.tool, event, None)
        m.free_tool_id(self.tool)
        self.live.clear()

    # A callback's caller, sys._getframe(1), is the frame the event happened in.
    def _start(self, code: CodeType, offset: int):
        frame = sys._getframe(1)
        record = self.rec.begin(frame)
        if record is not None:
            self.live[frame] = record

    def _line(self, code: CodeType, lineno: int):
        record = self.live.get(sys._getframe(1))
        if record is not None:
            record.at_line(lineno)

    def _return(self, code: CodeType, offset: int, value):
        frame = sys._getframe(1)
        record = self.live.pop(frame, None)
        if record is not None:
            record.ended(frame, value)

    def _raise(self, code: CodeType, offset: int, exception: BaseException):
        if code in self.rec.targets:
            frame = sys._getframe(1)
            record = self.live.get(frame)
            if record is not None:
                record.raised_at, record.raised = frame.f_lineno, exception


class _Tracing:
    """sys.settrace, in front of the tracer that was installed (coverage, pdb), which still gets every event.

    Frames already running keep their own local tracer (frame.f_trace), so the outer tool goes on
    seeing them; new frames pass through `_Hook`. On exit sys.gettrace() and threading.gettrace() are
    what they were before (or what the outer tool itself last installed).
    """

    def __init__(self, rec: Recorder):
        self.rec = rec
        self.hook = _Hook(rec, sys.gettrace())
        if rec.threads:  # sys.settrace is per thread: threads started in the block install threading's hook
            self.thread_previous = threading.gettrace()
            threading.settrace(self._new_thread)
        sys.settrace(self.hook)

    def stop(self) -> None:
        sys.settrace(self.hook.outer)
        if self.rec.threads:
            threading.settrace(self.thread_previous)

    def _new_thread(self, frame: FrameType, event: str, arg):
        hook = _Hook(self.rec, self.thread_previous)  # one per thread: each has its own outer tracer
        sys.settrace(hook)
        return hook(frame, event, arg)


class _Hook:
    """The global trace function of one thread: records watched frames, and passes every call on to `outer`."""

    def __init__(self, rec: Recorder, outer):
        self.rec, self.outer = rec, outer

    def __call__(self, frame: FrameType, event: str, arg):
        record = self.rec.begin(frame)
        local = None
        if self.outer is not None:
            installed = sys.gettrace()
            local = self.outer(frame, event, arg)
            now = sys.gettrace()
            if now is not installed:
                # The outer tool changed its global tracer while handling the call: coverage's C tracer
                # re-installs itself when called from Python, pdb's `continue` removes itself. Keep the
                # new one as the outer tracer and put back what was installed (this hook, or one in front).
                self.outer = now
                sys.settrace(installed)
        if record is None:
            return local  # not watched: the frame's local tracer is the outer tool's own, or none
        return _Local(record, local)


class _Local:
    """A watched frame's local tracer: records lines, exceptions and the return, then hands each event to outer."""

    def __init__(self, record: FrameEvent, outer):
        self.record, self.outer = record, outer

    def __call__(self, frame: FrameType, event: str, arg):
        if event == "line":
            self.record.at_line(frame.f_lineno)
        elif event == "exception":
            self.record.raised_at, self.record.raised = frame.f_lineno, arg[1]
        elif event == "return" and frame.f_code.co_code[frame.f_lasti] in _RETURNS:
            self.record.ended(frame, arg)  # an exception leaving the frame also reports 'return', from another opcode
        if self.outer is not None:
            result = self.outer(frame, event, arg)
            if result is not None:  # as CPython does with f_trace: None keeps the current local tracer
                self.outer = result
        return self
