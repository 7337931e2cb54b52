"""Printing a run view; in step mode, a step ends at each place the view marks (steps.py waits for a key)."""

from __future__ import annotations

from rich.console import Console

from ..model import Trace
from ..pause import Quit
from ..steps import stepping, under
from .handout import cut
from .layout import Pause, fitted
from .run_brief import brief_blocks
from .run_full import trace_blocks


def render_trace(trace: Trace, console: Console, plumbing: bool = False, brief: bool = False, step: bool = False,
                 stages: tuple[str, ...] | None = None, stdin=None) -> None:
    """Print the whole trace: header, chain, one block per stage, calls, the answer, the check.

    brief: the projector view (brief_blocks); step: a step per stage on a terminal, and a key between them
    (q raises pause.Quit). A console already stepping (a lesson's) steps so without it, where the view is
    taller than what is left of the screen; one that fits is shown whole. stages: only these stage blocks
    (by name); the header, chain, answer and check always print.
    """
    import sys

    def build(width: int):
        return brief_blocks(trace, width, stages) if brief else trace_blocks(trace, width, plumbing, stages)

    found = under(console)  # a lesson's run steps through the lesson's Steps; an export's cuts into slides
    lesson = found is not None and found.lesson
    with stepping(console, stdin if stdin is not None else sys.stdin, on=step) as steps, \
            fitted(console, build) as blocks:
        if steps is not None and lesson and _fits(console, blocks, steps):
            steps = None  # a run that fits what is left of the screen shows whole, beside the lesson's questions
        screen = under(console)
        try:
            for block in blocks:
                if isinstance(block, Pause):
                    cut(console, block)  # a step of an HTML handout ends here too
                    if steps is not None:  # in a lesson a stage is a step within the lesson's block, unnamed
                        steps.pause(str(block) if lesson else block)
                elif block is None:
                    console.print()
                else:
                    console.print(block)
                if screen is not None and screen.quit:  # q where a stage filled the screen
                    raise Quit
        except Quit:
            screen.said(f"stopped before {screen.ends[-1]}")
            raise


def _fits(console: Console, blocks: list, steps) -> bool:
    """Whether the whole view fits the rows the screen has left below what the step shows already."""
    options = console.options
    rows = sum(1 if block is None else len(console.render_lines(block, options, pad=False))
               for block in blocks if not isinstance(block, Pause))
    return steps.used + rows <= steps.rows - 1
