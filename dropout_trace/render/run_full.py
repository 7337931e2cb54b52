"""The run command's full view: the header, the call chain, one block per stage, the calls, the answer, the check."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import narrate
from ..model import Excerpt, Frame, Stage, TensorView, Trace
from .backward import backward_block
from .grids import grid, grid_caption
from .layout import BACKWARD_PAUSE, END_PAUSE, PLACE_MIN, Headline, Prose, indented, shorten, stage_pause
from .numbers import dims
from .run_parts import (GRID_KIND, Column, call_mask, grid_told, picked_stages, plain_table, refusal_block, skipped_run,
                        state_text)
from .values import is_small, values_block


def header_block(trace: Trace) -> Group:
    title = Text("dropout-trace", style="bold")
    title.append("  the real Dropout call chain, stage by stage", style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    f = trace.facts
    table.add_row("call", Text(trace.call, style="bold cyan"))
    table.add_row("mode", Prose(narrate.mode_line(f, signature(trace))))
    run = narrate.run_shapes(f) if f.sizes_differ else dims(trace.run_shape)
    if trace.mode == "graph":
        shapes = f"shape {dims(trace.shape)} while tracing → {run} at run time"
    else:
        shapes = f"shape {run}"
    table.add_row("input", Prose(f"{trace.input_kind} values, {trace.dtype}, {shapes}"))
    if trace.noise_shape is not None:
        table.add_row("noise", Prose(f"noise_shape={dims(trace.noise_shape)}: a size-1 axis shares one draw"))
    table.add_row("seed", Text("none (unseeded)" if trace.seed is None else str(trace.seed)))
    v = trace.versions
    lib = narrate.library_version(trace.api, v)
    table.add_row("versions", Text(f"TensorFlow {v['tensorflow']} · {lib} · Python {v['python']}"))
    for note in narrate.notes(f):
        table.add_row("note", Prose(note, style="dim"))
    return Group(title, indented(table, (0, 0, 0, 2)))


def signature(trace: Trace) -> str:
    shape, n = trace.shape, trace.spec.replicas
    if n and shape[0] is not None:  # the tf.function takes the global batch: every replica's rows
        shape = (shape[0] * n, *shape[1:])
    scalar = f", tf.TensorSpec((), tf.{trace.dtype})" if trace.spec.rate_tensor else ""  # the rate tensor's
    return f"tf.TensorSpec({dims(shape)}, tf.{trace.dtype}){scalar}"


def chain_block(chain: tuple[Frame, ...], plumbing: bool, width: int = 80) -> Group:
    shown = [f for f in chain if plumbing or not f.plumbing]
    folded = len(chain) - len(shown)
    # the subtitle speaks of plumbing frames only where the chain has some: folded here, or shown dim
    sub = Text(f"  {folded} plumbing frames (error handlers, dispatch) folded; --plumbing shows them"
               if folded else "  plumbing frames shown dim" if any(f.plumbing for f in shown) else "", style="dim")
    names = [("→ " if i else "  ") + f.function for i, f in enumerate(shown)]
    name_width = min(max((len(n) for n in names), default=0), 44)
    place_width = max(20, width - 2 - name_width - 2)
    body = Text(no_wrap=True)
    for i, (f, name) in enumerate(zip(shown, names)):
        if i:
            body.append("\n")
        body.append("  " + shorten(name, name_width).ljust(name_width) + "  ",
                    style="dim" if f.plumbing else ("bold cyan" if f.landmark else ""))
        body.append(shorten(f"{f.file}:{f.line}", place_width, keep_end=True), style="dim")
    return Group(Headline("Call chain", "captured from the real stack, outermost first"), *([sub] if sub else []), body)


def stage_block(index: int, stage: Stage, trace: Trace, width: int, shown: set) -> Group:
    f = trace.facts
    parts = [Headline(f"{index} · {narrate.title(stage, f)}")]
    if stage.function:
        where = Text(stage.function.qualname, style="bold cyan")
        where.append(f"  {stage.function.file}:{stage.function.line}", style="dim")
        parts.append(indented(where, (0, 0, 0, 2)))
    if stage.status == "missing":
        parts.append(indented(Prose(narrate.missing(stage), style="bold red"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "not_reached":
        parts.append(indented(Prose(narrate.stopped(stage.stopped), style="yellow"), (0, 0, 0, 2)))
        return Group(*parts)
    if stage.status == "raised":
        parts.append(indented(Text("the library raised here; see below", style="bold red"), (0, 0, 0, 2)))
    else:
        parts.append(indented(Prose(narrate.idea(stage, f), style="italic"), (0, 0, 0, 2)))
    for i, ex in enumerate(stage.excerpts):  # name the function unless the heading just did
        parts.append(indented(excerpt_text(ex, not (i == 0 and ex.function == stage.function), width - 2),
                              (0, 0, 0, 2)))
    if not stage.values:
        return Group(*parts)
    parts.append(indented(values_block(stage, trace, width - 2), (1, 0, 0, 2)))
    subject = stage.value(stage.subject) if stage.subject else None
    if isinstance(subject, TensorView) and subject.value is not None and not is_small(subject):
        key = (subject.symbolic or stage.subject, subject.dynamic_shape, subject.value.tobytes())
        if key not in shown:
            shown.add(key)
            kind = GRID_KIND.get(stage.key, "values")
            told = grid_told(trace, kind, subject.value.shape)
            parts.append(indented(grid(subject.value, kind, width - 4, trace.rate, told=told), (1, 0, 0, 4)))
            parts.append(indented(grid_caption(subject.value, kind, width - 4), (0, 0, 0, 4)))
    if stage.key == "keep_mask":
        line = narrate.probabilities_line(f)
        if line:
            parts.append(indented(Prose(line), (1, 0, 0, 4)))
    if stage.key == "output" and trace.check:
        parts.append(indented(Prose(narrate.kept_line(f, trace.check)), (0, 0, 0, 4)))
    return Group(*parts)


def excerpt_text(ex: Excerpt, header: bool = True, width: int = 400) -> Text:
    """Installed source lines: run lines bright, comments and skipped lines dim, gaps marked ⋮; long lines
    are cut at `width`, the heading's file:line from the left, so the line number stays."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if header:
        text.append(f"{ex.function.qualname}  ", style="cyan")
        room = max(PLACE_MIN, width - len(ex.function.qualname) - 2)
        text.append(shorten(f"{ex.function.file}:{ex.function.line}", room, keep_end=True) + "\n", style="dim")
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


def skipped_block(first: int, stages: list[Stage]) -> Group:
    last = first + len(stages) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    head = Text(f"{span} · " + ("this stage was" if first == last else "these stages were") + " not reached",
                style="bold")
    return Group(Headline(head),
                 indented(Prose(narrate.stopped(stages[0].stopped), style="yellow"), (0, 0, 0, 2)))


def batches_block(trace: Trace) -> Group:
    """--batch 3,5: the one trace (or none, eagerly), then each call's run-time shape, noise shape, draws and mask."""
    f = trace.facts
    table = plain_table(["call", "x at run time", "noise shape", "draws", "seed used", "kept", "mask"])
    for c, cf in zip(trace.calls, f.calls):
        mask = call_mask(c, f)
        same = Text("  same as call 1" if cf.same_mask_as_first and c.index > 1 else "", style="dim")
        table.add_row(str(c.index), dims(cf.run_shape), "-" if cf.noise_shape is None else dims(cf.noise_shape),
                      f"{cf.draws:,}", state_text(cf.seed_used), "-" if cf.kept is None else f"{cf.kept:,}",
                      Text.assemble(mask, same))
    parts = [Headline("Batches", narrate.batches_title(f)), indented(table, (0, 0, 0, 2))]
    for line in narrate.calls_summary(f):
        parts.append(indented(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


def calls_block(trace: Trace, width: int) -> Group | None:
    """Several calls of the same layer or function: state before and after, and each call's mask."""
    f = trace.facts
    if len(trace.calls) < 2:
        return None
    if f.sizes_differ:
        return batches_block(trace)
    table = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    for name in ("call", "state before", "state after", "seed used", "kept"):
        table.add_column(name, no_wrap=True)
    table.add_column("mask", no_wrap=True)
    for c, cf in zip(trace.calls, f.calls):
        mask = call_mask(c, f)
        same = Text("  same as call 1" if cf.same_mask_as_first and c.index > 1 else "", style="dim")
        table.add_row(str(c.index), state_text(cf.state_before), state_text(cf.state_after), state_text(cf.seed_used),
                      "-" if cf.kept is None else f"{cf.kept:,}", Text.assemble(mask, same))
    parts = [Headline("Calls", "the same layer or function, called again on the same input"),
             indented(table, (0, 0, 0, 2))]
    for line in narrate.calls_summary(f):
        parts.append(indented(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


def replicas_block(trace: Trace) -> Group | None:
    """--replicas: each replica's random state and seed, its mask and check, then whether they agree and why."""
    f = trace.facts
    if not f.replicas or not trace.calls:  # the library refused: no replica finished a call
        return None
    columns = [("replica", lambda r: str(r.replica)), ("device", lambda r: r.device.rsplit("device:", 1)[-1]),
               ("rows", lambda r: f"{r.first_row + 1}–{r.first_row + r.rows}")]
    optional = [("state before", "state_before", state_text), ("state after", "state_after", state_text),
                ("seed used", "seed_used", state_text),
                (Column("key, replica hashed in"), "key_out", narrate.ints)]  # the long key may wrap
    for column, attr, show in optional:  # a column only where some replica has the value
        if any(getattr(r, attr) is not None for r in f.replicas):
            columns.append((column, lambda r, attr=attr, show=show: show(getattr(r, attr))))
    states = plain_table([column for column, _ in columns])
    masks = plain_table(["replica", "mask", "vs replica 0", "check"])
    for r, rec in zip(f.replicas, trace.snapshot.replicas):
        states.add_row(*[cell(r) for _, cell in columns])
        c = rec.calls[0]
        mask = call_mask(c, f)
        drew = c.keep_mask is not None
        same = "-" if not r.replica or not drew else ("same" if r.same_mask else "differs")
        ok = r.check is not None and r.check.passed
        mark = Text("✓", style="bold green") if ok else Text("✗", style="bold red")
        masks.add_row(str(r.replica), mask, same, mark)
    parts = [Headline("Replicas", "MirroredStrategy: strategy.run inside the tf.function, call 1"),
             indented(states, (0, 0, 0, 2)), indented(masks, (1, 0, 0, 2))]
    reps = narrate.replica_rows(f)
    for line in (narrate.replicas_agreement(f.replicas_agree, reps), narrate.replicas_why(f.replica_reason, reps),
                 narrate.replicas_lesson(f.replicas_agree, f.replica_reason, reps)):
        if line:
            parts.append(indented(Prose(line), (1, 0, 0, 2)))
    return Group(*parts)


def first_answer_block(trace: Trace) -> Group:
    """Right under the header: this run's answer in a few lines, before the stages that show how."""
    return Group(Headline("The answer", "for this run; the stages below show how"),
                 indented(Prose(narrate.answer_first(trace.facts)), (0, 0, 0, 2)))


def answer_block(trace: Trace) -> Group | None:
    """The learner's question answered in two sentences, from this run's facts."""
    body = narrate.in_short(trace.facts)
    if body is None:
        return None
    return Group(Headline("In short"), indented(Prose(body), (0, 0, 0, 2)))


def check_block(trace: Trace) -> Group:
    c = trace.check
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for ok, label in narrate.check_rows(trace.facts, c):
        mark = ("–", "dim") if ok is None else (("✓", "bold green") if ok else ("✗", "bold red"))
        table.add_row(Text(mark[0], style=mark[1]), Prose(label))
    passed = c.passed and trace.facts.replica_checks_passed
    verdict = Text("check passed" if passed else "check FAILED", style="bold green" if passed else "bold red")
    return Group(Headline("Check", "does the explanation reproduce the library, bit for bit?"),
                 indented(table, (0, 0, 0, 2)), indented(verdict, (0, 0, 0, 2)))


def trace_blocks(trace: Trace, width: int, plumbing: bool = False, stages: tuple[str, ...] | None = None):
    """The full view as renderables in order; None is a blank line, a Pause a place to wait in step mode."""
    yield header_block(trace)
    yield None
    yield first_answer_block(trace)
    yield None
    yield chain_block(trace.chain, plumbing, width)
    shown: set = set()
    picked = picked_stages(trace, stages)
    total = len(trace.stages)
    while picked:
        i, stage = picked.pop(0)
        yield stage_pause(i, total, stage.key)
        yield None
        if stage.status != "not_reached":
            yield stage_block(i, stage, trace, width, shown)
            continue
        yield skipped_block(i, skipped_run(picked, i, stage))
    backward = backward_block(trace, width)
    if backward is not None:
        yield BACKWARD_PAUSE
        yield None
        yield backward
    tail = [b for b in (refusal_block(trace), calls_block(trace, width), replicas_block(trace), answer_block(trace))
            if b is not None]
    if tail or trace.check:
        yield END_PAUSE
    for block in tail:
        yield None
        yield block
    if trace.check:
        yield None
        yield check_block(trace)
