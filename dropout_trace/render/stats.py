"""The stats command: a progress bar while masks are drawn, then the measured numbers and what they show."""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..narrate import stats as words
from ..pause import held
from .charts import ROWS, ChartView
from .layout import Headline, Prose, indented, need, show

BESIDE = 44  # columns the histogram needs beside the tables; on a narrower screen it follows them
GAP = 4
from .numbers import dims


def render_stats(measure, console: Console, after: float = 1.0):
    """Run measure(progress) with a transient progress bar once it has taken `after` seconds (on a terminal
    only), then draw the numbers and what they show."""
    # the bar's module only where a bar may be drawn
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    start, bar = time.perf_counter(), []
    tty = getattr(console.file, "isatty", lambda: False)()

    def progress(done: int, total: int) -> None:
        if tty and not bar and time.perf_counter() - start >= after:
            bar.append(Progress(TextColumn("drawing masks"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=Console(file=console.file), transient=True))
            bar[0].start()
            bar.append(bar[0].add_task("masks", total=total))
        if bar:
            bar[0].update(bar[1], completed=done)

    try:
        s = measure(progress)
    finally:  # on Ctrl-C or SIGTERM too (they raise): the bar goes and the cursor is shown again
        if bar:
            with held():  # a second Ctrl-C waits until the terminal is put back
                bar[0].stop()
    draw_stats(s, console)
    return s


def draw_stats(s, console: Console) -> None:
    """The measured numbers and what they show."""
    show(console, lambda width: stats_blocks(s, width))


def stats_blocks(s, width: int):
    yield Headline("Stats", (s.call, "bold cyan"))
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="dim", no_wrap=True)
    rows.add_column(overflow="fold")
    rows.add_row("input", Prose(f"ones {dims(s.shape)} → {dims(s.run_shape)}, {s.dtype}"))
    rows.add_row("calls", Prose(words.calls_line(s)))
    rows.add_row("masks", Prose(words.masks_line(s)))
    rows.add_row("exact", Prose(words.exact_line(s)))
    yield indented(rows, (0, 0, 0, 2))
    yield None
    measured = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("", "left"), ("measured", "right"), (f"{words.level(s)} interval", "left"),
                          ("exact", "right"), ("", "left")):
        measured.add_column(name, justify=justify, no_wrap=True)
    for label, iv in (("kept fraction", s.kept), ("output / input", s.ratio)):
        measured.add_row(label, words.fixed(iv.estimate), words.interval(iv.low, iv.high), words.fixed(iv.exact),
                      Text("✓ inside" if iv.inside else "✗ outside", style="green" if iv.inside else "bold red"))
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("correlation", "left"), ("r", "right"), (f"{words.level(s)} interval", "left"),
                          ("pairs", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for c in s.correlations:
        table.add_row(words.correlation_name(c), "-" if c.value is None else words.fixed(c.value, 4), words.interval(c.low, c.high, 4),
                      f"{c.pairs:,}")
    yield from _numbers_and_chart(measured, table, words.histogram(s, ROWS), width)
    yield None
    for sentence in words.findings(s):
        yield indented(Prose(sentence), (0, 0, 0, 2))


def _numbers_and_chart(measured: Table, correlations: Table, chart, width: int):
    """The two tables, and the keep-count histogram beside them when the width allows, else under them."""
    left = max(need(measured), need(correlations))
    room = width - 2 - left - GAP
    if chart is not None and room >= BESIDE:
        both = Table.grid(padding=(0, GAP, 0, 0))
        both.add_column(no_wrap=True, width=left)
        both.add_column(width=room)
        both.add_row(Group(measured, "", correlations), ChartView(chart, room))
        yield indented(both, (0, 0, 0, 2))
        return
    yield indented(measured, (0, 0, 0, 2))
    yield None
    yield indented(correlations, (0, 0, 0, 2))
    if chart is not None:
        yield None
        yield indented(ChartView(chart), (0, 0, 0, 2))
