"""Stopping early: q at a step-mode pause (Quit; steps.py waits), and signals.
Signals: while a command runs, Ctrl-C (SIGINT) and SIGTERM raise in the main thread, so every `finally`
and context manager on the way out runs (temporary files removed, cursor shown, children ended)."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Quit(Exception):
    """The user pressed q at a step-mode pause: main makes it exit 0."""


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, as KeyboardInterrupt is: no `except Exception` swallows it."""


class _Catcher:
    """One active `signals_raise()` block: the signal it last raised (`caught`), and one that came while
    raising was held back (`pending`: inside held(), or while the block was ending)."""

    def __init__(self):
        self.caught: int | None = None
        self.held, self.pending = 0, None


_active: list[_Catcher] = []  # the innermost block last; only the main thread touches it


def _raise(signum: int):
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated()


def _handler(signum, frame):
    catcher = _active[-1] if _active else None
    if catcher is None:  # cannot happen while installed; behave as Python would
        _raise(signum)
    if catcher.held:
        catcher.pending = catcher.pending or signum
        return
    catcher.caught = signum
    _raise(signum)


@contextmanager
def signals_raise():
    """Within the block (main thread only), SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated.
    Yields the catcher: `caught` or `pending` says which signal this block received. The handlers found
    are put back at the end, and a signal that comes while they are is only noted (`pending`). Only
    handlers at their defaults are replaced: an ignored SIGINT (a background job) stays ignored, and so
    does a caller's own handler."""
    catcher = _Catcher()
    if threading.current_thread() is not threading.main_thread():
        yield catcher
        return
    ours = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    found = {signum: signal.getsignal(signum) for signum in ours}
    _active.append(catcher)
    try:
        for signum, default in ours.items():
            if found[signum] is default or found[signum] is _handler:
                signal.signal(signum, _handler)
        yield catcher
    finally:
        catcher.held += 1  # from here on a signal is noted, not raised
        for signum, before in found.items():
            if before is not None:
                signal.signal(signum, before)
        _active.remove(catcher)


@contextmanager
def held():
    """A signal that arrives within the block is raised when the block ends, not inside it: for steps
    that must not be cut in two (a temporary file created and its name kept; a child started and its
    handle kept)."""
    catcher = _active[-1] if _active and threading.current_thread() is threading.main_thread() else None
    if catcher is None:
        yield
        return
    catcher.held += 1
    try:
        yield
    finally:
        catcher.held -= 1
        if not catcher.held and catcher.pending is not None:
            signum, catcher.pending = catcher.pending, None
            catcher.caught = signum
            _raise(signum)


class Children:
    """Child processes that end with the block. start() is subprocess.Popen, with a signal held back until the
    handle is kept; at the end of the block (a signal's exception too) each child still running is sent
    SIGTERM, killed if it has not ended within `grace` seconds, and reaped: none outlives the command."""

    def __init__(self, grace: float = 5.0):
        self.grace, self.procs = grace, []

    def start(self, *args, **kwargs):
        import subprocess

        with held():
            proc = subprocess.Popen(*args, **kwargs)
            self.procs.append(proc)
        return proc

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc) -> None:
        import subprocess

        with held():  # a second Ctrl-C waits until every child is reaped (at most `grace` seconds)
            running = [proc for proc in self.procs if proc.poll() is None]
            for proc in running:
                proc.terminate()
            for proc in running:
                try:
                    proc.wait(timeout=self.grace)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for proc in self.procs:
                for pipe in (proc.stdin, proc.stdout, proc.stderr):
                    if pipe is not None:
                        pipe.close()
