"""The explain command: the list of topics, and a topic's page drawn from its blocks."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..page import Chart, Heading, Mask, Rows, Say, Try
from ..page import Table as PageTable
from .charts import ChartView
from .grids import grid
from .layout import Headline, Prose, indented, show


def render_topics(topics: list[tuple[str, str]], console: Console) -> None:
    """One line per topic: its name and what it teaches."""
    def build(width: int):
        yield Headline("Topics")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for name, summary in topics:
            table.add_row(name, summary)
        yield indented(table, (0, 0, 0, 2))
        yield indented(Text("dropout-trace explain TOPIC runs the topic's computation live", style="dim"), (0, 0, 0, 2))

    show(console, build)


def render_lesson(lesson, blocks: list, console: Console) -> None:
    """A lesson page: statement, the live result that proves it, the command to go deeper."""
    show(console, lambda width: lesson_blocks(lesson, blocks, width))


def lesson_blocks(lesson, blocks: list, width: int):
    yield Headline(f"explain {lesson.topic}", f"rate {lesson.params.rate:g} · seed {lesson.params.seed}")
    v = lesson.versions
    yield indented(Text(f"computed now with TensorFlow {v.get('tensorflow')} · Keras {v.get('keras')} · "
                        f"tf-keras {v.get('tf_keras') or 'not installed'}", style="dim"), (0, 0, 0, 2))
    for block in blocks:
        if isinstance(block, Say):
            yield indented(Prose(block.text), (0, 0, 0, 2))
        elif isinstance(block, Heading):
            yield Text(block.text, style="bold")
        elif isinstance(block, Rows):
            table = Table.grid(padding=(0, 2))
            table.add_column(style="dim", no_wrap=True)
            table.add_column(overflow="fold")
            for label, text in block.rows:
                table.add_row(label, Prose(text))
            yield indented(table, (0, 0, 0, 4))
        elif isinstance(block, PageTable):
            table = Table(box=None, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
            for i, name in enumerate(block.header):  # cells are values and shapes: whole, the last may wrap
                last = i == len(block.header) - 1
                table.add_column(name, no_wrap=not last, overflow="fold")
            for row in block.rows:
                table.add_row(*[Prose(c) for c in row])
            yield indented(table, (0, 0, 0, 4))
        elif isinstance(block, Mask):
            yield indented(Prose(block.label, style="dim"), (0, 0, 0, 4))
            yield indented(grid(np.asarray(block.mask, dtype=bool), "mask", width - 6), (0, 0, 0, 6))
        elif isinstance(block, Chart):
            yield indented(ChartView(block), (0, 0, 0, 4))
        elif isinstance(block, Try):  # never wrapped: the command must paste whole
            yield Text("  deeper:", style="dim")
            yield Text("    " + block.command, style="bold cyan", no_wrap=True, overflow="ignore")
