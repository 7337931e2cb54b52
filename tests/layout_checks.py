"""Layout checks shared by tests/test_layout.py (live runs, terminals) and tests/unit/test_render_layout.py
(recorded snapshots): shapes never broken, every line within the width or one note first that says so."""

import io
import re

from dropout_trace.model import TensorView
from dropout_trace.render import make_console, render_trace
from dropout_trace.spec import shape_text

# a line that ends inside a shape or a short list: "(None, None," or "[3,"
BROKEN_SHAPE = re.compile(r"[(\[](?:None|-?\d+)(?:, (?:None|-?\d+))*,$")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def render(trace, width: int, **options) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False), **options)
    return out.getvalue()


NOTE = re.compile(r"this view needs (\d+) columns; the width is (\d+): drawn (\d+) wide")


def check_narrow(text: str, width: int) -> None:
    """Either every line fits, or the first line says by how much it does not and the rest fits that."""
    lines = text.splitlines()
    head = NOTE.match(" ".join(" ".join(lines[:4]).split()))
    notes = len(NOTE.findall(" ".join(text.split())))
    if notes:
        assert notes == 1 and head, "the note comes once, first"
        need, has, drawn = map(int, head.groups())
        assert has == width and drawn == need > width
        width = need
    assert max(map(len, lines)) <= width
    for line in lines:  # an end cut ("[Non…") only where cutting is the design: source lines
        if "│" not in line:
            assert not re.search(r"\S…", line), line


def slice_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  ") and line.strip() != "⋮"]


def shape_lines(trace) -> list[str]:
    """'dtype shape' of every captured tensor value, as the tables must show it, on one line."""
    out = []
    for stage in trace.stages:
        for nv in stage.values:
            v = nv.value
            if isinstance(v, TensorView) and v.static_shape is not None:
                out.append(f"{v.dtype} {shape_text(v.static_shape)}")
            if isinstance(v, TensorView) and v.dynamic_shape is not None and v.value is not None:
                out.append(f"{v.dtype} {shape_text(v.dynamic_shape)}")
    return out
