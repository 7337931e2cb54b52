"""A dropped NaN or Inf: zeroed by a select, or NaN*0 = NaN by a multiply; which one the installed code does."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from . import Stopped, stopped

SPECIALS = (float("nan"), float("inf"), float("-inf"), 1.0)
REPEATS = 64  # each value 64 times: at any usual rate some copies are dropped and some kept


@dataclass(frozen=True)
class Source:
    """How the installed _dropout applies the mask, read from its source."""

    file: str
    uses_select: bool
    uses_cast_multiply: bool
    mask_lines: list  # [line number, text] of each line that applies keep_mask


@dataclass(frozen=True)
class Row:
    """One special value: how many copies were dropped and kept, and the first output of each (as text)."""

    input: str
    dropped: int
    kept: int
    dropped_out: str | None  # the layer's output; None: no copy was dropped
    kept_out: str | None
    dropped_multiply: str | None  # what the TF 2.10 multiply gives on the same mask
    kept_multiply: str | None


@dataclass(frozen=True)
class Nan:
    dropped: bool  # the tool's trace of the same layer and rate drew
    stopped: Stopped | None  # ... or returned here first
    source: Source
    n: int
    scale: str | None  # nothing kept: no scale to read
    mask_consistent: bool
    rows: list[Row]
    unchanged: bool  # the output is the input, NaNs included
    matches_select: bool
    matches_multiply: bool


def _source() -> Source:
    from tensorflow.python.ops import nn_ops

    lines, start = inspect.getsourcelines(nn_ops._dropout)
    found = [(start + i, line.strip()) for i, line in enumerate(lines) if "keep_mask" in line and
             ("where_v2(" in line or "cast(keep_mask" in line)]
    return Source(file=inspect.getsourcefile(nn_ops._dropout).split("site-packages/")[-1],
                  uses_select=any("where_v2(" in text for _, text in found),
                  uses_cast_multiply=any("cast(keep_mask" in text for _, text in found),
                  mask_lines=[[n, text] for n, text in found])


def _first(out: np.ndarray, where: np.ndarray) -> str | None:
    """The output at the first position selected by `where`, as text (NaN and Inf are not JSON)."""
    hits = np.flatnonzero(where)
    return None if hits.size == 0 else str(out[hits[0]])  # numpy's shortest float32 text: nan, inf, 1.4285715


def compute(p) -> Nan:
    from ..spec import build_spec
    from ..trace import trace_run
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    x = tf.constant(np.tile(np.array(SPECIALS, np.float32), REPEATS))
    # Two fresh layers with one seed draw the same mask (SeedGenerator restarts at [seed, 0]); the run on
    # ones shows it plainly: kept = nonzero, and the kept value is the scale.
    out = keras.layers.Dropout(p.rate, seed=p.seed)(x, training=True)
    ones = keras.layers.Dropout(p.rate, seed=p.seed)(tf.ones_like(x), training=True).numpy()
    kept = ones != 0
    scale = tf.constant(ones[kept][0] if kept.any() else 1, tf.float32)
    select = tf.where(kept, x * scale, tf.zeros_like(x)).numpy()  # TF >= 2.11: where_v2 (SelectV2)
    multiply = (x * scale * tf.cast(kept, tf.float32)).numpy()  # TF <= 2.10: x * scale * cast(keep_mask)
    out, xs = out.numpy(), x.numpy()
    finite = np.isfinite(xs)
    rows = []
    for value in SPECIALS:
        at = np.isnan(xs) if np.isnan(value) else xs == value
        rows.append(Row(input=str(value), dropped=int((at & ~kept).sum()), kept=int((at & kept).sum()),
                        dropped_out=_first(out, at & ~kept), kept_out=_first(out, at & kept),
                        dropped_multiply=_first(multiply, at & ~kept), kept_multiply=_first(multiply, at & kept)))
    traced = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed)).facts  # did the tool's trace draw?
    return Nan(
        dropped=traced.dropped,
        stopped=stopped(traced.stopped),
        source=_source(),
        n=int(xs.size),
        scale=str(scale.numpy()) if kept.any() else None,
        mask_consistent=bool(((out != 0) == kept)[finite].all()),
        rows=rows,
        unchanged=bool(np.array_equal(out, xs, equal_nan=True)),
        matches_select=bool(np.array_equal(out, select, equal_nan=True)),
        matches_multiply=bool(np.array_equal(out, multiply, equal_nan=True)),
    )
