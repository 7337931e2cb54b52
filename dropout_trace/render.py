"""Terminal rendering with rich: the only module that knows about consoles, colour and width."""

from __future__ import annotations

import os
import sys
from typing import IO

import numpy as np
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from . import narrate
from .model import Excerpt, Frame, ListView, PyValue, Stage, TensorView, Trace, Value
from .spec import shape_text

KEPT, DROPPED = "●", "○"
MAX_ROWS, EDGE_ROWS = 8, 3  # beyond MAX_ROWS rows, show EDGE_ROWS at each end (numpy-style)
MAX_SLICES = 2  # rank >= 3: leading slices shown before summarising
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
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests."""
    from rich.theme import Theme

    file = file or sys.stdout
    if color is None:
        color = wants_colour(file)
    return _Console(file=file, width=width, color_system="truecolor" if color and record else (
                   "auto" if color else None), no_color=not color, force_terminal=color, highlight=False,
                   soft_wrap=False, record=record, theme=Theme(LIGHT) if theme == "light" else None)


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


def grid(value: np.ndarray, kind: str, width: int, rate: float = 0.0) -> Text:
    """A compact, aligned 2-D view; rank >= 3 is shown slice by slice, large tensors summarised."""
    if value.ndim == 0:
        return Text(cell_number(value[()]))
    if value.ndim == 1:
        return _grid2d(value.reshape(1, -1), kind, width, "", rate)
    if value.ndim == 2:
        return _grid2d(value, kind, width, "", rate)
    out = Text()
    lead = value.shape[:-2]
    count = int(np.prod(lead))
    picks = _pick(count, MAX_SLICES + 1, 1) if count > MAX_SLICES + 1 else list(range(count))
    for i, k in enumerate(picks):
        if i:
            out.append("\n")
        if k is None:
            out.append(f"⋮ {count - 2} more slices", style="dim")
            continue
        index = np.unravel_index(k, lead)
        out.append("[" + ", ".join(str(int(j)) for j in index) + ", :, :]\n", style="dim")
        out.append_text(_grid2d(value[index], kind, width, "  ", rate))
    return out


def _grid2d(m: np.ndarray, kind: str, width: int, prefix: str, rate: float) -> Text:
    rows = _pick(m.shape[0], MAX_ROWS, EDGE_ROWS)
    if kind == "mask":
        cell = 1
    else:
        shown = [m[r, c] for r in rows if r is not None for c in range(m.shape[1])]
        cell = max((len(cell_number(v)) for v in shown), default=1)
    max_cols = max(2, (width - len(prefix) - 4) // (cell + 1))
    cols = _pick(m.shape[1], max_cols, max(1, (max_cols - 1) // 2))
    text = Text()
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


def grid_caption(value: np.ndarray, kind: str) -> Text:
    text = Text(f"shape {dims(value.shape)} · {value.size:,} values", style="dim")
    if value.ndim >= 2 and (value.shape[0] > MAX_ROWS or value.size > MAX_ROWS * 32):
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


GRID_KIND = {"uniform": "random", "keep_mask": "mask", "output": "output"}


def stage_block(index: int, stage: Stage, trace: Trace, width: int, shown: set) -> Group:
    f = trace.facts
    parts = [Rule(Text(f"{index} · {narrate.title(stage, f)}", style="bold"), align="left", style="dim")]
    if stage.function:
        where = Text(stage.function.qualname, style="bold cyan")
        where.append(f"  {stage.function.file}:{stage.function.line}", style="dim")
        parts.append(_indent(where, (0, 0, 0, 2)))
    if stage.status == "missing":
        parts.append(_indent(Text(narrate.missing(stage), style="bold red"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "not_reached":
        parts.append(_indent(Text(narrate.stopped(stage.stopped), style="yellow"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "raised":
        parts.append(_indent(Text("the library raised here; see below", style="bold red"), (0, 0, 0, 2)))
    else:
        parts.append(_indent(Text(narrate.idea(stage, f), style="italic"), (0, 0, 0, 2)))
    for i, ex in enumerate(stage.excerpts):  # name the function unless the heading just did
        parts.append(_indent(excerpt_text(ex, header=not (i == 0 and ex.function == stage.function)),
                             (0, 0, 0, 2)))
    if not stage.values:
        return Group(*parts)
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("value", no_wrap=True)
    table.add_column("while tracing (static)" if trace.mode == "graph" else "static (eager: concrete)")
    table.add_column("at run time" if len(trace.calls) < 2 else "at run time, call 1")
    table.add_column("", style="dim", ratio=1)
    for nv in stage.values:
        table.add_row(Text(nv.label), static_cell(nv.value, trace.mode), dynamic_cell(nv.value),
                      Text(narrate.value_note(stage, nv.label, f)))
    parts.append(_indent(table, (1, 0, 0, 2)))
    subject = stage.value(stage.subject) if stage.subject else None
    if isinstance(subject, TensorView) and subject.value is not None and not is_small(subject):
        key = (subject.symbolic or stage.subject, subject.dynamic_shape, subject.value.tobytes())
        if key not in shown:
            shown.add(key)
            kind = GRID_KIND.get(stage.key, "values")
            parts.append(_indent(grid(subject.value, kind, width - 4, trace.rate), (1, 0, 0, 4)))
            parts.append(_indent(grid_caption(subject.value, kind), (0, 0, 0, 4)))
    if stage.key == "keep_mask":
        line = narrate.probabilities_line(f)
        if line:
            parts.append(_indent(Text(line), (1, 0, 0, 4)))
    if stage.key == "output" and trace.check:
        parts.append(_indent(Text(narrate.kept_line(f, trace.check)), (0, 0, 0, 4)))
    return Group(*parts)


def skipped_block(first: int, stages: list[Stage]) -> Group:
    last = first + len(stages) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    head = Text(f"{span} · " + ("this stage was" if first == last else "these stages were") + " not reached",
                style="bold")
    return Group(Rule(head, align="left", style="dim"),
                 _indent(Text(narrate.stopped(stages[0].stopped), style="yellow"), (0, 0, 0, 2)))


def excerpt_text(ex: Excerpt, header: bool = True) -> Text:
    """Installed source lines: run lines bright, comments and skipped lines dim, gaps marked ⋮."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if header:
        text.append(f"{ex.function.qualname}  ", style="cyan")
        text.append(f"{ex.function.file}:{ex.function.line}\n", style="dim")
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
        text.append(" " * width + f" ⋮ {ex.more} more lines ran\n", style="dim")
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
    body = Text()
    for i, (f, name) in enumerate(zip(shown, names)):
        if i:
            body.append("\n")
        body.append("  " + _fit(name, name_width).ljust(name_width) + "  ",
                    style="dim" if f.plumbing else ("bold cyan" if f.landmark else ""))
        body.append(_fit(f"{f.file}:{f.line}", place_width, keep_end=True), style="dim")
    return Group(Rule(head, align="left", style="dim"), sub, body)


def answer_block(trace: Trace) -> Group | None:
    """The learner's question answered in two sentences, from this run's facts."""
    body = narrate.in_short(trace.facts)
    if body is None:
        return None
    return Group(Rule(Text("In short", style="bold"), align="left", style="dim"), _indent(Text(body), (0, 0, 0, 2)))


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
    parts = [Rule(head, align="left", style="dim"), _indent(table, (0, 0, 0, 2))]
    for line in narrate.calls_summary(f):
        parts.append(_indent(Text(line), (1, 0, 0, 2)))
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
    parts = [Rule(head, align="left", style="dim"), _indent(states, (0, 0, 0, 2)), _indent(masks, (1, 0, 0, 2))]
    reps = narrate.replica_rows(f)
    for line in (narrate.replicas_agreement(f.replicas_agree, reps), narrate.replicas_why(f.replica_reason, reps),
                 narrate.replicas_lesson(f.replicas_agree, f.replica_reason, reps)):
        if line:
            parts.append(_indent(Text(line), (1, 0, 0, 2)))
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
    body = Text("\n".join(lines))
    return Group(Rule(head, align="left", style="dim"), _indent(body, (0, 0, 0, 2)))


def check_block(trace: Trace) -> Group:
    c = trace.check
    head = Text("Check", style="bold")
    head.append("  does the explanation reproduce the library, bit for bit?", style="dim")
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for ok, label in narrate.check_rows(trace.facts, c):
        mark = ("–", "dim") if ok is None else (("✓", "bold green") if ok else ("✗", "bold red"))
        table.add_row(Text(mark[0], style=mark[1]), Text(label))
    passed = c.passed and all(r.check is not None and r.check.passed for r in trace.facts.replicas)
    verdict = Text("check passed" if passed else "check FAILED", style="bold green" if passed else "bold red")
    return Group(Rule(head, align="left", style="dim"), _indent(table, (0, 0, 0, 2)), _indent(verdict, (0, 0, 0, 2)))


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
    table.add_column()
    f = trace.facts
    table.add_row("call", Text(trace.call, style="bold cyan"))
    table.add_row("mode", Text(narrate.mode_line(f, signature(trace))))
    if trace.mode == "graph":
        shapes = f"shape {dims(trace.shape)} while tracing → {dims(trace.run_shape)} at run time"
    else:
        shapes = f"shape {dims(trace.run_shape)}"
    table.add_row("input", Text(f"{trace.input_kind} values, {trace.dtype}, {shapes}"))
    if trace.noise_shape is not None:
        table.add_row("noise", Text(f"noise_shape={dims(trace.noise_shape)}: a size-1 axis shares one draw"))
    table.add_row("seed", Text("none (unseeded)" if trace.seed is None else str(trace.seed)))
    v = trace.versions
    lib = (f"tf-keras {v['tf_keras']}" if trace.api == "tf-keras" else f"Keras {v['keras']}")
    table.add_row("versions", Text(f"TensorFlow {v['tensorflow']} · {lib} · Python {v['python']}"))
    for note in narrate.notes(f):
        table.add_row("note", Text(note, style="dim"))
    return Group(title, _indent(table, (0, 0, 0, 2)))


def render_trace(trace: Trace, console: Console, plumbing: bool = False) -> None:
    """Print the whole trace: header, chain, one block per stage, calls, the answer, the check."""
    width = console.width
    console.print(header_block(trace))
    console.print()
    console.print(chain_block(trace.chain, plumbing, width))
    shown: set = set()
    stages = list(enumerate(trace.stages, 1))
    while stages:
        i, stage = stages.pop(0)
        console.print()
        if stage.status != "not_reached":
            console.print(stage_block(i, stage, trace, width, shown))
            continue
        skipped = [stage]  # consecutive stages the library never reached share one explanation
        while stages and stages[0][1].status == "not_reached" and stages[0][1].stopped == stage.stopped:
            skipped.append(stages.pop(0)[1])
        console.print(skipped_block(i, skipped))
    for block in (refusal_block(trace), calls_block(trace, width), replicas_block(trace), answer_block(trace)):
        if block is not None:
            console.print()
            console.print(block)
    if trace.check:
        console.print()
        console.print(check_block(trace))
