"""Terminal rendering with rich: the only module that knows about consoles, colour and width."""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from typing import IO

import numpy as np
from rich.cells import cell_len
from rich.columns import Columns
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from . import narrate
from .model import Excerpt, Frame, ListView, PyValue, Stage, TensorView, Trace, Value
from .output import LineStream, ascii_symbols
from .spec import shape_text

KEPT, DROPPED = "●", "○"
MAX_ROWS, EDGE_ROWS = 8, 3  # beyond MAX_ROWS rows, show EDGE_ROWS at each end (numpy-style)
MAX_LINES = 24  # rank >= 3: every slice is shown while the grid stays within this many lines
INLINE_MAX = 8  # vectors up to this many values are shown inline, not as a grid


def _indent(renderable, pad) -> Padding:
    """Padding that does not stretch a short line to the console width."""
    return Padding(renderable, pad, expand=False)


# Literal styles re-mapped for a light background, where dim, yellow and cyan wash out. Rich looks
# a style string up in the theme before parsing it, so one table serves every renderer.
LIGHT = {"dim": "grey30", "yellow": "dark_orange3", "bold yellow": "bold dark_orange3", "cyan": "blue",
         "bold cyan": "bold blue", "green": "dark_green", "bold green": "bold dark_green",
         "bold magenta": "bold purple", "dim red": "red3", "dim italic": "italic grey30", "red": "red3"}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader stopped early (`| head`): stop quietly; the CLI turns this into exit 0."""
        self.quiet = True
        raise BrokenPipeError


def wants_colour(file) -> bool:
    """Colour on a terminal; never with NO_COLOR; forced through a pager with FORCE_COLOR or CLICOLOR_FORCE."""
    if os.environ.get("NO_COLOR"):
        return False
    if any(os.environ.get(k, "0") not in ("", "0") for k in ("FORCE_COLOR", "CLICOLOR_FORCE")):
        return True
    return bool(getattr(file, "isatty", lambda: False)())


def make_console(file: IO | None = None, width: int | None = None, color: bool | None = None,
                 theme: str | None = None, record: bool = False) -> Console:
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests.

    Plain output is stripped of trailing spaces, and a stream that cannot encode the symbols gets ASCII.
    """
    from rich.theme import Theme

    file = file or sys.stdout
    if color is None:
        color = wants_colour(file)
    table = ascii_symbols(getattr(file, "encoding", None))
    if table or not color:
        file = LineStream(file, strip=not color, table=table)
    return _Console(file=file, width=width, color_system="truecolor" if color and record else (
                   "auto" if color else None), no_color=not color, force_terminal=color, highlight=False,
                   soft_wrap=False, record=record, theme=Theme(LIGHT) if theme == "light" else None)


# -- width: a view is drawn whole or, when it cannot fit, wider, with a note saying so --------------
PROSE_MIN = 16  # wrapping text narrower than this reads badly


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
    blocks = list(build(width))
    wanted = max((need(b) for b in blocks if b is not None and not isinstance(b, Pause)), default=0)
    if wanted <= width:
        yield blocks
        return
    console.print(Text(f"this view needs {wanted} columns; the width is {width}: drawn {wanted} wide",
                       style="yellow"))
    saved = console._width  # None means "the terminal's": restore exactly that
    console.width = wanted
    try:
        yield list(build(wanted))
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
    """A rule with its title, "Title  note": the note beside the title, or below the rule when it would be cut."""

    def __init__(self, head: Text | str):
        self.head = Text(head, style="bold") if isinstance(head, str) else head

    def __rich_console__(self, console: Console, options):
        cut = self.head.plain.find("  ")
        if self.head.cell_len + 4 <= options.max_width or cut < 0:
            yield Rule(self.head, align="left", style="dim")
            return
        yield Rule(self.head[:cut], align="left", style="dim")
        yield self.head[cut + 2:]


# -- small formatting helpers ----------------------------------------------------------------
dims = shape_text


def number(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.6g}"


def inline(value: np.ndarray) -> str:
    flat = np.ravel(value)
    body = ", ".join(number(v) for v in flat)
    return body if value.ndim == 0 else f"[{body}]"


def known(static_value) -> str:
    """What was known at trace time: None entries are unknown until the graph runs."""
    if isinstance(static_value, list):
        return "[" + ", ".join("None" if v is None else number(v) for v in static_value) + "]"
    return "unknown" if static_value is None else number(static_value)


def is_small(v: TensorView) -> bool:
    if v.value is None:
        return len(v.static_shape or ()) <= 1 and all(d is not None and d <= INLINE_MAX for d in v.static_shape or ())
    return v.value.ndim <= 1 and v.value.size <= INLINE_MAX


# -- tensor grids ------------------------------------------------------------------------------
def _pick(n: int, limit: int, edge: int) -> list[int | None]:
    """Indices to show along an axis of size n; None marks the elided middle."""
    if n <= limit:
        return list(range(n))
    return list(range(edge)) + [None] + list(range(n - edge, n))


def cell_number(v) -> str:
    """Grid cells: at most four decimals, so columns stay narrow and aligned."""
    if isinstance(v, (bool, np.bool_, int, np.integer)):
        return number(v)
    return np.format_float_positional(float(v), precision=4, trim="-")


def _plan(value: np.ndarray, kind: str, width: int, rows: tuple):
    """What a grid shows: the slices (rank >= 3; None marks hidden ones), the rows and columns of each slice,
    and one cell width for every slice, so their columns line up."""
    m = value.reshape((-1, *value.shape[-2:])) if value.ndim >= 2 else value.reshape(1, 1, -1)
    count = m.shape[0]
    picked_rows = _pick(m.shape[1], *rows)
    fit = max(2, MAX_LINES // (len(picked_rows) + 1))  # whole slices, each with its heading line
    slices = list(range(count)) if count <= fit else list(range(fit - 1)) + [None, count - 1]
    shown = [m[k, r] for k in slices if k is not None for r in picked_rows if r is not None]
    cell = 1 if kind == "mask" else max((len(cell_number(v)) for row in shown for v in row), default=1)
    prefix = 2 if value.ndim >= 3 else 0
    max_cols = max(2, (width - prefix - 4) // (cell + 1))
    return m, slices, picked_rows, _pick(m.shape[2], max_cols, max(1, (max_cols - 1) // 2)), cell


def grid(value: np.ndarray, kind: str, width: int, rate: float = 0.0, rows: tuple = (MAX_ROWS, EDGE_ROWS)) -> Text:
    """A compact, aligned 2-D view; rank >= 3 is shown slice by slice, large tensors summarised."""
    if value.ndim == 0:
        return Text(cell_number(value[()]), no_wrap=True)
    m, slices, picked_rows, cols, cell = _plan(value, kind, width, rows)
    if value.ndim <= 2:
        return _grid2d(m[0], kind, "", rate, picked_rows, cols, cell)
    out = Text(no_wrap=True)
    lead = value.shape[:-2]
    for i, k in enumerate(slices):
        if i:
            out.append("\n")
        if k is None:
            out.append(f"⋮ {narrate.plural(len(m) - len(slices) + 1, 'more slice')}", style="dim")
            continue
        index = np.unravel_index(k, lead)
        out.append("[" + ", ".join(str(int(j)) for j in index) + ", :, :]\n", style="dim")
        out.append_text(_grid2d(m[k], kind, "  ", rate, picked_rows, cols, cell))
    return out


def summarised(value: np.ndarray, kind: str, width: int, rows: tuple = (MAX_ROWS, EDGE_ROWS)) -> bool:
    """Whether grid() leaves out some slices, rows or columns of value."""
    if value.ndim == 0:
        return False
    _, slices, picked_rows, cols, _ = _plan(value, kind, width, rows)
    return None in slices or None in picked_rows or None in cols


def _grid2d(m: np.ndarray, kind: str, prefix: str, rate: float, rows: list, cols: list, cell: int) -> Text:
    text = Text(no_wrap=True)
    for i, r in enumerate(rows):
        if i:
            text.append("\n")
        text.append(prefix)
        if r is None:
            text.append("⋮", style="dim")
            continue
        for j, c in enumerate(cols):
            if j:
                text.append(" ")
            if c is None:
                text.append("…", style="dim")
                continue
            v = m[r, c]
            if kind == "mask":
                text.append(KEPT if v else DROPPED, style="bold green" if v else "red")
            elif kind == "output" and float(v) == 0:
                text.append(cell_number(v).rjust(cell), style="dim red")
            elif kind == "random":  # colour each draw by the fate it gives its element
                text.append(cell_number(v).rjust(cell), style="green" if float(v) >= rate else "red")
            else:
                text.append(cell_number(v).rjust(cell))
    return text


def grid_caption(value: np.ndarray, kind: str, width: int) -> Text:
    text = Text(f"shape {dims(value.shape)} · {narrate.plural(value.size, 'value')}", style="dim")
    if summarised(value, kind, width):
        text.append(" · summarised, corners shown", style="dim")
    if kind == "mask":
        text.append(f" · {KEPT} kept  {DROPPED} dropped", style="dim")
    if kind == "random":
        text.append(" · kept where draw >= rate", style="dim")
    return text


# -- values ------------------------------------------------------------------------------------
def op_name(symbolic: str) -> str:
    """'dropout_1/stateless_dropout/GreaterEqual:0' -> 'GreaterEqual:0': the op that makes the tensor."""
    return symbolic.rsplit("/", 1)[-1]


def static_cell(v: Value, mode: str) -> Text:
    if isinstance(v, TensorView) and v.static_shape is None and v.symbolic is None and v.static_value is None:
        return Text("did not exist", style="dim")  # read after the run
    if isinstance(v, TensorView):
        t = Text(f"{v.dtype} {dims(v.static_shape)}")
        if mode == "graph":
            if v.static_value is not None and (not isinstance(v.static_value, list)
                                               or len(v.static_value) <= INLINE_MAX):
                t.append(f"\nvalue {known(v.static_value)}", style="cyan")
            elif is_small(v):
                t.append("\nvalue unknown", style="yellow")
            if v.symbolic:
                t.append(f"\ntensor {op_name(v.symbolic)}", style="dim")
        return t
    if isinstance(v, ListView):
        return Text("[" + ", ".join(_item_static(i) for i in v.items) + "]")
    return Text(v.text)


def _item_static(v: Value) -> str:
    if isinstance(v, TensorView):
        return known(v.static_value) if v.static_value is not None and not isinstance(v.static_value, list) else "None"
    return v.text if isinstance(v, PyValue) else "?"


def dynamic_cell(v: Value) -> Text:
    if isinstance(v, TensorView) and v.value is None:
        return Text("never ran", style="yellow")
    if isinstance(v, ListView) and any(isinstance(i, TensorView) and i.value is None for i in v.items):
        return Text("never ran", style="yellow")
    if isinstance(v, TensorView):
        t = Text(f"{v.dtype} {dims(v.dynamic_shape)}")
        if is_small(v):
            t.append(f"\nvalue {inline(v.value)}", style="bold")
        return t
    if isinstance(v, ListView):
        return Text("[" + ", ".join(inline(i.value) if isinstance(i, TensorView) else i.text for i in v.items) + "]",
                    style="bold")
    return Text(v.text)


SHAPE_MAX = 30  # a value-table line up to this wide (a dtype and shape, a short value) is never broken
PLACE_MIN = 12  # columns for a file:line beside a name, cut from the left beyond that
NOTE_MIN = 24  # the notes beside a value table get at least this many columns (or their length), else go below


def _value_rows(stage: Stage, trace: Trace) -> tuple[list[str], list[tuple[Text, Text, Text, str]]]:
    heads = ["value", "while tracing (static)" if trace.mode == "graph" else "static (eager: concrete)",
             "at run time" if len(trace.calls) < 2 else "at run time, call 1"]
    rows = [(Text(nv.label), static_cell(nv.value, trace.mode), dynamic_cell(nv.value),
             narrate.value_note(stage, nv.label, trace.facts)) for nv in stage.values]
    return heads, rows


def _column_widths(heads: list[str], rows: list) -> list[tuple[int, int]]:
    """(must, want) per column: the header and every line up to SHAPE_MAX whole; all lines whole if room."""
    out = []
    for i, head in enumerate(heads):
        lines = [line for row in rows for line in row[i].plain.split("\n")]
        out.append((max([len(head)] + [len(x) for x in lines if len(x) <= SHAPE_MAX]),
                    max([len(head)] + [len(x) for x in lines])))
    return out


def values_block(stage: Stage, trace: Trace, width: int):
    """The stage's values: static and run-time columns sized so no shape breaks and, where the width allows,
    no line at all; the notes beside them when NOTE_MIN columns are left, else below."""
    heads, rows = _value_rows(stage, trace)
    widths = _column_widths(heads, rows)
    gaps = 2 * (len(widths) - 1)
    longest = max(len(note) for *_, note in rows)
    beside = longest > 0 and width >= sum(w for _, w in widths) + gaps + 2 + min(longest, NOTE_MIN)
    extra = width - sum(must for must, _ in widths) - gaps
    sizes = []
    for must, want in widths:  # spare room lets long lines (tensor names, vectors) stand whole
        grow = max(0, min(extra, want - must))
        sizes.append(must + grow)
        extra -= grow
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for head, size in zip(heads, sizes):
        table.add_column(head, width=size, overflow="fold")
    if beside:
        table.add_column("", style="dim", overflow="fold")
    for label, static, dynamic, note in rows:
        table.add_row(label, static, dynamic, *([Prose(note)] if beside else []))
    notes = [Prose(f"{label.plain}: {note}", style="dim") for label, _, _, note in rows if note and not beside]
    return Group(table, *notes) if notes else table


GRID_KIND = {"uniform": "random", "keep_mask": "mask", "output": "output"}


def stage_block(index: int, stage: Stage, trace: Trace, width: int, shown: set) -> Group:
    f = trace.facts
    parts = [Headline(f"{index} · {narrate.title(stage, f)}")]
    if stage.function:
        where = Text(stage.function.qualname, style="bold cyan")
        where.append(f"  {stage.function.file}:{stage.function.line}", style="dim")
        parts.append(_indent(where, (0, 0, 0, 2)))
    if stage.status == "missing":
        parts.append(_indent(Prose(narrate.missing(stage), style="bold red"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "not_reached":
        parts.append(_indent(Prose(narrate.stopped(stage.stopped), style="yellow"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "raised":
        parts.append(_indent(Text("the library raised here; see below", style="bold red"), (0, 0, 0, 2)))
    else:
        parts.append(_indent(Prose(narrate.idea(stage, f), style="italic"), (0, 0, 0, 2)))
    for i, ex in enumerate(stage.excerpts):  # name the function unless the heading just did
        parts.append(_indent(excerpt_text(ex, not (i == 0 and ex.function == stage.function), width - 2),
                             (0, 0, 0, 2)))
    if not stage.values:
        return Group(*parts)
    parts.append(_indent(values_block(stage, trace, width - 2), (1, 0, 0, 2)))
    subject = stage.value(stage.subject) if stage.subject else None
    if isinstance(subject, TensorView) and subject.value is not None and not is_small(subject):
        key = (subject.symbolic or stage.subject, subject.dynamic_shape, subject.value.tobytes())
        if key not in shown:
            shown.add(key)
            kind = GRID_KIND.get(stage.key, "values")
            parts.append(_indent(grid(subject.value, kind, width - 4, trace.rate), (1, 0, 0, 4)))
            parts.append(_indent(grid_caption(subject.value, kind, width - 4), (0, 0, 0, 4)))
    if stage.key == "keep_mask":
        line = narrate.probabilities_line(f)
        if line:
            parts.append(_indent(Prose(line), (1, 0, 0, 4)))
    if stage.key == "output" and trace.check:
        parts.append(_indent(Prose(narrate.kept_line(f, trace.check)), (0, 0, 0, 4)))
    return Group(*parts)


def skipped_block(first: int, stages: list[Stage]) -> Group:
    last = first + len(stages) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    head = Text(f"{span} · " + ("this stage was" if first == last else "these stages were") + " not reached",
                style="bold")
    return Group(Headline(head),
                 _indent(Prose(narrate.stopped(stages[0].stopped), style="yellow"), (0, 0, 0, 2)))


def excerpt_text(ex: Excerpt, header: bool = True, width: int = 400) -> Text:
    """Installed source lines: run lines bright, comments and skipped lines dim, gaps marked ⋮; long lines
    are cut at `width`, the heading's file:line from the left, so the line number stays."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if header:
        text.append(f"{ex.function.qualname}  ", style="cyan")
        room = max(PLACE_MIN, width - len(ex.function.qualname) - 2)
        text.append(_fit(f"{ex.function.file}:{ex.function.line}", room, keep_end=True) + "\n", style="dim")
    code = list(ex.lines)
    indent = min((len(c.text) - len(c.text.lstrip()) for c in code if c.text.strip()), default=0)
    width = max((len(str(c.lineno)) for c in code), default=1)
    prev = None
    for line in code:
        if prev is not None and line.lineno != prev + 1:
            text.append(" " * width + " ⋮\n", style="dim")
        text.append(f"{line.lineno:>{width}} │ ", style="dim")
        body = line.text[indent:]
        comment = body.lstrip().startswith("#")
        text.append(body + "\n", style="dim italic" if comment else ("" if line.ran else "dim"))
        prev = line.lineno
    if ex.more:
        text.append(" " * width + f" ⋮ {narrate.plural(ex.more, 'more line')} ran\n", style="dim")
    text.rstrip()
    return text


# -- chain and check -----------------------------------------------------------------------------
def _fit(text: str, width: int, keep_end: bool = False) -> str:
    """Shorten to width with an ellipsis; paths keep their end (file:line), names their start."""
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1):] if keep_end else text[:width - 1] + "…"


def chain_block(chain: tuple[Frame, ...], plumbing: bool, width: int = 80) -> Group:
    shown = [f for f in chain if plumbing or not f.plumbing]
    folded = len(chain) - len(shown)
    head = Text("Call chain", style="bold")
    head.append("  captured from the real stack, outermost first", style="dim")
    sub = Text(f"  {folded} plumbing frames (error handlers, dispatch) folded; --plumbing shows them"
               if folded else "  plumbing frames shown dim", style="dim")
    names = [("→ " if i else "  ") + f.function for i, f in enumerate(shown)]
    name_width = min(max((len(n) for n in names), default=0), 44)
    place_width = max(20, width - 2 - name_width - 2)
    body = Text(no_wrap=True)
    for i, (f, name) in enumerate(zip(shown, names)):
        if i:
            body.append("\n")
        body.append("  " + _fit(name, name_width).ljust(name_width) + "  ",
                    style="dim" if f.plumbing else ("bold cyan" if f.landmark else ""))
        body.append(_fit(f"{f.file}:{f.line}", place_width, keep_end=True), style="dim")
    return Group(Headline(head), sub, body)


def answer_block(trace: Trace) -> Group | None:
    """The learner's question answered in two sentences, from this run's facts."""
    body = narrate.in_short(trace.facts)
    if body is None:
        return None
    return Group(Headline("In short"), _indent(Prose(body), (0, 0, 0, 2)))


def calls_block(trace: Trace, width: int) -> Group | None:
    """Several calls of the same layer or function: state before and after, and each call's mask."""
    f = trace.facts
    if len(trace.calls) < 2:
        return None
    head = Text("Calls", style="bold")
    head.append("  the same layer or function, called again on the same input", style="dim")
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for name in ("call", "state before", "state after", "seed used", "kept"):
        table.add_column(name, no_wrap=True)
    table.add_column("mask", no_wrap=True)
    for c, cf in zip(trace.calls, f.calls):
        mask = (grid(np.broadcast_to(c.keep_mask, c.output.shape).reshape(c.output.shape[0], -1), "mask", 40)
                if c.keep_mask is not None else Text("no draw"))
        same = Text("  same as call 1" if cf.same_mask_as_first and c.index > 1 else "", style="dim")
        table.add_row(str(c.index), _state(cf.state_before), _state(cf.state_after), _state(cf.seed_used),
                      "-" if cf.kept is None else f"{cf.kept:,}", Text.assemble(mask, same))
    parts = [Headline(head), _indent(table, (0, 0, 0, 2))]
    for line in narrate.calls_summary(f):
        parts.append(_indent(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


def replicas_block(trace: Trace) -> Group | None:
    """--replicas: each replica's random state and seed, its mask and check, then whether they agree and why."""
    f = trace.facts
    if not f.replicas or not trace.calls:  # the library refused: no replica finished a call
        return None
    head = Text("Replicas", style="bold")
    head.append("  MirroredStrategy: strategy.run inside the tf.function, call 1", style="dim")
    columns = [("replica", lambda r: str(r.replica)), ("device", lambda r: r.device.rsplit("device:", 1)[-1]),
               ("rows", lambda r: f"{r.first_row + 1}–{r.first_row + r.rows}")]
    optional = [("state before", "state_before", _state), ("state after", "state_after", _state),
                ("seed used", "seed_used", _state), ("key, replica hashed in", "key_out", narrate.ints)]
    for name, attr, show in optional:  # a column only where some replica has the value
        if any(getattr(r, attr) is not None for r in f.replicas):
            columns.append((name, lambda r, attr=attr, show=show: show(getattr(r, attr))))
    states = _plain_table([name for name, _ in columns])
    masks = _plain_table(["replica", "mask", "vs replica 0", "check"])
    for r, rec in zip(f.replicas, trace.snapshot.replicas):
        states.add_row(*[cell(r) for _, cell in columns])
        c = rec.calls[0]
        mask = (grid(np.broadcast_to(c.keep_mask, c.output.shape).reshape(c.output.shape[0], -1), "mask", 40)
                if c.keep_mask is not None else Text("no draw"))
        drew = c.keep_mask is not None
        same = "-" if not r.replica or not drew else ("same" if r.same_mask else "differs")
        ok = r.check is not None and r.check.passed
        mark = Text("✓", style="bold green") if ok else Text("✗", style="bold red")
        masks.add_row(str(r.replica), mask, same, mark)
    parts = [Headline(head), _indent(states, (0, 0, 0, 2)), _indent(masks, (1, 0, 0, 2))]
    reps = narrate.replica_rows(f)
    for line in (narrate.replicas_agreement(f.replicas_agree, reps), narrate.replicas_why(f.replica_reason, reps),
                 narrate.replicas_lesson(f.replicas_agree, f.replica_reason, reps)):
        if line:
            parts.append(_indent(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


def _plain_table(names: list[str]) -> Table:
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for name in names:
        table.add_column(name, no_wrap=name != "key, replica hashed in")
    return table


def _state(values) -> str:
    return "-" if values is None else narrate.listed(values)


def refusal_block(trace: Trace) -> Group | None:
    lines = narrate.refusal(trace.facts)
    if not lines:
        return None
    head = Text("The library refused the call", style="bold red")
    body = Prose("\n".join(lines))
    return Group(Headline(head), _indent(body, (0, 0, 0, 2)))


def check_block(trace: Trace) -> Group:
    c = trace.check
    head = Text("Check", style="bold")
    head.append("  does the explanation reproduce the library, bit for bit?", style="dim")
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for ok, label in narrate.check_rows(trace.facts, c):
        mark = ("–", "dim") if ok is None else (("✓", "bold green") if ok else ("✗", "bold red"))
        table.add_row(Text(mark[0], style=mark[1]), Prose(label))
    passed = c.passed and all(r.check is not None and r.check.passed for r in trace.facts.replicas)
    verdict = Text("check passed" if passed else "check FAILED", style="bold green" if passed else "bold red")
    return Group(Headline(head), _indent(table, (0, 0, 0, 2)), _indent(verdict, (0, 0, 0, 2)))


def signature(trace: Trace) -> str:
    shape, n = trace.shape, trace.spec.replicas
    if n and shape[0] is not None:  # the tf.function takes the global batch: every replica's rows
        shape = (shape[0] * n, *shape[1:])
    return f"tf.TensorSpec({dims(shape)}, tf.{trace.dtype})"


def header_block(trace: Trace) -> Group:
    title = Text("dropout-trace", style="bold")
    title.append("  the real Dropout call chain, stage by stage", style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    f = trace.facts
    table.add_row("call", Text(trace.call, style="bold cyan"))
    table.add_row("mode", Prose(narrate.mode_line(f, signature(trace))))
    if trace.mode == "graph":
        shapes = f"shape {dims(trace.shape)} while tracing → {dims(trace.run_shape)} at run time"
    else:
        shapes = f"shape {dims(trace.run_shape)}"
    table.add_row("input", Prose(f"{trace.input_kind} values, {trace.dtype}, {shapes}"))
    if trace.noise_shape is not None:
        table.add_row("noise", Prose(f"noise_shape={dims(trace.noise_shape)}: a size-1 axis shares one draw"))
    table.add_row("seed", Text("none (unseeded)" if trace.seed is None else str(trace.seed)))
    v = trace.versions
    lib = (f"tf-keras {v['tf_keras']}" if trace.api == "tf-keras" else f"Keras {v['keras']}")
    table.add_row("versions", Text(f"TensorFlow {v['tensorflow']} · {lib} · Python {v['python']}"))
    for note in narrate.notes(f):
        table.add_row("note", Prose(note, style="dim"))
    return Group(title, _indent(table, (0, 0, 0, 2)))


class Pause(str):
    """A place to wait in step mode; its text names what comes next."""


def render_trace(trace: Trace, console: Console, plumbing: bool = False, brief: bool = False, step: bool = False,
                 stages: tuple[str, ...] | None = None) -> None:
    """Print the whole trace: header, chain, one block per stage, calls, the answer, the check.

    brief: the projector view (brief_blocks); step: wait for Enter before each stage (q raises pause.Quit);
    stages: only these stage blocks (by name); the header, chain, answer and check always print.
    """
    from .pause import Pauser, Quit

    pauser = Pauser(step, console)

    def build(width: int):
        return brief_blocks(trace, width, stages) if brief else trace_blocks(trace, width, plumbing, stages)

    with fitted(console, build) as blocks:
        for block in blocks:
            if isinstance(block, Pause):
                try:
                    pauser.wait(block)
                except Quit:
                    console.print(f"stopped before {block}", style="dim", markup=False, highlight=False)
                    raise
            elif block is None:
                console.print()
            else:
                console.print(block)


def _picked(trace: Trace, stages: tuple[str, ...] | None) -> list[tuple[int, Stage]]:
    return [(i, s) for i, s in enumerate(trace.stages, 1) if stages is None or s.key in stages]


def _skipped_run(picked: list, i: int, stage: Stage) -> list[Stage]:
    """Pop the stages right after `stage` that the library left at the same place: one explanation serves all."""
    skipped = [stage]
    while (picked and picked[0][0] == i + len(skipped) and picked[0][1].status == "not_reached"
           and picked[0][1].stopped == stage.stopped):
        skipped.append(picked.pop(0)[1])
    return skipped


def trace_blocks(trace: Trace, width: int, plumbing: bool = False, stages: tuple[str, ...] | None = None):
    """The full view as renderables in order; None is a blank line, a Pause a place to wait in step mode."""
    yield header_block(trace)
    yield None
    yield chain_block(trace.chain, plumbing, width)
    shown: set = set()
    picked = _picked(trace, stages)
    total = len(trace.stages)
    while picked:
        i, stage = picked.pop(0)
        yield Pause(f"stage {i} of {total}, {stage.key}")
        yield None
        if stage.status != "not_reached":
            yield stage_block(i, stage, trace, width, shown)
            continue
        yield skipped_block(i, _skipped_run(picked, i, stage))
    tail = [b for b in (refusal_block(trace), calls_block(trace, width), replicas_block(trace), answer_block(trace))
            if b is not None]
    if tail or trace.check:
        yield Pause("the answer and the check")
    for block in tail:
        yield None
        yield block
    if trace.check:
        yield None
        yield check_block(trace)


# -- brief: the projector view, at most a screen --------------------------------------------------
BRIEF_ROWS, BRIEF_EDGE = 4, 1  # grid rows shown in brief; beyond, the first and last with ⋮ between


def _shapes_brief(stage: Stage, mode: str) -> str:
    """static → run-time shapes of the stage's subject; eager has one shape, the seed no shape of x."""
    if stage.key == "seed" or stage.static_shape is None and stage.dynamic_shape is None:
        return ""
    run = "never ran" if stage.dynamic_shape is None else dims(stage.dynamic_shape)
    if mode == "eager" and stage.dynamic_shape is not None:
        return run
    return f"{dims(stage.static_shape)} → {run}"


def compact_mask(mask: np.ndarray, shape: tuple, width: int) -> str:
    """One word of ●/○ per sample (its row), cut with … beyond width."""
    rows = np.broadcast_to(mask, shape).reshape(shape[0], -1) if len(shape) else np.reshape(mask, (1, -1))
    text = " ".join("".join(KEPT if v else DROPPED for v in row) for row in rows)
    return _fit(text, max(width, 4))


def _brief_grid(stage: Stage, trace: Trace, width: int, shown: set) -> Text | None:
    """The uniforms, mask or output of a stage, one row per sample, a few rows at most."""
    kind = GRID_KIND.get(stage.key)
    subject = stage.value(stage.subject) if stage.subject else None
    if kind is None or not isinstance(subject, TensorView) or subject.value is None:
        return None
    key = (subject.symbolic or stage.subject, subject.dynamic_shape, subject.value.tobytes())
    if key in shown:
        return None
    shown.add(key)
    value = subject.value
    value = value.reshape(value.shape[0], -1) if value.ndim >= 3 else value
    return grid(value, kind, width, trace.rate, rows=(BRIEF_ROWS, BRIEF_EDGE))


def brief_header(trace: Trace, width: int) -> Table:
    f, v = trace.facts, trace.versions
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("call", Text(trace.call, style="bold cyan"))
    lib = f"tf-keras {v['tf_keras']}" if trace.api == "tf-keras" else f"Keras {v['keras']}"
    table.add_row("run", Prose(f"{narrate.mode_brief(f)} · {trace.input_kind} {trace.dtype} input · "
                              f"TensorFlow {v['tensorflow']} · {lib}"))
    table.add_row("chain", chain_line([fr for fr in trace.chain if not fr.plumbing], width - 7))
    for note in narrate.notes_brief(f):
        table.add_row("note", Prose(note, style="dim"))
    return table


def chain_line(frames: list[Frame], width: int) -> Text:
    """The chain's function names joined by →, wrapped between names, never inside one."""
    text, used = Text(), 0
    for i, fr in enumerate(frames):
        word = ("→ " if i else "") + fr.function
        if used and used + 1 + len(word) > width:
            text.append("\n")
            used = 0
        elif used:
            text.append(" ")
            used += 1
        text.append(word, style="bold cyan" if fr.landmark else "")
        used += len(word)
    return text


def _brief_table(widths: tuple[int, int, int], width: int) -> Table:
    """Columns: number, stage, shapes (left out when too narrow: they go above the words), words."""
    table = Table.grid(padding=(0, 1, 0, 0))
    table.add_column(width=widths[0], justify="right", no_wrap=True)
    table.add_column(width=widths[1], no_wrap=True)
    if widths[2]:
        table.add_column(width=widths[2] + 1, overflow="fold")  # one more space before the words
    table.add_column(width=_cell(widths, width), overflow="fold")
    return table


def _cell(widths: tuple[int, int, int], width: int) -> int:
    return max(12, width - sum(widths) - (5 if widths[2] else 2))


def _brief_entries(trace: Trace, stages: tuple[str, ...] | None) -> list[tuple[int, list[Stage]]]:
    """The rows of the brief view: a stage each, or a run of stages the library left at the same place."""
    picked, out = _picked(trace, stages), []
    while picked:
        i, stage = picked.pop(0)
        out.append((i, _skipped_run(picked, i, stage) if stage.status == "not_reached" else [stage]))
    return out


def brief_blocks(trace: Trace, width: int, stages: tuple[str, ...] | None = None):
    """The projector view: the chain on one line, one short row per stage with its shapes and grid, the check."""
    f = trace.facts
    yield brief_header(trace, width)
    entries = _brief_entries(trace, stages)
    total = len(trace.stages)
    shapes = {i: _shapes_brief(run[0], trace.mode) for i, run in entries if run[0].status != "not_reached"}
    widths = (len(str(total)), max([len("stage")] + [len(run[0].key) for _, run in entries]),
              min(max((len(t) for t in shapes.values()), default=0), max(8, width * 2 // 5)))
    if _cell(widths, width) < 24:  # a narrow screen: each stage's shapes go above its words
        widths = (*widths[:2], 0)
    cell = _cell(widths, width)
    if entries:
        yield None
        head = _brief_table(widths, width)
        run_head = "shape" if trace.mode == "eager" else "traced → run"
        head.add_row("", "stage", *([run_head] if widths[2] else []),
                     ("call 1" if len(trace.calls) > 1 else "") if widths[2] else run_head, style="dim")
        yield head
    shown: set = set()
    for i, run in entries:
        stage = run[0]
        yield Pause(f"stage {i} of {total}, {stage.key}")
        if stage.status == "not_reached":
            span = f"{i}" if len(run) == 1 else f"{i}–{i + len(run) - 1}"
            row = Table.grid(padding=(0, 1, 0, 0))
            row.add_column(no_wrap=True, justify="right", min_width=widths[0])
            row.add_column(overflow="fold")
            row.add_row(Text(span, style="bold"),
                        Prose(narrate.not_reached_brief(stage.stopped, [s.key for s in run]), style="yellow"))
            yield row
            continue
        row = _brief_table(widths, width)
        words = narrate.missing(stage) if stage.status == "missing" else narrate.brief(stage, f, trace.check)
        body = Prose(words, style="bold red" if stage.status in ("missing", "raised") else "")
        picture = _brief_grid(stage, trace, cell, shown)
        cells = [Text(str(i), style="bold"), Text(stage.key, style="bold cyan")]
        words = [body] if picture is None else [body, picture]
        if widths[2]:
            cells.append(Text(shapes[i], style="dim"))
        elif shapes[i]:
            words.insert(0, Text(shapes[i], style="dim"))
        row.add_row(*cells, Group(*words) if len(words) > 1 else body)
        yield row
    tail = [b for b in (refusal_block(trace), brief_calls(trace, width), brief_replicas(trace, width))
            if b is not None]
    end = brief_end(trace)
    if tail or end.row_count:
        yield Pause("the answer and the check")
    for block in tail + ([end] if end.row_count else []):
        yield None
        yield block


def brief_end(trace: Trace) -> Table:
    """The answer in a line or two, then the check's rows in a few words and its verdict."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    answer = narrate.in_short_brief(trace.facts)
    if answer:
        table.add_row("in short", Prose(answer))
    c = trace.check
    if c is not None:
        line = Text()
        for ok, label in narrate.check_brief(trace.facts, c):
            mark = ("–", "dim") if ok is None else (("✓", "bold green") if ok else ("✗", "bold red"))
            line.append(mark[0], style=mark[1])
            line.append(f" {label}  ")
        passed = c.passed and all(r.check is not None and r.check.passed for r in trace.facts.replicas)
        line.append("check passed" if passed else "check FAILED", style="bold green" if passed else "bold red")
        table.add_row("check", line)
    return table


def brief_calls(trace: Trace, width: int) -> Group | None:
    """Several calls: one row each, the mask as one word per sample, then why they repeat or differ."""
    f = trace.facts
    if len(trace.calls) < 2:
        return None
    has_state = any(cf.state_before is not None or cf.state_after is not None for cf in f.calls)
    names = ["call"] + (["state before → after"] if has_state else []) + ["seed used", "kept", "mask"]
    table = _plain_table(names)
    for c, cf in zip(trace.calls, f.calls):
        cells = [str(c.index)]
        if has_state:
            cells.append(f"{_state(cf.state_before)} → {_state(cf.state_after)}")
        cells += [_state(cf.seed_used), "-" if cf.kept is None else f"{cf.kept:,}"]
        mask = Text("no draw") if c.keep_mask is None else Text(compact_mask(c.keep_mask, c.output.shape, 40))
        if cf.same_mask_as_first and c.index > 1:
            mask.append("  same as call 1", style="dim")
        table.add_row(*cells, mask)
    return Group(table, *[Prose(line) for line in narrate.calls_summary(f)])


def brief_replicas(trace: Trace, width: int) -> Group | None:
    """--replicas: one row per replica (seed, mask, agreement, check), then why they agree or differ."""
    f = trace.facts
    if not f.replicas or not trace.calls:
        return None
    table = _plain_table(["replica", "rows", "seed used", "mask", "vs replica 0", "check"])
    for r, rec in zip(f.replicas, trace.snapshot.replicas):
        c = rec.calls[0]
        drew = c.keep_mask is not None
        mask = compact_mask(c.keep_mask, c.output.shape, 30) if drew else "no draw"
        same = "-" if not r.replica or not drew else ("same" if r.same_mask else "differs")
        ok = r.check is not None and r.check.passed
        table.add_row(str(r.replica), f"{r.first_row + 1}–{r.first_row + r.rows}", _state(r.seed_used), mask, same,
                      Text("✓", style="bold green") if ok else Text("✗", style="bold red"))
    reps = narrate.replica_rows(f)
    lines = (narrate.replicas_agreement(f.replicas_agree, reps), narrate.replicas_why(f.replica_reason, reps),
             narrate.replicas_lesson(f.replicas_agree, f.replica_reason, reps))
    return Group(table, *[Prose(line) for line in lines if line])


def parse_stages(text: str | None) -> tuple[str, ...] | None:
    """--stages a,b,...: stage names or their 1-based numbers, checked before any work is done."""
    from .spec import UsageError
    from .stages import STAGE_NAMES

    if text is None:
        return None
    valid = ", ".join(f"{i} {name}" for i, name in enumerate(STAGE_NAMES, 1))
    picked = []
    for raw in text.split(","):
        item = raw.strip().lower()
        if item.isascii() and item.isdigit() and len(item) < 4 and 1 <= int(item) <= len(STAGE_NAMES):  # not '³'
            item = STAGE_NAMES[int(item) - 1]
        if item not in STAGE_NAMES:
            raise UsageError(f"--stages {text!r}: {raw.strip()!r} is not a stage; give names or numbers from: {valid}")
        if item not in picked:
            picked.append(item)
    return tuple(picked)
