"""The stats command: a progress bar while masks are drawn, then the measured numbers and what they show."""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..narrate import stats as words
from ..pause import held
from .layout import Headline, Prose, indented, show
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
    show(console, lambda width: stats_blocks(s))


def stats_blocks(s):
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
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("", "left"), ("measured", "right"), (f"{words.level(s)} interval", "left"),
                          ("exact", "right"), ("", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for label, iv in (("kept fraction", s.kept), ("output / input", s.ratio)):
        table.add_row(label, words.fixed(iv.estimate), words.interval(iv.low, iv.high), words.fixed(iv.exact),
                      Text("✓ inside" if iv.inside else "✗ outside", style="green" if iv.inside else "bold red"))
    yield indented(table, (0, 0, 0, 2))
    yield None
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("correlation", "left"), ("r", "right"), (f"{words.level(s)} interval", "left"),
                          ("pairs", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for c in s.correlations:
        table.add_row(words.correlation_name(c), "-" if c.value is None else words.fixed(c.value, 4), words.interval(c.low, c.high, 4),
                      f"{c.pairs:,}")
    yield indented(table, (0, 0, 0, 2))
    yield None
    for sentence in words.findings(s):
        yield indented(Prose(sentence), (0, 0, 0, 2))
