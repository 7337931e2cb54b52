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


def graph_blocks(view, width: int):
    yield Text(view.call, style="bold cyan")
    yield Headline("Graph ops", f"tf.function(input_signature=[{view.signature}]), in creation order")
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("static shape", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("name", no_wrap=True)
    widths = [len(str(len(view.ops) - 1)), max(len(op.type) for op in view.ops),
              max([len("static shape")] + [len(_shape_text(op.shapes)) for op in view.ops]), len("◀ compare")]
    room = max(PLACE_MIN, width - sum(widths) - 2 * len(widths))
    for op in view.ops:
        style = MARK_STYLE.get(op.mark, "")
        table.add_row(str(op.index), Text(op.type, style=style), Text(_shape_text(op.shapes)),
                      Text(f"◀ {op.mark}" if op.mark else "", style=style),
                      Text(shorten(op.name, room, keep_end=True), style="dim"))
    yield table
    yield None
    marks = Table.grid(padding=(0, 1))
    marks.add_column(no_wrap=True)
    marks.add_column(overflow="fold")
    for mark in MARKS:
        marks.add_row(Text(f"  ◀ {mark}", style=MARK_STYLE[mark]), Prose(narrate.graph_mark(mark, view)))
    yield marks
