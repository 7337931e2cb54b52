"""The compare command: masks side by side, lettered by group, then which share a mask and why."""

from __future__ import annotations

from rich.columns import Columns
from rich.console import Console
from rich.text import Text

from .. import narrate
from .grids import DROPPED, KEPT, grid
from .layout import Headline, Prose, show
from .numbers import dims


def render_compare(c, console: Console) -> None:
    """Masks side by side, lettered by group; then which share a mask and why, from the captured seeds."""
    show(console, lambda width: compare_blocks(c, width))


def compare_blocks(c, width: int):
    spec = c.spec
    yield Headline("Compare", f"rate {spec.rate:g} · shape {dims(spec.shape)} → {dims(spec.run_shape)} · "
                              f"seed {spec.seed} · {'eager' if spec.eager else 'graph'} · {spec.dtype}")
    letter = {label: g.letter for g in c.groups for label in g.labels}
    blocks = []
    for e in c.entries:
        if e.mask is None:
            continue
        block = Text(f"{letter[e.label]} ", style="bold magenta", no_wrap=True)
        block.append(e.label + "\n", style="bold")
        block.append_text(grid(e.mask, "mask", 40))
        blocks.append(block)
    yield Columns(blocks, padding=(1, 3))
    yield Text(f"{KEPT} kept  {DROPPED} dropped; masks broadcast to the input's shape", style="dim")
    yield None
    for g in c.groups:
        line = Prose(f"{g.letter} ", style="bold magenta")
        line.append(", ".join(g.labels), style="bold")
        line.append(f": {narrate.compare_reason(g)}")
        yield line
    for d in c.differences:
        yield Prose(narrate.compare_difference(d), style="dim")
    for e in c.entries:
        if e.skipped:
            yield Prose(f"skipped {e.label}: {e.skipped}", style="yellow")
