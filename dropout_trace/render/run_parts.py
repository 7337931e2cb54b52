"""What the full and the brief run views share: which stages to show, the refusal, small tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import narrate
from ..model import Stage, Trace
from .grids import draws_told, grid
from .layout import Headline, Prose, indented


GRID_KIND = {"uniform": "random", "keep_mask": "mask", "output": "output"}


def grid_told(trace: Trace, kind: str, shape: tuple):
    """The stories of a grid of call 1's uniforms or mask (None for other grids): each cell's draw and fate."""
    if kind not in ("random", "mask"):
        return None
    return draws_told(trace.tensors.get("random"), trace.tensors.get("keep_mask"), shape, trace.facts)


def call_mask(c, facts) -> Text:
    """One call's keep mask, broadcast to its output's shape, a row per sample, each cell with its draw's story."""
    if c.keep_mask is None:
        return Text("no draw")
    shape = c.output.shape
    return grid(np.broadcast_to(c.keep_mask, shape).reshape(shape[0], -1), "mask", 40,
                told=draws_told(c.random, c.keep_mask, shape, facts))


def picked_stages(trace: Trace, stages: tuple[str, ...] | None) -> list[tuple[int, Stage]]:
    return [(i, s) for i, s in enumerate(trace.stages, 1) if stages is None or s.key in stages]


def skipped_run(picked: list, i: int, stage: Stage) -> list[Stage]:
    """Pop the stages right after `stage` that the library left at the same place: one explanation serves all."""
    skipped = [stage]
    while (picked and picked[0][0] == i + len(skipped) and picked[0][1].status == "not_reached"
           and picked[0][1].stopped == stage.stopped):
        skipped.append(picked.pop(0)[1])
    return skipped


@dataclass(frozen=True)
class Column:
    """A column of a plain table whose cells may break over lines (a long list of integers)."""

    title: str
    wrap: bool = True


def plain_table(columns: list[str | Column]) -> Table:
    """A header and rows, no box; a column given as a title never wraps, a Column says whether it does."""
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for c in columns:
        c = c if isinstance(c, Column) else Column(c, wrap=False)
        table.add_column(c.title, no_wrap=not c.wrap)
    return table


def state_text(values) -> str:
    return "-" if values is None else narrate.listed(values)


def refusal_block(trace: Trace) -> Group | None:
    lines = narrate.refusal(trace.facts)
    if not lines:
        return None
    head = Text("The library refused the call", style="bold red")
    body = Prose("\n".join(lines))
    return Group(Headline(head), indented(body, (0, 0, 0, 2)))
