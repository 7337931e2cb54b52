"""Reading an exported SVG as a viewer sees it: its window, each piece of text with the colour it is painted
in and what it is painted on, its rows of text; and WCAG 2 contrast, computed here from the definition
(relative luminance of sRGB), not from the program's palette."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
AA = 4.5
SLIDE = re.compile(r"(\d{2})([a-z]*)-(title|block-(\d+)|header|stage-(\d+)-(\w+)|answer)\.svg")
CONTINUES = "continues on the next slide"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(colour: str, alpha: float, background: str) -> str:
    """`colour` at opacity `alpha` composited on `background`, as a viewer's eye gets it."""
    mix = [round(alpha * int(colour[i:i + 2], 16) + (1 - alpha) * int(background[i:i + 2], 16)) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)


@dataclass(frozen=True)
class Painted:
    text: str
    fill: str  # as seen: any opacity composited onto its background
    background: str
    row: int
    column: int


@dataclass(frozen=True)
class Read:
    window: str
    title: Painted | None  # the window's title bar
    painted: list[Painted]  # the text inside the window
    height: float  # the window's text area, in pixels
    line_height: float

    def rows(self) -> list[str]:
        """The text of each row, spaces where nothing is drawn, trailing spaces dropped."""
        lines: dict[int, list[str]] = {}
        for p in self.painted:
            line = lines.setdefault(p.row, [])
            line.extend(" " * (p.column + len(p.text) - len(line)))
            line[p.column:p.column + len(p.text)] = p.text
        return ["".join(lines.get(r, [])).rstrip() for r in range(max(lines, default=-1) + 1)]

    def row_count(self) -> int:
        """Rows the window is tall, from its geometry."""
        return round((self.height + 1) / self.line_height)

    def worst(self) -> tuple[float, Painted | None]:
        """The lowest contrast of any text, the title's too, and that text."""
        found = [(contrast(p.fill, p.background), p) for p in self.painted + [self.title] if p and p.text.strip()]
        return min(found, key=lambda f: f[0], default=(float("inf"), None))


def _css(root) -> dict[str, dict[str, str]]:
    text = "".join(s.text or "" for s in root.iter(SVG + "style"))
    return {name: dict(tuple(p.strip() for p in rule.split(":", 1)) for rule in body.split(";") if ":" in rule)
            for name, body in re.findall(r"\.([\w-]+)\s*\{([^}]*)\}", text)}


def _opacity(props: dict, element) -> float:
    alpha = 1.0
    for key in ("opacity", "fill-opacity"):
        for value in (props.get(key), element.get(key)):
            if value is not None:
                alpha *= float(value)
    return alpha


def read(svg: str) -> Read:
    root = ET.fromstring(svg)
    css = _css(root)
    window = next(r for r in root.iter(SVG + "rect") if r.get("rx") is not None).get("fill")
    clip = next(c for c in root.iter(SVG + "clipPath") if c.get("id", "").endswith("clip-terminal"))
    line_clip = next((c for c in root.iter(SVG + "clipPath") if re.search(r"line-\d+$", c.get("id", ""))), None)
    line_height = 24.4 if line_clip is None else float(line_clip.find(SVG + "rect").get("height")) - 0.25
    matrix = next(g for g in root.iter(SVG + "g") if (g.get("class") or "").endswith("matrix"))
    boxes = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), r.get("fill"))
             for r in root.iter(SVG + "rect") if r.get("shape-rendering") == "crispEdges"]
    painted = []
    for t in matrix.iter(SVG + "text"):
        text = (t.text or "").replace("\xa0", " ")
        props = css.get(t.get("class"), {})
        x = float(t.get("x"))
        cell = float(t.get("textLength")) / max(len(text), 1)
        row = int(re.search(r"line-(\d+)\)", t.get("clip-path")).group(1))
        under = next((fill for bx, by, bw, fill in boxes if round(by / line_height) == row and bx <= x < bx + bw),
                     window)
        fill = props.get("fill", t.get("fill"))
        painted.append(Painted(text, over(fill, _opacity(props, t), under), under, row, round(x / cell)))
    inside = set(matrix.iter(SVG + "text"))
    title = next((Painted(t.text.replace("\xa0", " "), over(t.get("fill"), _opacity({}, t), window), window, -1, 0)
                  for t in root.iter(SVG + "text") if t not in inside), None)
    return Read(window, title, painted, float(clip.find(SVG + "rect").get("height")), line_height)


def check_window(svg: str, theme: str | None) -> Read:
    """The window is the theme's (dark unless "light"), and every text in it reads at AA on what is under it."""
    shown = read(svg)
    if theme == "light":
        assert luminance(shown.window) > 0.8, f"a light theme in a {shown.window} window"
    else:
        assert luminance(shown.window) < 0.05, f"a dark theme in a {shown.window} window"
    worst, where = shown.worst()
    assert worst >= AA, f"{where.text!r} in {where.fill} on {where.background}: {worst:.2f}"
    return shown


def deck_rows(folder, theme: str | None) -> list[str]:
    """The rows of every slide in a deck, in order, each slide checked: named as a slide, in its theme's window,
    at most 30 rows tall, and saying it continues exactly when it is a cut step's piece other than the last."""
    names = sorted(p.name for p in folder.iterdir())
    rows = []
    for name in names:
        assert SLIDE.fullmatch(name), name
        shown = check_window((folder / name).read_text(), theme)
        lines = shown.rows()
        assert shown.row_count() <= 30 and len(lines) <= 30, name
        number = name.split("-")[0].rstrip("abcdefghijklmnopqrstuvwxyz")
        cut = name != max(n for n in names if n.split("-")[0].rstrip("abcdefghijklmnopqrstuvwxyz") == number)
        assert (lines[-1] == CONTINUES) == cut, name
        rows += lines[:-1] if cut else lines
    return rows
