"""A stage's value table: each value as it was while tracing and at run time, with its note."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import narrate
from ..model import ListView, PyValue, Stage, TensorView, Trace, Value
from .layout import Prose
from .numbers import dims, inline, known


INLINE_MAX = 8  # vectors up to this many values are shown inline, not as a grid


def is_small(v: TensorView) -> bool:
    if v.value is None:
        return len(v.static_shape or ()) <= 1 and all(d is not None and d <= INLINE_MAX for d in v.static_shape or ())
    return v.value.ndim <= 1 and v.value.size <= INLINE_MAX


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
NOTE_MIN = 24  # the notes beside a value table get at least this many columns (or their length), else go below


def _value_rows(stage: Stage, trace: Trace) -> tuple[list[str], list[tuple[Text, Text, Text, str]]]:
    heads = ["value", "while tracing (static)" if trace.mode == "graph" else "static (eager: concrete)",
             "at run time" if len(trace.calls) < 2 else "at run time, call 1"]
    rows = [(Text(narrate.value_words(nv.key)), static_cell(nv.value, trace.mode), dynamic_cell(nv.value),
             narrate.value_note(stage, nv.key, trace.facts)) for nv in stage.values]
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
