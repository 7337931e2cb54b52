"""The graph command: the traced graph's ops in creation order, the dropout landmarks marked and explained."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import narrate
from ..graphview import MARKS, _shape_text
from .layout import PLACE_MIN, Headline, Prose, show, shorten


MARK_STYLE = {"shape": "bold yellow", "random": "bold blue", "compare": "bold green", "select": "bold red"}


def render_graph(view, console: Console) -> None:
    """The traced graph's ops in creation order; the dropout landmarks marked and explained."""
    show(console, lambda width: graph_blocks(view, width))


def _table(widths: list[int], header: bool = True) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim", show_header=header)
    for title, w in zip(("#", "type", "static shape", "", "name"), (*widths, None)):
        table.add_column(title, justify="right" if title == "#" else "left", style="dim" if title == "#" else None,
                         no_wrap=True, min_width=w)
    return table


def graph_blocks(view, width: int):
    yield Text(view.call, style="bold cyan")
    yield Headline("Graph ops", f"tf.function(input_signature=[{view.signature}]), in creation order")
    widths = [len(str(len(view.ops) - 1)), max(len(op.type) for op in view.ops),
              max([len("static shape")] + [len(_shape_text(op.shapes)) for op in view.ops]), len("◀ compare")]
    room = max(PLACE_MIN, width - sum(widths) - 2 * len(widths))
    table = _table(widths)
    for op in view.ops:
        if op.backward != (op.index > 0 and view.ops[op.index - 1].backward):  # the backward part starts or ends
            yield table
            yield Text(narrate.graph_backward_head(view) if op.backward else "the function's outputs", style="bold")
            table = _table(widths, header=False)
        style = MARK_STYLE.get(op.mark, "")
        name = Text(shorten(op.name, room, keep_end=True), style="dim")
        if op.from_forward:  # an edge from the forward pass: which forward ops this backward op reads
            name = Text.assemble(name, ("\n← forward " + ", ".join(f"#{i} {view.ops[i].type}" for i in op.from_forward),
                                        "bold magenta" if op.index in view.mask_into else "magenta"))
        table.add_row(str(op.index), Text(op.type, style=style), Text(_shape_text(op.shapes)),
                      Text(f"◀ {op.mark}" if op.mark else "", style=style), name)
    yield table
    yield None
    marks = Table.grid(padding=(0, 1))
    marks.add_column(no_wrap=True)
    marks.add_column(overflow="fold")
    for mark in MARKS:
        marks.add_row(Text(f"  ◀ {mark}", style=MARK_STYLE[mark]), Prose(narrate.graph_mark(mark, view)))
    if view.grad:
        marks.add_row(Text("  ← forward", style="magenta"), Prose(narrate.graph_backward(view)))
    yield marks
