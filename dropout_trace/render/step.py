"""Printing a run view; in step mode, a step ends at each place the view marks (steps.py waits for a key)."""

from __future__ import annotations

from rich.console import Console

from ..model import Trace
from ..pause import Quit
from ..steps import stepping
from .layout import Pause, fitted
from .run_brief import brief_blocks
from .run_full import trace_blocks


def render_trace(trace: Trace, console: Console, plumbing: bool = False, brief: bool = False, step: bool = False,
                 stages: tuple[str, ...] | None = None, stdin=None) -> None:
    """Print the whole trace: header, chain, one block per stage, calls, the answer, the check.

    brief: the projector view (brief_blocks); step: a step per stage on a terminal, and a key between them
    (q raises pause.Quit); a console already stepping (a lesson's) steps so without it. stages: only these
    stage blocks (by name); the header, chain, answer and check always print.
    """
    import sys

    def build(width: int):
        return brief_blocks(trace, width, stages) if brief else trace_blocks(trace, width, plumbing, stages)

    with stepping(console, stdin if stdin is not None else sys.stdin, on=step) as steps, \
            fitted(console, build) as blocks:
        try:
            for block in blocks:
                if isinstance(block, Pause):
                    if steps is not None:
                        steps.pause(block)
                elif block is None:
                    console.print()
                else:
                    console.print(block)
        except Quit:
            console.print(f"stopped before {steps.ends[-1]}", style="dim", markup=False, highlight=False)
            raise
