"""No silent waits: a one-line status on a terminal's stderr while the command works before it prints (TensorFlow
loading, child processes measuring), replaced as the work goes on and erased before any output.

main opens one status line per command (`line(env.stderr)`); anything slow says what it is doing with `say`;
output and errors call `clear` first, so the status never mixes with what the command prints. Only a
terminal gets it: piped or captured, nothing is written.
"""

from __future__ import annotations

from contextlib import contextmanager

from .env import ERASE_LINE as ERASE
from .env import faint, isatty, terminal_size, wants_colour


class _Line:
    def __init__(self, stream, styled: bool):
        self.stream, self.styled, self.shown = stream, styled, False

    def say(self, text: str) -> None:
        from .untrusted import one_line

        body = one_line(text)
        room = terminal_size(self.stream, {})[0] - 1  # one row only: a wrapped line could not be erased whole
        if len(body) > room:
            body = body[:max(room - 1, 0)] + "…"
        self.stream.write(ERASE + faint(body, self.styled))
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self.shown = False


_lines: list[_Line | None] = []  # the innermost command's last; None where its stderr is not a terminal


@contextmanager
def line(stream, environ=None):
    """The status line of one command, on `stream` if it is a terminal; erased when the command ends."""
    current = _Line(stream, wants_colour(stream, environ or {})) if isatty(stream) else None
    _lines.append(current)
    try:
        yield current
    finally:
        _lines.pop()
        if current is not None:
            current.clear()


def _current() -> _Line | None:
    """The status line to write on: the innermost command's, or, where its stderr is no terminal (a command
    a lesson runs, whose stderr is the lesson's console), the nearest outer one that is."""
    return next((found for found in reversed(_lines) if found is not None), None)


def say(text: str) -> None:
    """Show what the command is doing now (replacing what the line said before)."""
    found = _current()
    if found is not None:
        found.say(text)


def clear() -> None:
    """Erase the status line, before output or an error is written."""
    for found in _lines:
        if found is not None:
            found.clear()
