"""Step mode: wait for Enter between parts, q to quit; without a terminal, never wait."""

from __future__ import annotations

import sys


class Quit(Exception):
    """The user pressed q at a pause."""


class Pauser:
    """Asks before each part when `step` is on and both stdin and stdout are terminals."""

    def __init__(self, step: bool, console, stdin=None):
        self.stdin = stdin or sys.stdin
        tty = getattr(self.stdin, "isatty", lambda: False)() and getattr(console.file, "isatty", lambda: False)()
        self.active = step and tty
        self.console = console

    def wait(self, what: str) -> None:
        """Pause before `what`; Enter goes on, q (then Enter) quits by raising Quit."""
        if not self.active:
            return
        self.console.print(f"[dim]── {what}: Enter to go on, q to quit ──[/dim]", end="", markup=True)
        self.console.file.flush()
        answer = self.stdin.readline()
        self.console.print()
        if answer == "" or answer.strip().lower() in ("q", "quit"):
            raise Quit
