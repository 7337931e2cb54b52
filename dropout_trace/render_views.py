"""Terminal rendering of the other views: the call tree, the graph, the comparison, the versions."""

from __future__ import annotations

from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .model import CallNode, Excerpt, Trace, fold_plumbing
from .narrate import plural
from .render import DROPPED, KEPT, PLACE_MIN, Headline, Prose, _fit, _indent, dims, grid, show


# -- the chain command -----------------------------------------------------------------------------
def opens_a_call(source: str) -> bool:
    """The line leaves a bracket open: the statement goes on, and the calls in its arguments run first."""
    return sum(source.count(c) for c in "([{") > sum(source.count(c) for c in ")]}")


def tree_block(trace: Trace, plumbing: bool, width: int = 80) -> Group:
    """The captured call tree, in the order the calls ran: each call under the caller's line that made it,
    siblings joined by ├─ and └─. A call from an earlier line than the one before it says why."""
    nodes = trace.tree if plumbing else fold_plumbing(trace.tree)
    head = Text("Call tree", style="bold")
    head.append("  captured from the real stack; each call under the line that made it", style="dim")
    lines: list[Text] = []

    def add(node: CallNode, guide: str, branch: str, previous: CallNode | None) -> None:
        if node.call_line:
            caller = Text(f"{guide}│ ", style="dim", no_wrap=True, overflow="ellipsis")
            caller.append(f"{node.call_line:>5} │ {node.call_source}", style="dim")
            if previous is not None and previous.call_line and node.call_line < previous.call_line:
                why = ": its arguments ran first" if opens_a_call(node.call_source) else ""
                caller.append(f"  (called after line {previous.call_line}{why})", style="dim italic")
            lines.append(caller)
        name = Text(guide + branch, style="dim", no_wrap=True)
        name.append(node.function, style="dim" if node.plumbing else ("bold cyan" if node.landmark else "bold"))
        room = max(PLACE_MIN, width - name.cell_len - 2)
        name.append("  " + _fit(f"{node.file}:{node.line}", room, keep_end=True), style="dim")
        lines.append(name)
        inner = guide + ("" if not branch else ("│  " if branch == "├─ " else "   "))
        for i, child in enumerate(node.children):
            add(child, inner, "└─ " if i == len(node.children) - 1 else "├─ ",
                node.children[i - 1] if i else None)

    for node in nodes:
        add(node, "", "", None)
    return Group(Text(trace.call, style="bold cyan"), Headline(head), *lines)


def source_block(ex: Excerpt) -> Group:
    """A landmark's full installed source; the lines that ran in this call are marked ▶."""
    head = Text(ex.function.qualname, style="bold cyan")
    head.append(f"  {ex.function.file}:{ex.function.line}", style="dim")
    ran = sum(line.ran for line in ex.lines)
    head.append(f"  {ran} of {plural(len(ex.lines), 'line')} ran", style="dim")
    width = max((len(str(line.lineno)) for line in ex.lines), default=1)
    body = Text(no_wrap=True, overflow="ellipsis")
    for line in ex.lines:
        body.append("▶ " if line.ran else "  ", style="bold green")
        body.append(f"{line.lineno:>{width}} │ ", style="dim")
        body.append(line.text + "\n", style="bold" if line.ran else "dim")
    body.rstrip()
    return Group(Headline(head), body)


def render_chain(trace: Trace, console: Console, plumbing: bool = False, source: bool = False) -> None:
    def build(width: int):
        yield tree_block(trace, plumbing, width)
        if not plumbing:
            yield Text("plumbing frames (error handlers, dispatch) folded; --plumbing shows them", style="dim")
        if source:
            for ex in trace.sources:
                yield None
                yield source_block(ex)

    show(console, build)


# -- the graph command -----------------------------------------------------------------------------
MARK_STYLE = {"shape": "bold yellow", "random": "bold blue", "compare": "bold green", "select": "bold red"}


def render_graph(view, console: Console) -> None:
    """The traced graph's ops in creation order; the dropout landmarks marked and explained."""
    show(console, lambda width: graph_blocks(view, width))


def graph_blocks(view, width: int):
    from . import narrate
    from .graphview import MARKS, _shape_text

    yield Text(view.call, style="bold cyan")
    head = Text("Graph ops", style="bold")
    head.append(f"  tf.function(input_signature=[{view.signature}]), in creation order", style="dim")
    yield Headline(head)
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("static shape", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("name", no_wrap=True)
    widths = [len(str(len(view.ops) - 1)), max(len(op.type) for op in view.ops),
              max([len("static shape")] + [len(_shape_text(op.shapes)) for op in view.ops]), len("◀ compare")]
    room = max(PLACE_MIN, width - sum(widths) - 2 * len(widths))
    for op in view.ops:
        style = MARK_STYLE.get(op.mark, "")
        table.add_row(str(op.index), Text(op.type, style=style), Text(_shape_text(op.shapes)),
                      Text(f"◀ {op.mark}" if op.mark else "", style=style),
                      Text(_fit(op.name, room, keep_end=True), style="dim"))
    yield table
    yield None
    marks = Table.grid(padding=(0, 1))
    marks.add_column(no_wrap=True)
    marks.add_column(overflow="fold")
    for mark in MARKS:
        marks.add_row(Text(f"  ◀ {mark}", style=MARK_STYLE[mark]), Prose(narrate.graph_mark(mark, view)))
    yield marks


# -- the compare command ---------------------------------------------------------------------------
def render_compare(c, console: Console) -> None:
    """Masks side by side, lettered by group; then which share a mask and why, from the captured seeds."""
    show(console, lambda width: compare_blocks(c, width))


def compare_blocks(c, width: int):
    from . import narrate
    from .compare import differences

    spec = c.spec
    title = Text("Compare", style="bold")
    title.append(f"  rate {spec.rate:g} · shape {dims(spec.shape)} → {dims(spec.run_shape)} · seed {spec.seed} · "
                 f"{'eager' if spec.eager else 'graph'} · {spec.dtype}", style="dim")
    yield Headline(title)
    letter = {label: g.letter for g in c.groups for label in g.labels}
    blocks = []
    for e in c.entries:
        if e.mask is None:
            continue
        block = Text(f"{letter[e.label]} ", style="bold magenta", no_wrap=True)
        block.append(e.label + "\n", style="bold")
        block.append_text(grid(e.mask, "mask", 40))
        blocks.append(block)
    yield Columns(blocks, padding=(1, 3))
    yield Text(f"{KEPT} kept  {DROPPED} dropped; masks broadcast to the input's shape", style="dim")
    yield None
    for g in c.groups:
        line = Prose(f"{g.letter} ", style="bold magenta")
        line.append(", ".join(g.labels), style="bold")
        line.append(f": {g.reason}")
        yield line
    for d in differences(c):
        yield Prose(narrate.compare_difference(d), style="dim")
    for e in c.entries:
        if e.skipped:
            yield Prose(f"skipped {e.label}: {e.skipped}", style="yellow")


# -- the versions command --------------------------------------------------------------------------
def render_versions(r, console: Console) -> None:
    show(console, lambda width: versions_blocks(r, width))


DETAIL_MIN = 30  # a detail column narrower than this goes under its name instead


def _marked(rows: list[tuple[bool, str, Text]], width: int):
    """✓ or ✗, a name and its detail: in three columns, or the detail under the name when narrow."""
    names = [Text(name, style="bold", no_wrap=True) for _, name, _ in rows]
    marks = [Text("✓", style="bold green") if ok else Text("✗", style="bold red") for ok, _, _ in rows]
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    beside = width - 2 - 1 - 2 - max(n.cell_len for n in names) - 2 >= DETAIL_MIN
    if beside:
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        for mark, name, (_, _, detail) in zip(marks, names, rows):
            table.add_row(mark, name, detail)
    else:
        table.add_column(overflow="fold")
        for mark, name, (_, _, detail) in zip(marks, names, rows):
            table.add_row(mark, Group(name, _indent(detail, (0, 0, 0, 2))))
    return _indent(table, (0, 0, 0, 2))


def versions_blocks(r, width: int):
    v = r.versions
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Python", Text(v["python"]))
    table.add_row("TensorFlow", Text(v["tensorflow"]))
    table.add_row("Keras", Text(v["keras"]))
    table.add_row("tf-keras", Text(v["tf_keras"] or "not installed"))
    table.add_row("tf.keras is", Prose(r.tf_keras_is))
    yield Headline("Installed")
    yield _indent(table, (0, 0, 0, 2))
    yield None
    yield Headline("APIs")
    yield _marked([(ok, name, Prose(detail, style="dim" if ok else "yellow")) for name, ok, detail in r.apis], width)
    yield None
    head = Text("Compared with the TF 2.9 / Keras 2.9 account", style="bold")
    head.append("  read from the installed source", style="dim")
    yield Headline(head)
    for d in r.differences:
        line = Text("  ≠ " if d.differs else "  = ", style="bold yellow" if d.differs else "bold green")
        line.append(d.topic, style="bold")
        yield line
        detail = Table.grid(padding=(0, 2))
        detail.add_column(style="dim", no_wrap=True)
        detail.add_column(overflow="fold")
        detail.add_row("2.9 account", Prose(d.account))
        detail.add_row("installed", Prose(d.installed))
        yield _indent(detail, (0, 0, 0, 6))
    yield None
    head = Text("Landmarks", style="bold")
    head.append("  every function and local name the trace reads, in the installed version", style="dim")
    yield Headline(head)
    rows = []
    for key, function, ok, detail, names in r.landmarks:
        absent = [n for n, found in names if not found]
        good = ok and not absent
        if names:
            detail += ("; locals " + ", ".join(n for n, _ in names) if not absent
                       else "; missing locals: " + ", ".join(absent))
        rows.append((good, key, Prose(detail, style="dim" if good else "yellow")))
    yield _marked(rows, width)


# -- the explain command ---------------------------------------------------------------------------
def render_topics(topics: list[tuple[str, str]], console: Console) -> None:
    """One line per topic: its name and what it teaches."""
    def build(width: int):
        yield Headline("Topics")
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for name, summary in topics:
            table.add_row(name, summary)
        yield _indent(table, (0, 0, 0, 2))
        yield _indent(Text("dropout-trace explain TOPIC runs the topic's computation live", style="dim"), (0, 0, 0, 2))

    show(console, build)


def render_lesson(lesson, blocks: list, console: Console) -> None:
    """A lesson page: statement, the live result that proves it, the command to go deeper."""
    show(console, lambda width: lesson_blocks(lesson, blocks, width))


def lesson_blocks(lesson, blocks: list, width: int):
    import numpy as np

    from .page import Heading, Mask, Rows, Say, Try
    from .page import Table as Columns_

    head = Text(f"explain {lesson.topic}", style="bold")
    head.append(f"  rate {lesson.params.rate:g} · seed {lesson.params.seed}", style="dim")
    yield Headline(head)
    v = lesson.versions
    yield _indent(Text(f"computed now with TensorFlow {v.get('tensorflow')} · Keras {v.get('keras')} · "
                       f"tf-keras {v.get('tf_keras') or 'not installed'}", style="dim"), (0, 0, 0, 2))
    for block in blocks:
        if isinstance(block, Say):
            yield _indent(Prose(block.text), (0, 0, 0, 2))
        elif isinstance(block, Heading):
            yield Text(block.text, style="bold")
        elif isinstance(block, Rows):
            table = Table.grid(padding=(0, 2))
            table.add_column(style="dim", no_wrap=True)
            table.add_column(overflow="fold")
            for label, text in block.rows:
                table.add_row(label, Prose(text))
            yield _indent(table, (0, 0, 0, 4))
        elif isinstance(block, Columns_):
            table = Table(box=None, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
            for i, name in enumerate(block.header):  # cells are values and shapes: whole, the last may wrap
                last = i == len(block.header) - 1
                table.add_column(name, no_wrap=not last, overflow="fold")
            for row in block.rows:
                table.add_row(*[Prose(c) for c in row])
            yield _indent(table, (0, 0, 0, 4))
        elif isinstance(block, Mask):
            yield _indent(Prose(block.label, style="dim"), (0, 0, 0, 4))
            yield _indent(grid(np.asarray(block.mask, dtype=bool), "mask", width - 6), (0, 0, 0, 6))
        elif isinstance(block, Try):  # never wrapped: the command must paste whole
            yield Text("  deeper:", style="dim")
            yield Text("    " + block.command, style="bold cyan", no_wrap=True, overflow="ignore")


# -- the walkthrough list -------------------------------------------------------------------------
def render_walkthroughs(lessons: list, console: Console) -> None:
    """One row per lesson: number, title, blocks, commands and a rough length; the counts go under the title
    when the title would get fewer than DETAIL_MIN columns."""
    def build(width: int):
        yield Headline("Walkthroughs")
        numbers = [f"{x.number:02d}" if x.number is not None else "-" for x in lessons]
        counts = [(str(len(x.blocks)), str(len(x.commands)), f"{x.minutes} min") for x in lessons]
        heads = ("blocks", "commands", "about")
        fixed = 2 + max(map(len, ["#", *numbers])) + sum(2 + max([len(h), *(len(c[i]) for c in counts)])
                                                          for i, h in enumerate(heads))
        if width - fixed - 2 >= DETAIL_MIN:
            table = Table(box=None, padding=(0, 2, 0, 0), pad_edge=False, header_style="dim")
            table.add_column("#", no_wrap=True)
            table.add_column("title", overflow="fold")
            for head in heads:
                table.add_column(head, justify="left" if head == "about" else "right", no_wrap=True)
            for number, lesson, row in zip(numbers, lessons, counts):
                table.add_row(number, Prose(lesson.title, style="bold"), *row)
        else:
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            for number, lesson, (blocks, commands, about) in zip(numbers, lessons, counts):
                table.add_row(number, Group(Prose(lesson.title, style="bold"),
                                            Prose(f"{blocks} blocks · {commands} commands · {about}", style="dim")))
        yield _indent(table, (0, 0, 0, 2))
        yield _indent(Text("dropout-trace walkthrough play N [--step] plays one", style="dim"), (0, 0, 0, 2))

    show(console, build)


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
    finally:  # on Ctrl-C or SIGTERM too (they raise): the bar goes and the cursor is shown again
        if bar:
            from .pause import held

            with held():  # a second Ctrl-C waits until the terminal is put back
                bar[0].stop()
    draw_stats(s, console)
    return s


def draw_stats(s, console: Console) -> None:
    """The measured numbers and what they show."""
    show(console, lambda width: stats_blocks(s))


def stats_blocks(s):
    from .narrate import stats as words

    head = Text("Stats", style="bold")
    head.append(f"  {s.call}", style="bold cyan")
    yield Headline(head)
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="dim", no_wrap=True)
    rows.add_column(overflow="fold")
    rows.add_row("input", Prose(f"ones {dims(s.shape)} → {dims(s.run_shape)}, {s.dtype}"))
    rows.add_row("calls", Prose(words.calls_line(s)))
    rows.add_row("masks", Prose(words.masks_line(s)))
    rows.add_row("exact", Prose(words.exact_line(s)))
    yield _indent(rows, (0, 0, 0, 2))
    yield None
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("", "left"), ("measured", "right"), (f"{words.level(s)} interval", "left"),
                          ("exact", "right"), ("", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for label, iv in (("kept fraction", s.kept), ("output / input", s.ratio)):
        table.add_row(label, words.fixed(iv.estimate), words.interval(iv.low, iv.high), words.fixed(iv.exact),
                      Text("✓ inside" if iv.inside else "✗ outside", style="green" if iv.inside else "bold red"))
    yield _indent(table, (0, 0, 0, 2))
    yield None
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0), header_style="dim")
    for name, justify in (("correlation", "left"), ("r", "right"), (f"{words.level(s)} interval", "left"),
                          ("pairs", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for c in s.correlations:
        table.add_row(c.name, "-" if c.value is None else words.fixed(c.value, 4), words.interval(c.low, c.high, 4),
                      f"{c.pairs:,}")
    yield _indent(table, (0, 0, 0, 2))
    yield None
    for sentence in words.findings(s):
        yield _indent(Prose(sentence), (0, 0, 0, 2))
