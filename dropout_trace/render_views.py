"""Terminal rendering of the other views: the call tree, the graph, the comparison, the versions."""

from __future__ import annotations

from rich.columns import Columns
from rich.console import Console, Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .model import CallNode, Excerpt, Trace, fold_plumbing
from .render import DROPPED, KEPT, _fit, _indent, dims, grid


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
    from . import narrate

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
    for mark in MARKS:
        line = Text(f"  ◀ {mark:<8}", style=MARK_STYLE[mark])
        line.append(narrate.graph_mark(mark, view))
        console.print(line)


# -- the compare command ---------------------------------------------------------------------------
def render_compare(c, console: Console) -> None:
    """Masks side by side, lettered by group; then which share a mask and why, from the captured seeds."""
    from . import narrate
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
        console.print(Text(narrate.compare_difference(d), style="dim"))
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
    console.print()
    head = Text("Landmarks", style="bold")
    head.append("  every function and local name the trace reads, in the installed version", style="dim")
    console.print(Rule(head, align="left", style="dim"))
    marks = Table.grid(padding=(0, 2))
    marks.add_column(no_wrap=True)
    marks.add_column(no_wrap=True)
    marks.add_column()
    for key, function, ok, detail, names in r.landmarks:
        absent = [n for n, found in names if not found]
        good = ok and not absent
        text = detail if ok else detail
        if names:
            text += ("; locals " + ", ".join(n for n, _ in names) if not absent
                     else "; missing locals: " + ", ".join(absent))
        marks.add_row(Text("✓" if good else "✗", style="bold green" if good else "bold red"), Text(key, style="bold"),
                      Text(text, style="dim" if good else "yellow"))
    console.print(_indent(marks, (0, 0, 0, 2)))


# -- the explain command ---------------------------------------------------------------------------
def render_topics(topics: list[tuple[str, str]], console: Console) -> None:
    """One line per topic: its name and what it teaches."""
    width = max(len(name) for name, _ in topics)
    console.print(Rule(Text("Topics", style="bold"), align="left", style="dim"))
    for name, summary in topics:
        line = Text(f"  {name:<{width}}  ", style="bold")
        line.append(summary)
        console.print(line)
    console.print(Text("  dropout-trace explain TOPIC runs the topic's computation live", style="dim"))


def render_lesson(lesson, blocks: list, console: Console) -> None:
    """A lesson page: statement, the live result that proves it, the command to go deeper."""
    from .page import Heading, Mask, Rows, Say, Try
    from .page import Table as Columns_

    head = Text(f"explain {lesson.topic}", style="bold")
    head.append(f"  rate {lesson.params.rate:g} · seed {lesson.params.seed}", style="dim")
    console.print(Rule(head, align="left", style="dim"))
    v = lesson.versions
    console.print(Text(f"  computed now with TensorFlow {v.get('tensorflow')} · Keras {v.get('keras')} · "
                       f"tf-keras {v.get('tf_keras') or 'not installed'}", style="dim"))
    for block in blocks:
        if isinstance(block, Say):
            console.print(_indent(Text(block.text), (0, 0, 0, 2)))
        elif isinstance(block, Heading):
            console.print(Text(block.text, style="bold"))
        elif isinstance(block, Rows):
            table = Table.grid(padding=(0, 2))
            table.add_column(style="dim", no_wrap=True)
            table.add_column()
            for label, text in block.rows:
                table.add_row(label, Text(text))
            console.print(_indent(table, (0, 0, 0, 4)))
        elif isinstance(block, Columns_):
            table = Table(box=None, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
            for name in block.header:
                table.add_column(name)
            for row in block.rows:
                table.add_row(*[Text(c) for c in row])
            console.print(_indent(table, (0, 0, 0, 4)))
        elif isinstance(block, Mask):
            import numpy as np

            console.print(_indent(Text(block.label, style="dim"), (0, 0, 0, 4)))
            console.print(_indent(grid(np.asarray(block.mask, dtype=bool), "mask", console.width - 6), (0, 0, 0, 6)))
        elif isinstance(block, Try):  # never wrapped: the command must paste whole
            console.print(Text("  deeper:", style="dim"))
            console.print(Text("    " + block.command, style="bold cyan"), soft_wrap=True)


# -- the stats command -----------------------------------------------------------------------------
def render_stats(measure, console: Console, after: float = 1.0):
    """Run measure(progress) with a transient progress bar once it has taken `after` seconds (on a terminal
    only), then draw the numbers and what they show."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .narrate import stats as words

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
    finally:
        if bar:
            bar[0].stop()
    draw_stats(s, console)
    return s


def draw_stats(s, console: Console) -> None:
    """The measured numbers and what they show."""
    from .narrate import stats as words

    head = Text("Stats", style="bold")
    head.append(f"  {s.call}", style="bold cyan")
    console.print(Rule(head, align="left", style="dim"))
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="dim", no_wrap=True)
    rows.add_column()
    rows.add_row("input", Text(f"ones {dims(s.shape)} → {dims(s.run_shape)}, {s.dtype}"))
    rows.add_row("calls", Text(words.calls_line(s)))
    rows.add_row("masks", Text(words.masks_line(s)))
    rows.add_row("exact", Text(words.exact_line(s)))
    console.print(_indent(rows, (0, 0, 0, 2)))
    console.print()
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("", "left"), ("measured", "right"), (f"{words.level(s)} interval", "left"),
                          ("exact", "right"), ("", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for label, iv in (("kept fraction", s.kept), ("output / input", s.ratio)):
        table.add_row(label, words.fixed(iv.estimate), words.interval(iv.low, iv.high), words.fixed(iv.exact),
                      Text("✓ inside" if iv.inside else "✗ outside", style="green" if iv.inside else "bold red"))
    console.print(_indent(table, (0, 0, 0, 2)))
    console.print()
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("correlation", "left"), ("r", "right"), (f"{words.level(s)} interval", "left"),
                          ("pairs", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for c in s.correlations:
        table.add_row(c.name, "-" if c.value is None else words.fixed(c.value, 4), words.interval(c.low, c.high, 4),
                      f"{c.pairs:,}")
    console.print(_indent(table, (0, 0, 0, 2)))
    console.print()
    for sentence in words.findings(s):
        console.print(_indent(Text(sentence), (0, 0, 0, 2)))
