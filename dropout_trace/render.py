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

from .model import CallNode, Excerpt, Frame, ListView, PyValue, Stage, TensorView, Trace, Value, fold_plumbing

KEPT, DROPPED = "●", "○"
MAX_ROWS, EDGE_ROWS = 8, 3  # beyond MAX_ROWS rows, show EDGE_ROWS at each end (numpy-style)
MAX_SLICES = 2  # rank >= 3: leading slices shown before summarising
INLINE_MAX = 8  # vectors up to this many values are shown inline, not as a grid


def _indent(renderable, pad) -> Padding:
    """Padding that does not stretch to the console width, so piped lines carry no trailing blanks."""
    return Padding(renderable, pad, expand=False)


def make_console(file: IO | None = None, width: int | None = None, color: bool | None = None) -> Console:
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests."""
    file = file or sys.stdout
    if color is None:
        color = file.isatty() and "NO_COLOR" not in os.environ
    return Console(file=file, width=width, color_system="auto" if color else None, no_color=not color,
                   force_terminal=color, highlight=False, soft_wrap=False)


# -- small formatting helpers ----------------------------------------------------------------
def dims(shape) -> str:
    """(None, 4) -> '(None, 4)'; an unknown rank -> 'unknown rank'."""
    if shape is None:
        return "unknown rank"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


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
    code = [l for l in ex.lines]
    indent = min((len(l.text) - len(l.text.lstrip()) for l in code if l.text.strip()), default=0)
    width = max((len(str(l.lineno)) for l in code), default=1)
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
        op = f" ({op_name(noise.symbolic)})" if isinstance(noise, TensorView) and noise.symbolic else ""
        first = (f"While tracing, x had shape {dims(trace.shape)} and the noise shape was a tensor{op} "
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


# -- the chain command -----------------------------------------------------------------------------
def tree_block(trace: Trace, plumbing: bool, width: int = 80) -> Group:
    """The captured call tree, two spaces a level: each call sits under the caller's line that made it."""
    nodes = trace.tree if plumbing else fold_plumbing(trace.tree)
    head = Text("Call tree", style="bold")
    head.append("  captured from the real stack; each call under the line that made it", style="dim")
    body = Text(no_wrap=True, overflow="ellipsis")

    def add(node: CallNode, depth: int) -> None:
        pad = "  " * depth
        if node.call_line:
            body.append(f"{pad}{node.call_line:>5} │ {node.call_source}\n", style="dim")
        name = f"{pad}{'└ ' if node.call_line else ''}{node.function}"
        body.append(name, style="dim" if node.plumbing else ("bold cyan" if node.landmark else "bold"))
        place = f"{node.file}:{node.line}"
        room = max(12, width - len(name) - 2)
        body.append("  " + _fit(place, room, keep_end=True) + "\n", style="dim")
        for child in node.children:
            add(child, depth + 1)

    for node in nodes:
        add(node, 0)
    body.rstrip()
    return Group(Text(trace.call, style="bold cyan"), Rule(head, align="left", style="dim"), body)


def source_block(ex: Excerpt) -> Group:
    """A landmark's full installed source; the lines that ran in this call are marked ▶."""
    head = Text(ex.function.qualname, style="bold cyan")
    head.append(f"  {ex.function.file}:{ex.function.line}", style="dim")
    ran = sum(line.ran for line in ex.lines)
    head.append(f"  {ran} of {len(ex.lines)} lines ran", style="dim")
    width = max((len(str(line.lineno)) for line in ex.lines), default=1)
    body = Text(no_wrap=True, overflow="ellipsis")
    for line in ex.lines:
        body.append("▶ " if line.ran else "  ", style="bold green")
        body.append(f"{line.lineno:>{width}} │ ", style="dim")
        body.append(line.text + "\n", style="bold" if line.ran else "dim")
    body.rstrip()
    return Group(Rule(head, align="left", style="dim"), body)


def render_chain(trace: Trace, console: Console, plumbing: bool = False, source: bool = False) -> None:
    console.print(tree_block(trace, plumbing, console.width))
    if not plumbing:
        console.print(Text("plumbing frames (error handlers, dispatch) folded; --plumbing shows them", style="dim"))
    if source:
        for ex in trace.sources:
            console.print()
            console.print(source_block(ex))


# -- the graph command -----------------------------------------------------------------------------
MARK_STYLE = {"shape": "bold yellow", "random": "bold blue", "compare": "bold green", "select": "bold red"}


def render_graph(view, console: Console) -> None:
    """The traced graph's ops in creation order; the dropout landmarks marked and explained."""
    from .graphview import MARKS, _shape_text

    console.print(Text(view.call, style="bold cyan"))
    head = Text("Graph ops", style="bold")
    head.append(f"  tf.function(input_signature=[{view.signature}]), in creation order", style="dim")
    console.print(Rule(head, align="left", style="dim"))
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    table.add_column("#", justify="right", style="dim")
    table.add_column("type", no_wrap=True)
    table.add_column("static shape", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("name", no_wrap=True)
    widths = [len(str(len(view.ops))), max(len(op.type) for op in view.ops),
              max(len(_shape_text(op.shapes)) for op in view.ops), 9]
    room = max(12, console.width - sum(widths) - 2 * len(widths) - 1)
    for op in view.ops:
        style = MARK_STYLE.get(op.mark, "")
        table.add_row(str(op.index), Text(op.type, style=style), Text(_shape_text(op.shapes)),
                      Text(f"◀ {op.mark}" if op.mark else "", style=style),
                      Text(_fit(op.name, room, keep_end=True), style="dim"))
    console.print(table)
    console.print()
    for mark, meaning in MARKS.items():
        found = [op for op in view.ops if op.mark == mark]
        line = Text(f"  ◀ {mark:<8}", style=MARK_STYLE[mark])
        if found:
            line.append(meaning)
        elif mark == "shape":
            line.append("no Shape op: every size was known while tracing, so tf.shape(x) became a Const")
        else:
            line.append(f"{meaning}: no such op in this graph")
        console.print(line)


# -- the compare command ---------------------------------------------------------------------------
def render_compare(c, console: Console) -> None:
    """Masks side by side, lettered by group; then which share a mask and why, from the captured seeds."""
    from rich.columns import Columns

    from .compare import differences

    spec = c.spec
    title = Text("Compare", style="bold")
    title.append(f"  rate {spec.rate:g} · shape {dims(spec.shape)} → {dims(spec.run_shape)} · seed {spec.seed} · "
                 f"{'eager' if spec.eager else 'graph'} · {spec.dtype}", style="dim")
    console.print(Rule(title, align="left", style="dim"))
    letter = {label: g.letter for g in c.groups for label in g.labels}
    blocks = []
    for e in c.entries:
        if e.mask is None:
            continue
        block = Text(f"{letter[e.label]} ", style="bold magenta")
        block.append(e.label + "\n", style="bold")
        block.append_text(grid(e.mask, "mask", 40))
        blocks.append(block)
    console.print(Columns(blocks, padding=(1, 3)))
    console.print(Text(f"{KEPT} kept  {DROPPED} dropped; masks broadcast to the input's shape", style="dim"))
    console.print()
    for g in c.groups:
        line = Text(f"{g.letter} ", style="bold magenta")
        line.append(", ".join(g.labels), style="bold")
        line.append(f": {g.reason}")
        console.print(line)
    for d in differences(c):
        console.print(Text(d, style="dim"))
    for e in c.entries:
        if e.skipped:
            console.print(Text(f"skipped {e.label}: {e.skipped}", style="yellow"))


# -- the versions command --------------------------------------------------------------------------
def render_versions(r, console: Console) -> None:
    v = r.versions
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("Python", Text(v["python"]))
    table.add_row("TensorFlow", Text(v["tensorflow"]))
    table.add_row("Keras", Text(v["keras"]))
    table.add_row("tf-keras", Text(v["tf_keras"] or "not installed"))
    table.add_row("tf.keras is", Text(r.tf_keras_is))
    console.print(Rule(Text("Installed", style="bold"), align="left", style="dim"))
    console.print(_indent(table, (0, 0, 0, 2)))
    console.print()
    console.print(Rule(Text("APIs", style="bold"), align="left", style="dim"))
    apis = Table.grid(padding=(0, 2))
    apis.add_column(no_wrap=True)
    apis.add_column(no_wrap=True)
    apis.add_column()
    for name, ok, detail in r.apis:
        apis.add_row(Text("✓" if ok else "✗", style="bold green" if ok else "bold red"), Text(name, style="bold"),
                     Text(detail, style="dim" if ok else "yellow"))
    console.print(_indent(apis, (0, 0, 0, 2)))
    console.print()
    head = Text("Compared with the TF 2.9 / Keras 2.9 account", style="bold")
    head.append("  read from the installed source", style="dim")
    console.print(Rule(head, align="left", style="dim"))
    for d in r.differences:
        line = Text("  ≠ " if d.differs else "  = ", style="bold yellow" if d.differs else "bold green")
        line.append(d.topic, style="bold")
        console.print(line)
        detail = Table.grid(padding=(0, 2))
        detail.add_column(style="dim", no_wrap=True)
        detail.add_column()
        detail.add_row("2.9 account", Text(d.account))
        detail.add_row("installed", Text(d.installed))
        console.print(_indent(detail, (0, 0, 0, 6)))
