"""Where a command runs: its streams, width, terminal flags and colour, as one object passed to main.

As httpie's Environment: the real process's by default (from_process), a StringIO one in a test, the
shell's, or a lesson's, whose commands draw on the lesson's console. Nothing in the tool rebinds sys.stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from .streams import ascii_stream


def wants_colour(stream, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour on a terminal; never with NO_COLOR; forced through a pager with FORCE_COLOR or CLICOLOR_FORCE."""
    if environ.get("NO_COLOR"):
        return False
    if any(environ.get(k, "0") not in ("", "0") for k in ("FORCE_COLOR", "CLICOLOR_FORCE")):
        return True
    return isatty(stream)


def isatty(stream) -> bool:
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except (OSError, ValueError):  # a closed stream
        return False


ERASE_LINE = "\r\x1b[2K"  # back to the line's start and clear it: a status or a pause line gone


def faint(text: str, styled: bool) -> str:
    """A line that is not content (a status, a pause): dim where colour is allowed, plain where not."""
    return f"\x1b[2m{text}\x1b[0m" if styled else text


def terminal_size(file, environ: Mapping[str, str]) -> tuple[int, int]:
    """(columns, rows) of the terminal `file` writes to; COLUMNS and LINES where it cannot say (or says 0, as a
    pseudo-terminal nobody sized does), then 80 x 24."""
    def number(name, default):
        value = environ.get(name, "")
        return int(value) if value.isdigit() and int(value) > 0 else default

    try:
        columns, rows = os.get_terminal_size(file.fileno())
    except (AttributeError, OSError, ValueError):
        columns = rows = 0
    return columns or number("COLUMNS", 80), rows or number("LINES", 24)


class Checked(Exception):
    """A command run with check_only: every value it was given is valid, and nothing ran."""


@dataclass(frozen=True)
class Env:
    stdout: TextIO
    stderr: TextIO
    stdin: TextIO
    environ: Mapping[str, str] = field(default_factory=dict)
    columns: int | None = None  # None: the terminal's, as the console finds it (COLUMNS, then the terminal)
    console: Any = None  # a console every command draws on instead of its own (a played lesson's)
    check_only: bool = False  # each command checks every value it was given, then raises Checked, before any work
    at_prompt: bool = False  # commands typed at the shell's prompt: an error points at its help, not at --help

    @property
    def stdin_isatty(self) -> bool:
        return isatty(self.stdin)

    @property
    def colour(self) -> bool:
        """Colour on a terminal, never with NO_COLOR, forced with FORCE_COLOR (see wants_colour)."""
        return wants_colour(self.stdout, self.environ)

    def but(self, **changes) -> Env:
        """This environment with some fields changed (streams, columns, console, check_only)."""
        return replace(self, **changes)


def from_process(**changes) -> Env:
    """The real process's, read now: sys.stdout (its ASCII form for a stream that lacks our symbols, so
    --help and errors too), sys.stderr, sys.stdin and os.environ."""
    env = Env(stdout=ascii_stream(sys.stdout), stderr=sys.stderr, stdin=sys.stdin, environ=os.environ)
    return replace(env, **changes) if changes else env
