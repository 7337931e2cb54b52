"""The walkthrough list: one row per lesson."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .layout import DETAIL_MIN, Headline, Prose, indented, show


def render_walkthroughs(lessons: list, console: Console) -> None:
    """One row per lesson: number, title, blocks, commands and a rough length; the counts go under the title
    when the title would get fewer than DETAIL_MIN columns."""
    def build(width: int):
        yield Headline("Walkthroughs")
        numbers = [f"{x.number:02d}" if x.number is not None else "-" for x in lessons]
        counts = [(str(len(x.blocks)), str(len(x.commands)), f"{x.minutes} min") for x in lessons]
        heads = ("blocks", "commands", "about")
        fixed = 2 + max(map(len, ["#", *numbers])) + sum(2 + max([len(h), *(len(c[i]) for c in counts)])
                                                          for i, h in enumerate(heads))
        if width - fixed - 2 >= DETAIL_MIN:
            table = Table(box=None, padding=(0, 2, 0, 0), pad_edge=False, header_style="dim")
            table.add_column("#", no_wrap=True)
            table.add_column("title", overflow="fold")
            for head in heads:
                table.add_column(head, justify="left" if head == "about" else "right", no_wrap=True)
            for number, lesson, row in zip(numbers, lessons, counts):
                table.add_row(number, Prose(lesson.title, style="bold"), *row)
        else:
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            for number, lesson, (blocks, commands, about) in zip(numbers, lessons, counts):
                table.add_row(number, Group(Prose(lesson.title, style="bold"),
                                            Prose(f"{blocks} blocks · {commands} commands · {about}", style="dim")))
        yield indented(table, (0, 0, 0, 2))
        yield indented(Text("dropout-trace walkthrough play N [--step] plays one", style="dim"), (0, 0, 0, 2))

    show(console, build)
