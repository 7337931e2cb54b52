"""The width engine and the pieces every view is built of: prose that never breaks a shape, headlines,
indents, shortened names; a view is drawn whole or, when it cannot fit, wider, with a note saying so."""

from __future__ import annotations

import re
from contextlib import contextmanager

from rich.cells import cell_len
from rich.columns import Columns
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .ascii import drawing

PROSE_MIN = 16  # wrapping text narrower than this reads badly
PLACE_MIN = 12  # columns for a file:line beside a name, cut from the left beyond that
DETAIL_MIN = 30  # a detail column narrower than this goes under its name instead


class Pause(str):
    """A place to wait in step mode; its text names what comes next, its key (an identifier) the step that
    begins there, as a slide's file name does (slides.py)."""

    key: str

    def __new__(cls, text: str, key: str):
        made = super().__new__(cls, text)
        made.key = key
        return made


def stage_pause(i: int, total: int, key: str) -> Pause:
    """The pause before stage i of a run view."""
    return Pause(f"stage {i} of {total}, {key}", f"stage-{i}-{key}")


END_PAUSE = Pause("the answer and the check", "answer")
BACKWARD_PAUSE = Pause("the backward pass", "backward")  # --grad: the step after the stages


def need(r, whole: bool = False) -> int:
    """Columns `r` needs with nothing cut: no-wrap text whole, wrapping text PROSE_MIN (or less if shorter);
    text cut or left long by design (source lines, commands to paste) nothing."""
    if isinstance(r, str):
        r = Text(r)
    if isinstance(r, Text):
        longest = max((cell_len(line) for line in r.plain.split("\n")), default=0)
        if r.no_wrap and r.overflow in ("ellipsis", "ignore"):
            return 0
        return longest if r.no_wrap or whole else min(longest, PROSE_MIN)
    if isinstance(r, Padding):
        return r.left + r.right + need(r.renderable, whole)
    if isinstance(r, Table):
        total = 0
        for i, column in enumerate(r.columns):
            cells = ([column.header] if r.show_header else []) + list(column.cells)
            size = column.width if column.width is not None else max(
                (need(c, column.no_wrap) for c in cells), default=0)
            total += size + r._get_padding_width(i)  # rich's own rule for the padding beside column i
        return total
    if isinstance(r, (Group, Columns)):
        return max((need(x, whole) for x in r.renderables), default=0)
    return 0


@contextmanager
def fitted(console: Console, build):
    """build(width) -> renderables; yields them built for the console. When they need more columns than it has,
    says so once, first, and yields them built and drawn that wide (the terminal wraps; nothing is cut)."""
    width = console.width
    ascii = getattr(console, "before_layout", lambda r: r)  # measured as it will be printed

    def built(width):
        with drawing(getattr(console, "symbols", {})):
            return [b if b is None or isinstance(b, Pause) else ascii(b) for b in build(width)]

    blocks = built(width)
    wanted = max((need(b) for b in blocks if b is not None and not isinstance(b, Pause)), default=0)
    if wanted <= width:
        yield blocks
        return
    console.print(Text(f"this view needs {wanted} columns; the width is {width}: drawn {wanted} wide",
                       style="yellow"))
    saved = console._width  # None means "the terminal's": restore exactly that
    console.width = wanted
    try:
        yield built(wanted)
    finally:
        console._width = saved


def show(console: Console, build) -> None:
    """Print build(width)'s renderables (None: a blank line), fitted to the console."""
    with fitted(console, build) as blocks:
        for block in blocks:
            if block is None:
                console.print()
            else:
                console.print(block, crop=False)


SHAPE = re.compile(r"[(\[](?:None|-?[\d.]+)(?:, (?:None|-?[\d.]+))*,?[)\]]")  # (None, 4), [3, 1], (2,)
_KEEP = "\ue000"  # stands in for the spaces of a shape while lines are broken: not whitespace, one cell wide


class Prose(Text):
    """Text that wraps between words, never inside a shape or a short list such as (None, 4) or [42, 0]."""

    def _protected(self, width: int | None = None) -> Text:
        """The spaces inside shapes made unbreakable; a word still too long for `width` starts a line at
        each shape inside it, rather than being cut at an arbitrary character."""
        out = self.copy()
        out.plain = SHAPE.sub(lambda m: m.group().replace(" ", _KEEP), self.plain)
        if width is None:
            return out
        starts = [m.start() for m in SHAPE.finditer(self.plain)]
        cuts = [i for word in re.finditer(r"\S+", out.plain) if len(word.group()) > width
                for i in starts if word.start() < i < word.end()]
        for i in reversed(cuts):
            out = out[:i] + Text("\n") + out[i:]
        return out

    def wrap(self, console, width, **kwargs):
        lines = Text.wrap(self._protected(width), console, width, **kwargs)
        for line in lines:
            line.plain = line.plain.replace(_KEEP, " ")
        return lines

    def __rich_measure__(self, console, options):
        return Text.__rich_measure__(self._protected(), console, options)


class Headline:
    """A rule with its title, "Title  note": the notes beside the title, or below the rule when they would be cut.
    A note is its words (dim) or (words, style); each follows two spaces."""

    def __init__(self, title: Text | str, *notes: str | tuple[str, str]):
        self.head = Text(title, style="bold") if isinstance(title, str) else title.copy()
        self.cut = len(self.head) if notes else None  # where the notes start
        for note in notes:
            words, style = (note, "dim") if isinstance(note, str) else note
            self.head.append(f"  {words}", style=style)

    def ascii(self, convert) -> Headline:
        """This headline with `convert` applied to its text, the notes still starting where they start."""
        out = Headline("")
        if self.cut is None:
            out.head, out.cut = convert(self.head), None
        else:
            title = convert(self.head[:self.cut])
            out.head, out.cut = title + convert(self.head[self.cut:]), len(title)
        return out

    def __rich_console__(self, console: Console, options):
        if self.head.cell_len + 4 <= options.max_width or self.cut is None:
            yield Rule(self.head, align="left", style="dim")
            return
        yield Rule(self.head[:self.cut], align="left", style="dim")
        yield self.head[self.cut + 2:]


def indented(renderable, pad) -> Padding:
    """Padding that does not stretch a short line to the console width."""
    return Padding(renderable, pad, expand=False)


def shorten(text: str, width: int, keep_end: bool = False) -> str:
    """Shorten to width with an ellipsis; paths keep their end (file:line), names their start."""
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1):] if keep_end else text[:width - 1] + "…"
