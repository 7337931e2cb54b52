"""The words of one grid cell: its uniform draw, the rate as the dtype stores it, and the comparison TF made."""

from __future__ import annotations

import numpy as np

from .words import axes, num

RATE_DIGITS = 6  # the stored rate to 6 significant digits: float16's 0.300049, bfloat16's 0.300781, float32's 0.3


def _decimals(v: float, places: int) -> str:
    return np.format_float_positional(v, precision=places, trim="-")


def draw_text(draw: float, rate_text: str, kept: bool) -> str:
    """The draw to 4 decimals, or more where fewer would compare with the shown rate otherwise than TF did."""
    for places in range(4, 18):
        text = _decimals(draw, places)
        if (float(text) >= float(rate_text)) == kept:
            return text
    return repr(draw)


def cell_story(draw: float, kept: bool, rate: float, rate_in_dtype: float, dtype: str,
               draw_at: tuple[int, ...] | None = None, shared: tuple[int, ...] = ()) -> str:
    """e.g. 'draw 0.2824 < rate 0.3: dropped': TF's `random_tensor >= rate`, from the captured draw and mask.

    draw_at and shared: the element took a draw its noise shape shares along these axes, at this index."""
    rate_text = f"{rate_in_dtype:.{RATE_DIGITS}g}"
    stored = "" if rate_text == f"{rate:.{RATE_DIGITS}g}" else f" ({num(rate)} as {dtype} stores it)"
    verdict = f">= rate {rate_text}{stored}: kept" if kept else f"< rate {rate_text}{stored}: dropped"
    where = ""
    if shared and draw_at is not None:
        where = f" (draw [{', '.join(map(str, draw_at))}], shared along {axes(shared)})"
    return f"draw {draw_text(draw, rate_text, kept)}{where} {verdict}"
