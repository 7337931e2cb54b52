"""--grad: the backward pass's block, after the stages: the upstream, the keep mask and the gradient side by side,
the gradient functions that ran, and what they reused; the words come from narrate.backward."""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..model import Trace
from ..narrate import backward as words
from .grids import grid
from .layout import Headline, Prose, indented
from .numbers import dims
from .run_parts import Column, plain_table


def backward_block(trace: Trace, width: int, brief: bool = False) -> Group | None:
    f = trace.facts
    b = f.backward
    if b is None or not trace.calls:
        return None
    if brief:  # the mask is the keep_mask row's already: the gradient alone, and a sentence
        c = trace.calls[0]
        body = (Text("None: no path from the output to x", style="yellow") if c.gradient is None
                else grid(np.asarray(c.gradient), "output", width - 2))
        return Group(Headline("Backward pass", words.title(f, brief=True)), indented(body, (0, 0, 0, 2)),
                     indented(Prose(words.brief(f)), (0, 0, 0, 2)))
    parts = [Headline("Backward pass", words.title(f)), indented(_grids(trace, width), (0, 0, 0, 2))]
    if b.steps:
        parts.append(indented(_functions(b), (1, 0, 0, 2)))
    for line in words.lines(f, trace.check):
        parts.append(indented(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


GAP = 3  # columns between grids side by side


def _grids(trace: Trace, width: int) -> Table:
    """Call 1's upstream, keep mask (as broadcast onto the output) and gradient: side by side where all three fit
    the width whole, else one under another, each as wide as the screen allows."""
    c = trace.calls[0]
    columns = [("upstream", c.upstream, "values")]
    if c.keep_mask is not None:
        columns.append(("keep mask", np.broadcast_to(c.keep_mask, c.output.shape), "mask"))
    columns.append(("gradient", c.gradient, "output"))
    heads = [Text(name + ("" if a is None else f" {dims(np.shape(a))}"), style="dim") for name, a, _ in columns]

    def drawn(room: int) -> list[Text]:
        return [Text("None: no path from the output to x", style="yellow") if a is None
                else grid(np.asarray(a), kind, room) for _, a, kind in columns]

    side = drawn(width)
    need = sum(max(_widest(t), h.cell_len) for t, h in zip(side, heads)) + GAP * (len(side) - 1)
    table = Table.grid(padding=(0, GAP))
    if need <= width - 2:
        for _ in columns:
            table.add_column(no_wrap=True)
        table.add_row(*heads)
        table.add_row(*side)
        return table
    table.add_column(no_wrap=True)
    for head, body in zip(heads, drawn(width - 2)):
        table.add_row(head)
        table.add_row(body)
    return table


def _widest(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def _functions(b) -> Group | Table:
    """The gradient functions that ran: a file's folder once in the heading where they share one."""
    folders = {s.file.rsplit("/", 1)[0] for s in b.steps if s.file and "/" in s.file}
    folder = next(iter(folders)) if len(folders) == 1 else None
    table = plain_table(["op", "gradient function, where", Column("handed (forward tensors)")])
    for s in b.steps:
        where = "-" if s.file is None else f"{s.file.rsplit('/', 1)[-1] if folder else s.file}:{s.line}"
        table.add_row(Text(s.op_type, style="bold cyan"), Text.assemble(s.function, "\n", (where, "dim")),
                      words.step_reads(s))
    if not folder:
        return table
    return Group(table, Text(f"where: in {folder}/", style="dim"))
