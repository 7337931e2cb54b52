"""The versions command: what is installed, which APIs it offers, where it differs from the TF 2.9 account."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..narrate import versions as words
from .layout import DETAIL_MIN, Headline, Prose, indented, show


def render_versions(r, console: Console) -> None:
    show(console, lambda width: versions_blocks(r, width))


def _marked(rows: list[tuple[bool, str, Text]], width: int):
    """✓ or ✗, a name and its detail: in three columns, or the detail under the name when narrow."""
    names = [Text(name, style="bold", no_wrap=True) for _, name, _ in rows]
    marks = [Text("✓", style="bold green") if ok else Text("✗", style="bold red") for ok, _, _ in rows]
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    beside = width - 2 - 1 - 2 - max(n.cell_len for n in names) - 2 >= DETAIL_MIN
    if beside:
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        for mark, name, (_, _, detail) in zip(marks, names, rows):
            table.add_row(mark, name, detail)
    else:
        table.add_column(overflow="fold")
        for mark, name, (_, _, detail) in zip(marks, names, rows):
            table.add_row(mark, Group(name, indented(detail, (0, 0, 0, 2))))
    return indented(table, (0, 0, 0, 2))


def versions_blocks(r, width: int):
    v = r.versions
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Python", Text(v["python"]))
    table.add_row("TensorFlow", Text(v["tensorflow"]))
    table.add_row("Keras", Text(v["keras"]))
    table.add_row("tf-keras", Text(v["tf_keras"] or "not installed"))
    table.add_row("tf.keras is", Prose(words.tf_keras_is(r.source)))
    yield Headline("Installed")
    yield indented(table, (0, 0, 0, 2))
    yield None
    yield Headline("APIs")
    yield _marked([(ok, name, Prose(words.api_detail(name, missing), style="dim" if ok else "yellow"))
                   for name, ok, missing in r.apis], width)
    yield None
    yield Headline("Compared with the TF 2.9 / Keras 2.9 account", "read from the installed source")
    for d in words.differences(r):
        line = Text("  ≠ " if d.differs else "  = ", style="bold yellow" if d.differs else "bold green")
        line.append(d.topic, style="bold")
        yield line
        detail = Table.grid(padding=(0, 2))
        detail.add_column(style="dim", no_wrap=True)
        detail.add_column(overflow="fold")
        detail.add_row("2.9 account", Prose(d.account))
        detail.add_row("installed", Prose(d.installed))
        yield indented(detail, (0, 0, 0, 6))
    yield None
    yield Headline("Landmarks", "every function and local name the trace reads, in the installed version")
    rows = []
    for key, function, ok, detail, names in r.landmarks:
        absent = [n for n, found in names if not found]
        good = ok and not absent
        if names:
            detail += ("; locals " + ", ".join(n for n, _ in names) if not absent
                       else "; missing locals: " + ", ".join(absent))
        rows.append((good, key, Prose(detail, style="dim" if good else "yellow")))
    yield _marked(rows, width)
