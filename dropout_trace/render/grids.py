"""Tensor grids: a compact, aligned 2-D view of a tensor; rank >= 3 slice by slice, large ones summarised."""

from __future__ import annotations

import itertools

import numpy as np
from rich.style import Style
from rich.text import Text

from ..narrate.cells import cell_story
from ..narrate.words import plural
from .numbers import cell_number, dims


KEPT, DROPPED = "●", "○"
MAX_ROWS, EDGE_ROWS = 8, 3  # beyond MAX_ROWS rows, show EDGE_ROWS at each end (numpy-style)
MAX_LINES = 24  # rank >= 3: every slice is shown while the grid stays within this many lines
# Every character of a grid carries {"grid": n} in its style's meta, each cell also {"cell": 1} and, when the
# caller can tell it, {"tip": its story}: invisible on a terminal; the HTML handout makes the grid a table of them.
_GRIDS = itertools.count(1)


def _pick(n: int, limit: int, edge: int) -> list[int | None]:
    """Indices to show along an axis of size n; None marks the elided middle."""
    if n <= limit:
        return list(range(n))
    return list(range(edge)) + [None] + list(range(n - edge, n))


def _plan(value: np.ndarray, kind: str, width: int, rows: tuple):
    """What a grid shows: the slices (rank >= 3; None marks hidden ones), the rows and columns of each slice,
    and one cell width for every slice, so their columns line up."""
    m = value.reshape((-1, *value.shape[-2:])) if value.ndim >= 2 else value.reshape(1, 1, -1)
    count = m.shape[0]
    picked_rows = _pick(m.shape[1], *rows)
    fit = max(2, MAX_LINES // (len(picked_rows) + 1))  # whole slices, each with its heading line
    slices = list(range(count)) if count <= fit else list(range(fit - 1)) + [None, count - 1]
    shown = [m[k, r] for k in slices if k is not None for r in picked_rows if r is not None]
    cell = 1 if kind == "mask" else max((len(cell_number(v)) for row in shown for v in row), default=1)
    prefix = 2 if value.ndim >= 3 else 0
    max_cols = max(2, (width - prefix - 4) // (cell + 1))
    return m, slices, picked_rows, _pick(m.shape[2], max_cols, max(1, (max_cols - 1) // 2)), cell


def grid(value: np.ndarray, kind: str, width: int, rate: float = 0.0, rows: tuple = (MAX_ROWS, EDGE_ROWS),
         told=None) -> Text:
    """A compact, aligned 2-D view; rank >= 3 is shown slice by slice, large tensors summarised.

    told(i): the story of the element at flat index i of value (C order), for each cell shown."""
    out = _grid(value, kind, width, rate, rows, told)
    out.stylize(Style(meta={"grid": next(_GRIDS)}))
    return out


def _grid(value: np.ndarray, kind: str, width: int, rate: float, rows: tuple, told) -> Text:
    if value.ndim == 0:
        return _cell(Text(no_wrap=True), cell_number(value[()]), None, told and told(0))
    m, slices, picked_rows, cols, cell = _plan(value, kind, width, rows)
    if value.ndim <= 2:
        return _grid2d(m[0], kind, "", rate, picked_rows, cols, cell, told)
    out = Text(no_wrap=True)
    lead = value.shape[:-2]
    for i, k in enumerate(slices):
        if i:
            out.append("\n")
        if k is None:
            out.append(f"⋮ {plural(len(m) - len(slices) + 1, 'more slice')}", style="dim")
            continue
        index = np.unravel_index(k, lead)
        out.append("[" + ", ".join(str(int(j)) for j in index) + ", :, :]\n", style="dim")
        at = k * m.shape[1] * m.shape[2]
        out.append_text(_grid2d(m[k], kind, "  ", rate, picked_rows, cols, cell,
                                told and (lambda i, at=at: told(at + i))))
    return out


def summarised(value: np.ndarray, kind: str, width: int, rows: tuple = (MAX_ROWS, EDGE_ROWS)) -> bool:
    """Whether grid() leaves out some slices, rows or columns of value."""
    if value.ndim == 0:
        return False
    _, slices, picked_rows, cols, _ = _plan(value, kind, width, rows)
    return None in slices or None in picked_rows or None in cols


def _cell(text: Text, shown: str, style: str | None, tip: str | None) -> Text:
    """Append one cell, marked as a cell (with its story, if any) for the HTML handout."""
    start = len(text)
    text.append(shown, style=style)
    text.stylize(Style(meta={"cell": 1, **({"tip": tip} if tip else {})}), start, len(text))
    return text


def _grid2d(m: np.ndarray, kind: str, prefix: str, rate: float, rows: list, cols: list, cell: int, told=None) -> Text:
    text = Text(no_wrap=True)
    for i, r in enumerate(rows):
        if i:
            text.append("\n")
        text.append(prefix)
        if r is None:
            _cell(text, "⋮", "dim", None)
            continue
        for j, c in enumerate(cols):
            if j:
                text.append(" ")
            if c is None:
                _cell(text, "…", "dim", None)
                continue
            v = m[r, c]
            tip = told(r * m.shape[1] + c) if told else None
            if kind == "mask":
                _cell(text, KEPT if v else DROPPED, "bold green" if v else "red", tip)
            elif kind == "output" and float(v) == 0:
                _cell(text, cell_number(v).rjust(cell), "dim red", tip)
            elif kind == "random":  # colour each draw by the fate it gives its element
                _cell(text, cell_number(v).rjust(cell), "green" if float(v) >= rate else "red", tip)
            else:
                _cell(text, cell_number(v).rjust(cell), None, tip)
    return text


def grid_caption(value: np.ndarray, kind: str, width: int) -> Text:
    text = Text(f"shape {dims(value.shape)} · {plural(value.size, 'value')}", style="dim")
    if summarised(value, kind, width):
        text.append(" · summarised, corners shown", style="dim")
    if kind == "mask":
        text.append(f" · {KEPT} kept  {DROPPED} dropped", style="dim")
    if kind == "random":
        text.append(" · kept where draw >= rate", style="dim")
    return text


def draws_told(random, mask, shape: tuple, facts):
    """told() for a grid of `shape` whose elements took these captured draws and this captured keep mask (both
    broadcast to `shape` where the noise shape shares a draw): each element's draw, the stored rate and TF's
    comparison; None where there was no draw or no rate in the dtype to compare with."""
    p = getattr(facts, "probabilities", None)
    if random is None or mask is None or p is None:
        return None
    random, mask = np.asarray(random), np.asarray(mask)
    own = (1,) * (len(shape) - random.ndim) + tuple(random.shape)  # numpy's broadcasting, aligned at the right
    shared = tuple(k for k, (n, s) in enumerate(zip(own, shape)) if n == 1 and s > 1)
    kept = np.broadcast_to(mask.reshape((1,) * (len(shape) - mask.ndim) + mask.shape), shape)

    def told(i: int) -> str:
        at = np.unravel_index(i, shape)
        src = tuple(0 if n == 1 else int(j) for n, j in zip(own, at))
        draw_at = src[len(own) - random.ndim:]
        return cell_story(float(random[draw_at]), bool(kept[at]), facts.rate, p.rate_in_dtype, p.compute_dtype,
                          draw_at, shared)
    return told
