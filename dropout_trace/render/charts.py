"""Charts: bars against markers, drawn from a page.Chart for the terminal (eighths of a block), in ASCII
(a pipe, a stream without the symbols) and as inline SVG; the same scale for all three."""

from __future__ import annotations

import math
import textwrap
from xml.sax.saxutils import escape, quoteattr

from rich.measure import Measurement
from rich.text import Text

from ..env import isatty
from ..page import Chart
from ..streams import ASCII

EIGHTHS = "▏▎▍▌▋▊▉"  # a block's left 1/8 .. 7/8; a whole cell is FULL
FULL, MARK = "█", "│"
ASCII_FULL, ASCII_MARK = "#", "|"
MIN_CELLS = 8  # the narrowest bar column that still shows a difference
MIN_WIDTH = 36  # a chart fits in 40 columns, indented
ROWS = 14  # rows of a histogram at most: more keep counts than that are binned
# rich styles, mapped by the light theme (render.console.LIGHT); a marker on a bar is a notch in the bar's colour
BAR, MARKER, NOTCH = "cyan", "bold yellow", "bold black on cyan"


# -- the scale -------------------------------------------------------------------------------------
def _nice(x: float, steps=(1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)) -> float:
    """The smallest round number (one of `steps` times a power of ten) at or above x > 0."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in steps if m * power >= x * (1 - 1e-12))


def axis(chart: Chart) -> tuple[float, float]:
    """Where the bars start and end: 0 to a round number; or, zoomed, round numbers just around the values."""
    values = [b.value for b in chart.bars] + [b.mark for b in chart.bars if b.mark is not None]
    top, bottom = max(values), min(values)
    if chart.from_zero or top == bottom or bottom <= 0:
        return 0.0, _nice(top) if top > 0 else 1.0
    step = _nice((top - bottom) / 4, (1, 2, 2.5, 5, 10))
    low = math.floor(round((bottom - (top - bottom) * 0.15) / step, 9)) * step  # a margin: the lowest bar shows
    high = math.ceil(round(top / step, 9)) * step
    return max(low, 0.0), high


def tick(v: float, low: float, high: float) -> str:
    """A tick's number, with the fewest decimals that write both ends of the axis exactly."""
    def exact(d: int) -> bool:
        return all(abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x)) for x in (low, high))

    return f"{v:,.{next((d for d in range(10) if exact(d)), 10)}f}"


def notes(chart: Chart, scale: tuple[float, float]) -> list[str]:
    """What the reader must know to read the bars: how rows were made, and where a zoomed axis starts."""
    zoomed = [f"zoomed: the bars start at {tick(scale[0], *scale)}, not at 0"] if scale[0] else []
    return ([chart.note] if chart.note else []) + zoomed


def fraction(v: float, low: float, high: float) -> float:
    """How far along the axis v stands, 0 .. 1."""
    return min(1.0, max(0.0, (v - low) / (high - low)))


# -- text: block characters or ASCII ----------------------------------------------------------------
def _bar(value: float, mark: float | None, scale: tuple[float, float], cells: int, blocks: bool) -> Text:
    """One bar `cells` wide, its marker on top: value in eighths of a cell (a nonzero value at least one)."""
    at = fraction(value, *scale) * cells
    if blocks:
        eighths = max(round(at * 8), 1 if value > scale[0] else 0)
        whole, part = divmod(eighths, 8)
        chars = list(FULL * whole + (EIGHTHS[part - 1] if part else ""))
    else:
        chars = list(ASCII_FULL * max(round(at), 1 if value > scale[0] else 0))
    styles = [BAR] * len(chars) + [""] * (cells - len(chars))
    chars += [" "] * (cells - len(chars))
    if mark is not None:
        i = min(cells - 1, max(0, math.ceil(fraction(mark, *scale) * cells) - 1))  # the cell the mark's line ends
        chars[i], styles[i] = MARK if blocks else ASCII_MARK, NOTCH if styles[i] == BAR else MARKER
    return Text.assemble(*zip(chars, styles))


def _ascii(text: str) -> str:
    return text.translate({ord(k): v for k, v in ASCII.items()}).encode("ascii", "replace").decode("ascii")


def _wrapped(items: list[Text], width: int) -> list[Text]:
    """Items joined by two spaces, a new line where the next would not fit; an item too long alone, wrapped."""
    lines: list[Text] = []
    for item in items:
        if lines and lines[-1].cell_len + 2 + item.cell_len <= width:
            lines[-1] = Text.assemble(lines[-1], "  ", item)
        elif item.cell_len <= width:
            lines.append(item)
        else:
            lines += [Text(line) for line in textwrap.wrap(item.plain, width)]  # its glyph's colour is lost: rare
    return lines


def chart_lines(chart: Chart, width: int, blocks: bool = True) -> list[Text]:
    """The chart in `width` columns, one Text a line: block bars, or (blocks=False) ASCII only."""
    words = (lambda t: t) if blocks else _ascii
    scale = axis(chart)
    label_w = max(len(b.label) for b in chart.bars)
    value_w = max([len(chart.value_head)] + [len(b.value_text) for b in chart.bars])
    mark_w = max([len(chart.mark_head)] + [len(b.mark_text) for b in chart.bars])
    side = (value_w + 2 if value_w else 0) + (mark_w + 2 if mark_w else 0)
    cells = max(MIN_CELLS, width - label_w - 2 - side)
    bar_end = label_w + 2 + cells

    def numbers(value: str, mark: str) -> str:
        return (f"  {value:>{value_w}}" if value_w else "") + (f"  {mark:>{mark_w}}" if mark_w else "")

    lines = [Text(line, style="bold") for line in textwrap.wrap(words(chart.title), width)]
    heads = numbers(chart.value_head, chart.mark_head)
    rows = words(chart.rows)
    lines.append(Text(rows.ljust(bar_end if len(rows) < bar_end else len(rows) + 1) + heads, style="dim"))
    for b in chart.bars:
        lines.append(Text.assemble((words(b.label).rjust(label_w), "dim"), "  ", _bar(b.value, b.mark, scale, cells, blocks),
                                   words(numbers(b.value_text, b.mark_text))))
    low, high = tick(scale[0], *scale), tick(scale[1], *scale)
    ticks = " " * (label_w + 2) + low + high.rjust(max(cells - len(low), len(high) + 1))
    measure = words(chart.measure)
    fits = len(ticks) + 1 + len(measure) <= width
    lines.append(Text(ticks + (" " + measure if fits else ""), style="dim"))
    if not fits:
        lines.append(Text(" " * (label_w + 2) + measure, style="dim"))
    keys = [Text.assemble((FULL if blocks else ASCII_FULL, BAR), " " + words(chart.bar_key)),
            Text.assemble((MARK if blocks else ASCII_MARK, MARKER), " " + words(chart.mark_key))]
    lines += _wrapped(keys + [Text(words(n), style="dim") for n in notes(chart, scale)], width)
    for line in lines:
        line.rstrip()
    return lines


def _blocks(console, options) -> bool:
    """Block characters on a terminal and in exports (both draw on a terminal console); ASCII when piped or on
    a stream that cannot encode them."""
    return not options.ascii_only and (console.is_terminal or isatty(console.file))


class ChartView:
    """A chart as a rich renderable, drawn to the width it is given (or `width`, if narrower)."""

    def __init__(self, chart: Chart, width: int | None = None):
        self.chart, self.width = chart, width

    def __rich_console__(self, console, options):
        from rich.style import Style

        from .handout import recording

        width = min(options.max_width, self.width or options.max_width)
        lines = chart_lines(self.chart, width, _blocks(console, options))
        handout = recording(console)
        if handout is not None:  # an HTML handout draws the chart itself, as inline SVG, where these lines go
            marked = Style(meta={"chart": handout.figure(chart_svg(self.chart, styled=False))})
            for line in lines:
                line.stylize(marked)
        yield from lines

    def __rich_measure__(self, console, options):
        return Measurement(min(MIN_WIDTH, options.max_width), self.width or options.max_width)


# -- SVG ---------------------------------------------------------------------------------------------
# Each palette passes 4.5:1 against its background (white; #1e1e1e); text is currentColor, the page's own.
PALETTES = {"light": {"bar": "#1f5c99", "mark": "#a33c00"}, "dark": {"bar": "#7ab3ef", "mark": "#f2a65a"}}
PLOT_HEIGHT, CHAR = 160, 7  # px: the bars' full height; about one character of the 12px font


def _style(theme: str | None) -> str:
    """CSS for the chart: one palette, or (theme None) light with dark under prefers-color-scheme: dark; a page
    may set --dt-chart-bar and --dt-chart-mark to follow a theme of its own."""
    def rules(p: dict) -> str:
        return (f".dt-chart .dt-bar{{fill:var(--dt-chart-bar,{p['bar']})}}"
                f".dt-chart .dt-mark{{stroke:var(--dt-chart-mark,{p['mark']});stroke-width:2.5}}"
                f".dt-chart .dt-key-mark{{fill:var(--dt-chart-mark,{p['mark']})}}")
    base = (".dt-chart text{fill:currentColor;font-family:system-ui,sans-serif;font-size:12px}"
            ".dt-chart .dt-title{font-weight:bold;font-size:13px}.dt-chart .dt-axis{stroke:currentColor}")
    if theme is not None:
        return base + rules(PALETTES[theme])
    return base + rules(PALETTES["light"]) + f"@media (prefers-color-scheme: dark){{{rules(PALETTES['dark'])}}}"


def _text(x: float, y: float, words: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(words)}</text>'


def _bars_svg(chart: Chart, scale, left: float, top: float, slot: float) -> list[str]:
    """Each bar (height in proportion to its value on the axis), its marker, its label and its hover text."""
    out = []
    base = top + PLOT_HEIGHT
    for i, b in enumerate(chart.bars):
        x, w = left + i * slot + slot * 0.15, slot * 0.7
        h = fraction(b.value, *scale) * PLOT_HEIGHT
        about = f"{b.label}: {chart.value_head or chart.measure} {b.value_text or f'{b.value:g}'}" + (
            f", {chart.mark_head} {b.mark_text}" if b.mark_text else "")
        out.append(f'<rect class="dt-bar" x="{x:.2f}" y="{base - h:.4f}" width="{w:.2f}" height="{h:.4f}">'
                   f"<title>{escape(about)}</title></rect>")
        if b.mark is not None:
            y = base - fraction(b.mark, *scale) * PLOT_HEIGHT
            out.append(f'<line class="dt-mark" x1="{x - slot * 0.1:.2f}" x2="{x + w + slot * 0.1:.2f}" '
                       f'y1="{y:.4f}" y2="{y:.4f}"/>')
        out.append(_text(left + (i + 0.5) * slot, base + 16, b.label, "middle"))
    return out


def chart_svg(chart: Chart, theme: str | None = None, styled: bool = True) -> str:
    """The chart as an inline SVG element (no XML prolog, nothing fetched): vertical bars, markers, axes, keys.
    styled=False leaves its <style> out, for a page whose own style sheet has the chart's rules (the handout)."""
    scale = axis(chart)
    low, high = tick(scale[0], *scale), tick(scale[1], *scale)
    slot = max(24, CHAR * max(len(b.label) for b in chart.bars) + 12)
    left, top = 16 + CHAR * max(len(low), len(high)), 48
    said = notes(chart, scale)
    width = max(left + slot * len(chart.bars) + 16, 16 + (CHAR + 1) * len(chart.title),  # the plot, the title,
                70 + CHAR * (len(chart.bar_key) + len(chart.mark_key)), 16 + CHAR * len("; ".join(said)))  # the keys
    height = top + PLOT_HEIGHT + 40 + 20 * 2
    base, right = top + PLOT_HEIGHT, left + slot * len(chart.bars)
    fit = ' style="max-width:100%;height:auto"' if styled else ""  # a page's style sheet sizes it (no inline style)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="dt-chart" role="img" width="{width:.0f}" '
             f'height="{height}" viewBox="0 0 {width:.0f} {height}"{fit} '
             f"aria-label={quoteattr(chart.title)}>",
             f"<title>{escape(chart.title)}</title>", *([f"<style>{_style(theme)}</style>"] if styled else []),
             _text(8, 18, chart.title, cls="dt-title"), _text(left, top - 12, chart.measure),
             f'<line class="dt-axis" x1="{left}" x2="{left}" y1="{top}" y2="{base}"/>',
             f'<line class="dt-axis" x1="{left}" x2="{right}" y1="{base}" y2="{base}"/>',
             _text(left - 6, base + 4, low, "end"), _text(left - 6, top + 4, high, "end"),
             f'<line class="dt-axis" x1="{left - 3}" x2="{left}" y1="{top}" y2="{top}"/>']
    parts += _bars_svg(chart, scale, left, top, slot)
    parts.append(_text((left + right) / 2, base + 34, chart.rows, "middle"))
    y = base + 58
    parts.append(f'<rect class="dt-bar" x="8" y="{y - 10}" width="12" height="12"/>')
    parts.append(_text(26, y, chart.bar_key))
    x = 26 + CHAR * len(chart.bar_key) + 16
    parts.append(f'<rect class="dt-key-mark" x="{x:.0f}" y="{y - 5}" width="14" height="3"/>')
    parts.append(_text(x + 20, y, chart.mark_key))
    if said:
        parts.append(_text(8, y + 20, "; ".join(said)))
    parts.append("</svg>")
    return "\n".join(parts)


def histogram_svg(s, theme: str | None = None, rows: int = ROWS) -> str | None:
    """`stats`' keep-count histogram (the terminal's chart, same rows) as inline SVG; None when there was no
    binomial test (nothing drawn, P(keep) 0 or 1, too few draws)."""
    from ..narrate.stats import histogram

    chart = histogram(s, rows)
    return None if chart is None else chart_svg(chart, theme)
