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

from .model import Excerpt, Frame, ListView, PyValue, Stage, TensorView, Trace, Value
from .spec import shape_text

KEPT, DROPPED = "●", "○"
MAX_ROWS, EDGE_ROWS = 8, 3  # beyond MAX_ROWS rows, show EDGE_ROWS at each end (numpy-style)
MAX_SLICES = 2  # rank >= 3: leading slices shown before summarising
INLINE_MAX = 8  # vectors up to this many values are shown inline, not as a grid


def _indent(renderable, pad) -> Padding:
    """Padding that does not stretch a short line to the console width."""
    return Padding(renderable, pad, expand=False)


def make_console(file: IO | None = None, width: int | None = None, color: bool | None = None) -> Console:
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests."""
    file = file or sys.stdout
    if color is None:
        color = file.isatty() and "NO_COLOR" not in os.environ
    return Console(file=file, width=width, color_system="auto" if color else None, no_color=not color,
                   force_terminal=color, highlight=False, soft_wrap=False)


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
    parts = [Rule(Text(f"{index} · {stage.title}", style="bold"), align="left", style="dim")]
    if stage.function:
        where = Text(stage.function.qualname, style="bold cyan")
        where.append(f"  {stage.function.file}:{stage.function.line}", style="dim")
        parts.append(_indent(where, (0, 0, 0, 2)))
    if not stage.reached:
        parts.append(_indent(Text(stage.note, style="yellow"), (0, 0, 0, 2)))
        return Group(*parts)
    parts.append(_indent(Text(stage.idea, style="italic"), (0, 0, 0, 2)))
    for i, ex in enumerate(stage.excerpts):  # name the function unless the heading just did
        parts.append(_indent(excerpt_text(ex, header=not (i == 0 and ex.function == stage.function)),
                             (0, 0, 0, 2)))
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("value", no_wrap=True)
    table.add_column("while tracing (static)" if trace.mode == "graph" else "static (eager: concrete)")
    table.add_column("at run time")
    table.add_column("", style="dim", ratio=1)
    for nv in stage.values:
        table.add_row(Text(nv.label), static_cell(nv.value, trace.mode), dynamic_cell(nv.value), Text(nv.note))
    parts.append(_indent(table, (1, 0, 0, 2)))
    subject = stage.value(stage.subject) if stage.subject else None
    if isinstance(subject, TensorView) and not is_small(subject):
        key = (subject.symbolic or stage.subject, subject.dynamic_shape, subject.value.tobytes())
        if key not in shown:
            shown.add(key)
            kind = GRID_KIND.get(stage.key, "values")
            parts.append(_indent(grid(subject.value, kind, width - 4, trace.rate), (1, 0, 0, 4)))
            parts.append(_indent(grid_caption(subject.value, kind), (0, 0, 0, 4)))
    if stage.key == "output" and trace.check:
        c = trace.check
        parts.append(_indent(Text(
            f"kept {c.kept} of {c.total} = {c.kept_fraction:.1%}   (expected 1 - rate = {1 - c.rate:.1%}; "
            "a small sample varies)"), (0, 0, 0, 4)))
    return Group(*parts)


def skipped_block(first: int, stages: list[Stage]) -> Group:
    last = first + len(stages) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    head = Text(f"{span} · " + ("this stage was" if first == last else "these stages were") + " not reached",
                style="bold")
    return Group(Rule(head, align="left", style="dim"), _indent(Text(stages[0].note, style="yellow"), (0, 0, 0, 2)))


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
    """The learner's question answered in two sentences, from this run's captured values."""
    stage = trace.stage("noise_shape")
    if not stage.reached or stage.dynamic_shape is None:
        return None
    head = Text("In short", style="bold")
    draws = int(np.prod(stage.dynamic_shape))
    total = int(np.prod(trace.run_shape))
    noise = stage.value("noise_shape")
    if trace.mode == "graph":
        if isinstance(noise, TensorView) and noise.symbolic:
            what = f"a tensor ({op_name(noise.symbolic)})"
        else:  # a list of sizes and scalar tensors sliced from tf.shape(x)
            what = "a list of sizes and tensors taken from tf.shape(x)"
        first = (f"While tracing, x had shape {dims(trace.shape)} and the noise shape was {what} "
                 f"whose value was only partly known: {known(stage.static_shape)}. ")
        then = f"When the graph ran it held {inline(np.asarray(stage.dynamic_shape))}"
    else:
        first = "Eagerly there is no tracing: every shape is concrete from the start. "
        then = f"The noise shape was {inline(np.asarray(stage.dynamic_shape))}"
    share = ("one per element, so every sample got its own" if draws == total
             else f"each shared along the axes where the noise size is 1, across {total:,} elements")
    body = Text(first + then + f", and the sampler drew {draws:,} uniforms: {share}.")
    return Group(Rule(head, align="left", style="dim"), _indent(body, (0, 0, 0, 2)))


def check_block(trace: Trace) -> Group:
    c = trace.check
    head = Text("Check", style="bold")
    head.append("  does the explanation reproduce the library, bit for bit?", style="dim")
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    rows = [
        (c.mask_matches, f"keep_mask == (random >= rate) for all {c.total:,} elements" if c.dropped
         else "no mask was drawn: the library returned before sampling"),
        (c.bit_exact, f"output == {c.recipe}"),
        (c.fresh_layer_equal, f"output == {c.reference}"),
    ]
    for ok, label in rows:
        table.add_row(Text("✓" if ok else "✗", style="bold green" if ok else "bold red"), Text(label))
    verdict = Text("check passed" if c.passed else "check FAILED", style="bold green" if c.passed else "bold red")
    return Group(Rule(head, align="left", style="dim"), _indent(table, (0, 0, 0, 2)), _indent(verdict, (0, 0, 0, 2)))


def header_block(trace: Trace) -> Group:
    title = Text("dropout-trace", style="bold")
    title.append("  the real Dropout call chain, stage by stage", style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("call", Text(trace.call, style="bold cyan"))
    table.add_row("mode", Text(trace.mode_detail))
    table.add_row("input", Text(f"{trace.input_kind} values, shape {dims(trace.shape)} while tracing → "
                                f"{dims(trace.run_shape)} at run time"))
    if trace.noise_shape is not None:
        table.add_row("noise", Text(f"noise_shape={dims(trace.noise_shape)}: a size-1 axis shares one draw"))
    table.add_row("seed", Text(str(trace.seed)))
    v = trace.versions
    table.add_row("versions", Text(f"TensorFlow {v['tensorflow']} · Keras {v['keras']} · Python {v['python']}"))
    for note in trace.notes:
        table.add_row("note", Text(note, style="dim"))
    return Group(title, _indent(table, (0, 0, 0, 2)))


def render_trace(trace: Trace, console: Console, plumbing: bool = False) -> None:
    """Print the whole trace: header, chain, one block per stage, the check."""
    width = console.width
    console.print(header_block(trace))
    console.print()
    console.print(chain_block(trace.chain, plumbing, width))
    shown: set = set()
    stages = list(enumerate(trace.stages, 1))
    while stages:
        i, stage = stages.pop(0)
        console.print()
        if stage.reached:
            console.print(stage_block(i, stage, trace, width, shown))
            continue
        skipped = [stage]  # consecutive stages the library never reached share one explanation
        while stages and not stages[0][1].reached and stages[0][1].note == stage.note:
            skipped.append(stages.pop(0)[1])
        console.print(skipped_block(i, skipped))
    answer = answer_block(trace)
    if answer is not None:
        console.print()
        console.print(answer)
    if trace.check:
        console.print()
        console.print(check_block(trace))
