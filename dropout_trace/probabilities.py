"""Exact dropout probabilities in the dtype TensorFlow's draw-and-compare really runs in (numpy only)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _np_dtype(dtype_name: str):
    """The numpy scalar type for a TF float dtype name; ValueError for any other name."""
    if dtype_name not in _DTYPES:
        raise ValueError(f"unsupported dtype {dtype_name!r}; expected one of {', '.join(_DTYPES)}")
    if dtype_name == "bfloat16":
        import ml_dtypes  # lazy: only bfloat16 needs it (numpy has none); it ships with TensorFlow

        return ml_dtypes.bfloat16
    return getattr(np, dtype_name)


def _finfo(dtype_name: str):
    """finfo for the dtype; ml_dtypes.finfo because numpy.finfo does not know bfloat16."""
    if dtype_name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.finfo(_np_dtype(dtype_name))
    return np.finfo(_np_dtype(dtype_name))


def _in_dtype(value: float, dtype_name: str) -> float:
    """round(value) to the nearest dtype value, returned exactly as a Python float."""
    with np.errstate(over="ignore"):  # overflow to inf is what TF stores too (float16 scale for rate near 1)
        return float(_np_dtype(dtype_name)(value))


def grid_bits(dtype_name: str) -> int:
    """Mantissa bits nmant: TF's uniform samplers return k / 2**nmant, k = 0 .. 2**nmant - 1."""
    return int(_finfo(dtype_name).nmant)


@dataclass(frozen=True)
class Probabilities:
    """Exact keep probability and output scale of one dropout call, with an optional grid check of draws."""

    compute_dtype: str
    rate: float
    rate_in_dtype: float
    scale_in_dtype: float | None
    grid_bits: int
    grid_size: int
    p_keep: float
    expected_output_ratio: float
    grid_checked_on: int
    off_grid: int


def _count_on_grid(draws, bits: int) -> tuple[int, int]:
    """(on, off) where on = #{d : 0 <= d < 1 and d * 2**bits is an integer}."""
    if draws is None:
        return 0, 0
    values = np.asarray(draws).astype(np.float64).ravel()  # every supported dtype widens exactly
    scaled = values * float(2**bits)  # a power-of-two scale is exact, so integrality is tested exactly
    on = int(np.count_nonzero((values >= 0) & (values < 1) & (np.floor(scaled) == scaled)))
    return on, values.size - on


def probabilities(compute_dtype: str, rate: float, *, rate_is_tensor: bool = False, draws=None) -> Probabilities:
    """p_keep = #{k : k / 2**bits >= round_dtype(rate)} / 2**bits; ratio = p_keep * effective scale."""
    if not (0 <= rate < 1 or rate_is_tensor and rate == 1):  # a rate tensor of 1 is TF's: x / 0, every draw dropped
        raise ValueError(f"rate must be in [0, 1), or 1 as a tensor, got {rate!r}")
    bits = grid_bits(compute_dtype)
    size = 2**bits
    rate_d = _in_dtype(rate, compute_dtype)
    # Fraction keeps rate_d * 2**bits exact even for float64, where it can exceed 53 bits of precision
    kept = max(0, size - math.ceil(Fraction(rate_d) * size))
    if rate_is_tensor:
        # TF computes x / (1 - rate) in the dtype: 1 - rate rounds first, then the quotient rounds again
        keep_d = _in_dtype(1.0 - rate_d, compute_dtype)
        scale, effective = None, math.inf if keep_d == 0 else _in_dtype(1.0 / keep_d, compute_dtype)
    else:
        # a Python-float rate: scale = 1 / (1 - rate) in double, rounded once into the dtype
        scale = effective = 1.0 if rate == 0 else _in_dtype(1.0 / (1.0 - rate), compute_dtype)
    # kept == 0 guards 0 * inf when a tensor rate rounds to 1.0 in the dtype
    ratio = 0.0 if kept == 0 else float(Fraction(kept, size) * Fraction(effective))
    on, off = _count_on_grid(draws, bits)
    return Probabilities(compute_dtype, rate, rate_d, scale, bits, size, kept / size, ratio, on, off)
