"""The run command's brief view, for a projector: the chain on one line, one short row per stage, the check."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .backward import backward_block
from .. import narrate
from ..model import Frame, Stage, TensorView, Trace
from .grids import DROPPED, KEPT, grid
from .ascii import columns
from .layout import BACKWARD_PAUSE, END_PAUSE, Prose, shorten, stage_pause
from .numbers import dims
from .run_parts import GRID_KIND, grid_told, picked_stages, plain_table, refusal_block, skipped_run, state_text


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
    return shorten(text, max(width, 4))


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
    told = grid_told(trace, kind, subject.value.shape)
    return grid(value, kind, width, trace.rate, rows=(BRIEF_ROWS, BRIEF_EDGE), told=told)


def brief_header(trace: Trace, width: int) -> Table:
    f, v = trace.facts, trace.versions
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("call", Text(trace.call, style="bold cyan"))
    lib = narrate.library_version(trace.api, v)
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
        if used and used + 1 + columns(word) > width:
            text.append("\n")
            used = 0
        elif used:
            text.append(" ")
            used += 1
        text.append(word, style="bold cyan" if fr.landmark else "")
        used += columns(word)
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
    picked, out = picked_stages(trace, stages), []
    while picked:
        i, stage = picked.pop(0)
        out.append((i, skipped_run(picked, i, stage) if stage.status == "not_reached" else [stage]))
    return out


def brief_blocks(trace: Trace, width: int, stages: tuple[str, ...] | None = None):
    """The projector view: the chain on one line, one short row per stage with its shapes and grid, the check."""
    f = trace.facts
    yield brief_header(trace, width)
    entries = _brief_entries(trace, stages)
    total = len(trace.stages)
    shapes = {i: _shapes_brief(run[0], trace.mode) for i, run in entries if run[0].status != "not_reached"}
    widths = (len(str(total)), max([len("stage")] + [len(run[0].key) for _, run in entries]),
              min(max((columns(t) for t in shapes.values()), default=0), max(8, width * 2 // 5)))
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
        yield stage_pause(i, total, stage.key)
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
    backward = backward_block(trace, width, brief=True)
    if backward is not None:
        yield BACKWARD_PAUSE
        yield None
        yield backward
    tail = [b for b in (refusal_block(trace), brief_calls(trace, width), brief_replicas(trace, width))
            if b is not None]
    end = brief_end(trace)
    if tail or end.row_count:
        yield END_PAUSE
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
        passed = c.passed and trace.facts.replica_checks_passed
        line.append("check passed" if passed else "check FAILED", style="bold green" if passed else "bold red")
        table.add_row("check", line)
    return table


def brief_calls(trace: Trace, width: int) -> Group | None:
    """Several calls: one row each, the mask as one word per sample, then why they repeat or differ."""
    f = trace.facts
    if len(trace.calls) < 2:
        return None
    # with several sizes the states go into the summary's words, so each call's shape and draws have the room
    has_state = not f.sizes_differ and any(cf.state_before is not None or cf.state_after is not None
                                           for cf in f.calls)
    sizes = ["x at run time", "draws"] if f.sizes_differ else []  # --batch 3,5: each call's own size
    names = ["call"] + sizes + (["state before → after"] if has_state else []) + ["seed used", "kept", "mask"]
    table = plain_table(names)
    for c, cf in zip(trace.calls, f.calls):
        cells = [str(c.index)] + ([dims(cf.run_shape), f"{cf.draws:,}"] if sizes else [])
        if has_state:
            cells.append(f"{state_text(cf.state_before)} → {state_text(cf.state_after)}")
        cells += [state_text(cf.seed_used), "-" if cf.kept is None else f"{cf.kept:,}"]
        mask = Text("no draw") if c.keep_mask is None else Text(compact_mask(c.keep_mask, c.output.shape, 40))
        if cf.same_mask_as_first and c.index > 1:
            mask.append("  same as call 1", style="dim")
        table.add_row(*cells, mask)
    words = narrate.batches_brief(f) if f.sizes_differ else narrate.calls_summary(f)
    return Group(table, *[Prose(line) for line in words])


def brief_replicas(trace: Trace, width: int) -> Group | None:
    """--replicas: one row per replica (seed, mask, agreement, check), then why they agree or differ."""
    f = trace.facts
    if not f.replicas or not trace.calls:
        return None
    table = plain_table(["replica", "rows", "seed used", "mask", "vs replica 0", "check"])
    for r, rec in zip(f.replicas, trace.snapshot.replicas):
        c = rec.calls[0]
        drew = c.keep_mask is not None
        mask = compact_mask(c.keep_mask, c.output.shape, 30) if drew else "no draw"
        same = "-" if not r.replica or not drew else ("same" if r.same_mask else "differs")
        ok = r.check is not None and r.check.passed
        table.add_row(str(r.replica), f"{r.first_row + 1}–{r.first_row + r.rows}", state_text(r.seed_used), mask,
                      same, Text("✓", style="bold green") if ok else Text("✗", style="bold red"))
    reps = narrate.replica_rows(f)
    lines = (narrate.replicas_agreement(f.replicas_agree, reps), narrate.replicas_why(f.replica_reason, reps),
             narrate.replicas_lesson(f.replicas_agree, f.replica_reason, reps))
    return Group(table, *[Prose(line) for line in lines if line])
