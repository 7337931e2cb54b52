"""How numbers, shapes and small tensors are written in the views' cells."""

from __future__ import annotations

import numpy as np

from ..spec import shape_text

dims = shape_text


def number(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.6g}"


def cell_number(v) -> str:
    """Grid cells: at most four decimals, so columns stay narrow and aligned."""
    if isinstance(v, (bool, np.bool_, int, np.integer)):
        return number(v)
    return np.format_float_positional(float(v), precision=4, trim="-")


def inline(value: np.ndarray) -> str:
    flat = np.ravel(value)
    body = ", ".join(number(v) for v in flat)
    return body if value.ndim == 0 else f"[{body}]"


def known(static_value) -> str:
    """What was known at trace time: None entries are unknown until the graph runs."""
    if isinstance(static_value, list):
        return "[" + ", ".join("None" if v is None else number(v) for v in static_value) + "]"
    return "unknown" if static_value is None else number(static_value)
