"""Exit statuses, the program's name and the one-line error: what every part may import (it imports nothing else)."""

from __future__ import annotations

from enum import IntEnum

PROG = "dropout-trace"


class UsageError(ValueError):
    """Bad user input: one line that says what was wrong and what is valid."""


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # something failed inside the tool or the library
    USAGE = 2  # bad input
    CHECK_FAILED = 3  # the trace ran but its cross-check did not reproduce the library
    REFUSED = 4  # the library raised inside the chain: a result, shown up to where it raised
    MISSING = 5  # the installed version lacks a landmark function or local name the trace reads
    INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as shells report a command the signal ended
    TERMINATED = 143  # SIGTERM: 128 + 15


EXIT_MEANINGS = {
    ExitStatus.OK: "ok",
    ExitStatus.ERROR: "error",
    ExitStatus.USAGE: "bad input",
    ExitStatus.CHECK_FAILED: "the cross-check did not reproduce the library",
    ExitStatus.REFUSED: "the library refused the call",
    ExitStatus.MISSING: "a landmark is missing in the installed version",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitStatus.TERMINATED: "terminated (SIGTERM)",
}


def exits(*statuses: ExitStatus) -> str:
    """The --help epilog listing the exit statuses a command can end with (always 0, 1, 2, 130 and 143)."""
    chosen = [ExitStatus.OK, ExitStatus.ERROR, ExitStatus.USAGE, *statuses, ExitStatus.INTERRUPTED,
              ExitStatus.TERMINATED]
    return "Exit status: " + ", ".join(f"{int(s)} {EXIT_MEANINGS[s]}" for s in chosen) + "."


def fail(message: str, status: ExitStatus, env) -> int:
    """The one-line error on env's stderr (env: an env.Env, or anything with stdout and stderr), and its
    status. It may echo what the user typed, so controls are escaped and long values cut."""
    from . import status as status_line
    from .untrusted import one_line

    status_line.clear()  # a status line saying what the command was doing goes first
    env.stdout.flush()  # what the command printed comes first
    env.stderr.write(f"{PROG}: error: {one_line(message)}\n")
    return int(status)


class LibraryRefused(Exception):
    """The library raised inside the call (apis.raised_by_library said so): its exception's type name and message."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind, self.message = kind, message


def refused(kind: str, message: str, env) -> int:
    """The library raised inside the call: one line with its exception type and the first line of its message."""
    first = (message.strip().splitlines() or [""])[0]
    return fail(f"the library refused the call: {kind}: {first}", ExitStatus.REFUSED, env)


def is_usage_error(exc: BaseException) -> bool:
    """Typer's parser errors (click's or its own vendored copy): exit code 2 and a message."""
    return getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message")

