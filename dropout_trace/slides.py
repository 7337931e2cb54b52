"""Slides: an export to a folder, one SVG per stage of a run or per block of a played lesson.

The views already mark their steps for step mode: a run view's Pause before each stage and before the
answer, a lesson's pause at each block's heading. Under an export to a folder those pauses reach Slides,
which marks the place in the console's recording instead of waiting for a key (a lesson played with
--step still waits on the terminal: Slides passes each pause on to the Steps it sits over). A slide
taller than ROWS lines is cut into continued slides (03a, 03b), each but the last saying it continues.
A slide's name is its number and its step's key: 01-header, 02-stage-1-call, ..., 09-answer; a lesson's
01-title, 02-block-1, ...
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from rich.segment import Segment

from . import steps as _steps

ROWS = 30  # lines a slide holds, the continuation line included
NAME = re.compile(r"\d{2,}[a-z]*-[a-z0-9_-]+\.svg")  # a slide's file name, as slide_names makes it
CONTINUES = "continues on the next slide"
_ALONE = {"quit": False, "used": 0, "rows": float("inf")}  # with no terminal: never stopped; a view fits whole


class Slides:
    """What a view asks of the Steps under its console, answered by marking the recording."""

    def __init__(self, console, first: str, lesson: bool, terminal=None):
        self.console, self.lesson, self.terminal = console, lesson, terminal
        self.marks: list[tuple[int, str]] = [(0, first)]  # where each slide starts in the recording; its key

    def pause(self, what: str) -> None:
        """A step ends here: a slide begins, when the pause names its step (a lesson's run pauses within
        the lesson's block, unnamed: its stages stay on the block's slides)."""
        if self.terminal is not None:
            self.terminal.pause(what)
        key = getattr(what, "key", None)
        if key is not None:
            self.marks.append((len(self.console._record_buffer), key))  # rich keeps no public count of it

    def __getattr__(self, name):  # quit, used, rows, said, ends: the terminal's, when there is one
        if self.terminal is not None:
            return getattr(self.terminal, name)
        if name in _ALONE:
            return _ALONE[name]
        raise AttributeError(name)

    def pages(self) -> list[tuple[str, list[list[Segment]]]]:
        """Each marked step's lines, blank lines at its ends dropped; a step that printed nothing makes none."""
        buffer = self.console._record_buffer
        ends = [at for at, _ in self.marks[1:]] + [len(buffer)]
        out = []
        for (start, key), end in zip(self.marks, ends):
            lines = list(Segment.split_and_crop_lines(Segment.filter_control(buffer[start:end]), 10**6, pad=False,
                                                      include_new_lines=False))
            while lines and not "".join(s.text for s in lines[-1]).strip():
                lines.pop()
            while lines and not "".join(s.text for s in lines[0]).strip():
                lines.pop(0)
            if lines:
                out.append((key, lines))
        return out


def slide_names(pages: list[tuple[str, list]]) -> list[tuple[str, list, bool]]:
    """(file name, lines, continues) per slide: each step numbered in order, cut at ROWS lines, the pieces
    of a cut step lettered a, b, ... and all but its last keeping a line to say that it continues."""
    digits = max(2, len(str(len(pages))))
    out = []
    for n, (key, lines) in enumerate(pages, 1):
        room = ROWS - 1
        pieces = [lines] if len(lines) <= ROWS else [lines[i:i + room] for i in range(0, len(lines), room)]
        for k, piece in enumerate(pieces):
            letter = _letters(k) if len(pieces) > 1 else ""
            out.append((f"{n:0{digits}d}{letter}-{key}.svg", piece, k < len(pieces) - 1))
    return out


def _letters(k: int) -> str:
    """a, b, ..., z, aa, ab, ...: the k-th piece of a cut step."""
    return (_letters(k // 26 - 1) if k >= 26 else "") + chr(ord("a") + k % 26)


@contextmanager
def cutting(console, first: str, lesson: bool = False):
    """Within the block, the views on `console` mark its slides (yielded): it sits where a Steps would, over
    the terminal's Steps when there is one."""
    terminal = _steps.under(console)
    slides = Slides(console, first, lesson, terminal)
    _steps._active[console] = slides
    try:
        yield slides
    finally:
        if terminal is None:
            del _steps._active[console]
        else:
            _steps._active[console] = terminal
