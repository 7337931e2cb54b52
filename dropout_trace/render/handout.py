"""The HTML handout: one self-contained page, light and dark, a step at a time for a run or a lesson.

One mechanism for every command: a view marks where its steps end exactly as for the terminal's step mode
(a Pause between a run's stages, a lesson's blocks); while a Handout records a console, each mark cuts what
was printed so far into a section. Each section is rich's own record of what was printed, written as HTML:
styles become classes (one palette per colour scheme, page.py), and each grid (grids.py marks its characters
in their styles' meta) becomes a real <table>, whose cells tell their story on hover and on focus. Every
piece of text is escaped: a lesson's words are untrusted.
"""

from __future__ import annotations

import weakref
from html import escape

from rich.segment import Segment

from .handout_page import fragment, page

_recording: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # console -> the Handout recording it


class Handout:
    """Within the block, what `console` (made with record=True) prints is kept as sections, cut at each mark
    of `level` ("stage": a run's stages; "block": a lesson's; None: never cut)."""

    def __init__(self, console, level: str | None = "stage"):
        self.console, self.level = console, level
        self.sections: list[tuple[str | None, list[Segment]]] = []  # (what the step is, as its mark named it)
        self.label: str | None = None
        self.figures: list[str] = []  # inline SVG (a chart), drawn where the lines marked with its index were

    def figure(self, svg: str) -> int:
        self.figures.append(svg)
        return len(self.figures) - 1

    def __enter__(self) -> Handout:
        _recording[self.console] = self
        return self

    def __exit__(self, *exc) -> None:
        self._close()
        del _recording[self.console]

    def cut(self, label: str) -> None:
        self._close()
        self.label = label

    def _close(self) -> None:
        console = self.console
        with console._record_buffer_lock:  # rich's record of what was printed, each style with its meta
            segments = list(console._record_buffer)
            del console._record_buffer[:]
        if self.label is not None or any(s.text.strip() for s in segments):
            self.sections.append((self.label, segments))

    def page(self, theme: str | None = None, title: str = "dropout-trace") -> str:
        """The whole page: the lead (what came before the first mark), then one step per section."""
        return page([(label, body(segments, self.figures)) for label, segments in self.sections], theme, title)

    def fragment(self) -> str:
        """The sections without the page around them or its script: a notebook cell's output."""
        return fragment([(label, body(segments, self.figures)) for label, segments in self.sections])


def cut(console, label: str, level: str = "stage") -> None:
    """A step ends here (`label` names the one that comes next), when a Handout of that level records console."""
    handout = _recording.get(console)
    if handout is not None and handout.level == level:
        handout.cut(label)


def recording(console):
    """The Handout recording `console`, or None."""
    return _recording.get(console)


def cutting(console, level: str) -> bool:
    handout = _recording.get(console)
    return handout is not None and handout.level == level


# Rich colour names -> the page's hues; the light theme's names (console.LIGHT) map to the same hue, and a
# colour not named here is left to the text colour, which is readable in both schemes.
HUES = {"green": "g", "dark_green": "g", "bright_green": "g", "red": "r", "red3": "r", "bright_red": "r",
        "cyan": "c", "blue": "c", "bright_cyan": "c", "bright_blue": "c", "yellow": "y", "dark_orange3": "y",
        "bright_yellow": "y", "magenta": "m", "purple": "m", "bright_magenta": "m", "grey30": "d"}


def classes(style) -> str:
    """A rich Style as the page's classes: b(old), i(talic), u(nderline), d(im), a hue, bg (a background)."""
    if style is None:
        return ""
    out = [name for name, on in (("b", style.bold), ("i", style.italic), ("u", style.underline), ("d", style.dim))
           if on]
    if style.color is not None and style.color.name in HUES:
        out.append(HUES[style.color.name])
    if style.bgcolor is not None and not style.bgcolor.is_default:
        out.append("bg")
    return " ".join(dict.fromkeys(out))


def _span(text: str, style) -> str:
    names = classes(style)
    return f'<span class="{names}">{escape(text)}</span>' if names and text.strip() else escape(text)


def body(segments: list[Segment], figures: list[str] = ()) -> str:
    """Recorded segments as the lines of a preformatted block; each grid a table where its first line starts,
    each chart its inline SVG (from `figures`). Lines that held nothing but a grid's later rows, or a chart's,
    go (the table or the picture has them)."""
    grids: dict[int, list[list]] = {}  # grid id -> its rows, each a list of (text, style, meta)
    lines, placed = [], set()
    for line in Segment.split_lines(segments):
        parts, other, seen = [], False, set()
        for seg in line:
            if seg.control:
                continue
            meta = seg.style.meta if seg.style is not None else {}
            if meta.get("chart") is not None:
                if meta["chart"] not in placed:
                    placed.add(meta["chart"])
                    parts.append(("chart", meta["chart"]))
                seen.add("chart")
                continue
            gid = meta.get("grid")
            if gid is None:
                parts.append(_span(seg.text, seg.style))
                other = other or bool(seg.text.strip())
                continue
            if gid not in grids:
                grids[gid] = []
                parts.append(gid)  # the table goes where its first row started
            if gid not in seen:
                seen.add(gid)
                grids[gid].append([])
            grids[gid][-1].append((seg.text, seg.style, meta))
        if seen and not other and not any(isinstance(p, (int, tuple)) for p in parts):
            continue
        lines.append(parts)

    def drawn(p) -> str:
        if isinstance(p, tuple):
            return f'<div class="chart">{figures[p[1]]}</div>'
        return _table(grids[p]) if isinstance(p, int) else p

    return "\n".join("".join(drawn(p) for p in parts).rstrip() for parts in lines)


def _table(rows: list[list]) -> str:
    """A grid's rows as a table: a cell per value (its story, if told, in aria-label, shown on hover and focus);
    a row with no cell (a slice's heading, the slices left out) spans them all."""
    width = max(sum(1 for *_, meta in row if meta.get("cell")) for row in rows)
    out = ['<table class="grid">']
    for row in rows:
        cells = [(text, style, meta) for text, style, meta in row if meta.get("cell")]
        if not cells:
            words = [(text, style) for text, style, _ in row if text.strip()]
            names = classes(words[0][1]) if words else ""
            out.append(f'<tr><th colspan="{width}" class="{names}">'
                       f'{escape("".join(t for t, _ in words).strip())}</th></tr>')
            continue
        out.append("<tr>" + "".join(_td(text, style, meta) for text, style, meta in cells) + "</tr>")
    return "".join(out) + "</table>"


def _td(text: str, style, meta: dict) -> str:
    tip, names = meta.get("tip"), classes(style)
    attributes = (f' class="{names}"' if names else "") + (f' tabindex="0" aria-label="{escape(tip)}"' if tip else "")
    return f"<td{attributes}>{escape(text.strip())}</td>"
