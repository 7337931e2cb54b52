"""Printing a run view; in step mode, waiting for Enter at each place the view marks."""

from __future__ import annotations

from rich.console import Console

from ..model import Trace
from ..pause import Pauser, Quit
from .layout import Pause, fitted
from .run_brief import brief_blocks
from .run_full import trace_blocks


def render_trace(trace: Trace, console: Console, plumbing: bool = False, brief: bool = False, step: bool = False,
                 stages: tuple[str, ...] | None = None) -> None:
    """Print the whole trace: header, chain, one block per stage, calls, the answer, the check.

    brief: the projector view (brief_blocks); step: wait for Enter before each stage (q raises pause.Quit);
    stages: only these stage blocks (by name); the header, chain, answer and check always print.
    """
    pauser = Pauser(step, console)

    def build(width: int):
        return brief_blocks(trace, width, stages) if brief else trace_blocks(trace, width, plumbing, stages)

    with fitted(console, build) as blocks:
        for block in blocks:
            if isinstance(block, Pause):
                try:
                    pauser.wait(block)
                except Quit:
                    console.print(f"stopped before {block}", style="dim", markup=False, highlight=False)
                    raise
            elif block is None:
                console.print()
            else:
                console.print(block)
