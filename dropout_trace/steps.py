"""Step mode: what a command prints reaches the terminal a screen at a time, and a single key goes on.

One mechanism for `run --step` and `walkthrough play --step`: Steps sits under the console, as its file, so
everything printed passes through it, whoever prints it (a view, a lesson's prose, a command a lesson runs,
its one-line error). A view marks where a step ends (steps.pause("stage 2 of 8, seed")); a step longer than
the terminal is cut where it fills the screen, and the pause says the rest follows. At a pause:

    Space or Enter   the next step          b   the step before, redrawn on a cleared screen
    q                stop at once (Quit)    Ctrl-C   the signal, as anywhere else (exit 130)

The pause line is erased when a key is pressed, so the screen keeps only what the command printed. Steps is
active only when both the console's file and stdin are terminals: piped, it never waits and changes nothing.
"""

from __future__ import annotations

import math
import os
import re
import weakref
from contextlib import contextmanager

from rich.cells import cell_len

from .env import ERASE_LINE, faint, isatty, terminal_size, wants_colour
from .pause import Quit

NEXT, BACK, QUIT = "next", "back", "quit"
KEYS = {" ": NEXT, "\r": NEXT, "\n": NEXT, "b": BACK, "B": BACK, "q": QUIT, "Q": QUIT, "\x04": QUIT, "": QUIT}
HINT = "Space: next · b: back · q: quit"
CLEAR_SCREEN = "\x1b[H\x1b[2J"
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")

_active: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # console -> the Steps under it


@contextmanager
def single_keys(stdin):
    """Within the block, the terminal behind stdin gives each key as it is pressed, with no Enter after it and
    no echo (cbreak mode; Ctrl-C still sends its signal), so that keys pressed while a step prints neither
    land on the screen nor wait for a newline. The terminal's settings are put back at the end, whatever
    ends the block. Without termios or a terminal, nothing changes."""
    try:
        import termios
        import tty

        fd = stdin.fileno()
        saved = termios.tcgetattr(fd)
    except Exception:  # no termios here, or no terminal behind the stream (io's UnsupportedOperation, termios.error)
        yield
        return
    tty.setcbreak(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def read_key(stdin) -> str:
    """The next key from stdin ('' at the end of input): a byte from its terminal (in single_keys, as it is
    pressed), or a stream's next character."""
    try:
        fd = stdin.fileno()
    except Exception:  # a stream with no file behind it (a test's)
        return stdin.read(1)
    return os.read(fd, 1).decode(errors="replace")


def rows_of(line: str, columns: int) -> int:
    """The terminal rows a printed line takes: its visible width over the terminal's, at least 1."""
    width = cell_len(_CONTROL.sub("", line.rstrip("\n")))
    return max(1, math.ceil(width / max(columns, 1)))


class Steps:
    """The console's file in step mode: prints pass through, counted in terminal rows; each step's lines are
    kept so that b can redraw it."""

    lesson = True  # a Steps a view finds already under its console is a lesson's

    def __init__(self, file, stdin, environ=None):
        self.file, self.stdin = file, stdin
        self.environ = os.environ if environ is None else environ
        self.columns, self.rows = terminal_size(file, self.environ)
        self.pages: list[list[str]] = [[]]  # each step's lines, as printed (styles kept)
        self.ends: list[str] = []  # what each finished step's pause said comes next
        self.showing: str | None = None  # the step being printed, as its pause named it
        self.used = 0  # terminal rows the step being printed takes
        self.open = ""  # a line printed without its newline yet
        self.quit = False
        self.pauses = 0  # how many times it has waited (a test's count)

    # -- the console's file -----------------------------------------------------------------------------
    def write(self, text: str) -> int:
        """Print `text`, pausing where the screen fills. Never raises Quit: it is called from inside the
        console's own write, which would keep what it was writing and write it again. After q, what is
        printed is dropped (the command is stopping); said() writes the line that says so."""
        if self.quit:
            return len(text)
        for piece in text.splitlines(keepends=True):
            if not piece.endswith("\n"):  # shown at once; counted when its newline comes
                self.file.write(piece)
                self.open += piece
                continue
            need = rows_of(self.open + piece, self.columns)
            if self.used and self.used + need > self.rows - 1:  # the last row is the pause line's
                if not self._pause(f"the rest of {self.showing}" if self.showing else "more"):
                    return len(text)  # q: the rest is dropped
            self.pages[-1].append(self.open + piece)
            self.used += need
            self.open = ""
            self.file.write(piece)
        return len(text)

    def flush(self) -> None:
        self.file.flush()

    def isatty(self) -> bool:
        return isatty(self.file)

    def __getattr__(self, name):  # fileno, encoding, ...: the real stream's
        return getattr(self.file, name)

    # -- steps ------------------------------------------------------------------------------------------
    def pause(self, what: str) -> None:
        """The step printed so far ends here; wait for a key. `what` names the step that comes next."""
        if self.quit:
            raise Quit
        if (self.used or self.open) and not self._pause(what):
            raise Quit
        self.showing = what

    def said(self, text: str) -> None:
        """A line straight onto the screen, past the pauses (and never into an export): after q, where
        printing has stopped, the line that says where and how to go on."""
        self.file.write(faint(text, wants_colour(self.file, self.environ)) + "\n")
        self.file.flush()

    def _pause(self, what: str) -> bool:
        """Wait at the end of a step; False when q was pressed (quit is set)."""
        if self.open:  # the prompt gets a line of its own; the rest of that line starts the next step
            self.pages[-1].append(self.open + "\n")
            self.file.write("\n")
            self.open = ""
        self.ends.append(what)
        live = at = len(self.pages) - 1
        while True:
            key = self._ask(self.ends[at])
            if key == NEXT and at == live:
                break
            if key == NEXT:
                at += 1
            elif key == BACK:
                at = max(at - 1, 0)
            elif key == QUIT:
                self.quit = True
                return False
            else:
                continue
            self.file.write(CLEAR_SCREEN + "".join(self.pages[at]))
        self.pages.append([])
        self.used = 0
        self.file.flush()
        return True

    def _ask(self, what: str) -> str:
        """Show the pause line, read keys until one means something, and erase the line whatever happens
        (Ctrl-C's KeyboardInterrupt too)."""
        self.pauses += 1
        self.file.write(faint(f"── next: {what} · {HINT} ──", wants_colour(self.file, self.environ)))
        self.file.flush()
        try:
            while True:
                pressed = read_key(self.stdin)
                if pressed == "\x03":  # Ctrl-C read as a key (a terminal not sending signals): the same as its signal
                    raise KeyboardInterrupt
                key = KEYS.get(pressed)
                if key is not None:
                    return key
        finally:
            self.file.write(ERASE_LINE)
            self.file.flush()


def under(console) -> Steps | None:
    """The Steps a console prints through, if it is in step mode (a lesson's, for the commands it runs)."""
    return _active.get(console)


@contextmanager
def stepping(console, stdin, on: bool = True, environ=None):
    """Within the block, the console prints through a Steps (yielded) when `on` and both its file and stdin
    are terminals; else it prints as always and None is yielded. A console already stepping keeps its Steps."""
    found = under(console)
    if found is not None or not on or not (isatty(stdin) and isatty(console.file)):
        yield found
        return
    steps = Steps(console.file, stdin, environ)
    console.file, _active[console] = steps, steps
    try:
        with single_keys(stdin):
            yield steps
    finally:
        console.file = steps.file
        del _active[console]
