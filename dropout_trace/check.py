"""The closing cross-check: recompute dropout from the captured random draws, bit for bit."""

from __future__ import annotations

import numpy as np


def same_bits(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Equal dtype, shape and bytes: stricter than ==, which would hide a last-bit difference."""
    if a is None or b is None:
        return False
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def keep_mask_from(random: np.ndarray, rate: float) -> np.ndarray:
    """keep = random >= rate, with rate in the draws' dtype as TensorFlow compares it."""
    return random >= np.asarray(rate, dtype=random.dtype)


def recompute(x: np.ndarray, random: np.ndarray | None, rate: float, rate_is_tensor: bool = False) -> np.ndarray:
    """out = where(random >= rate, x * float(1/(1-rate)), 0) in x's dtype; a rate tensor divides by (1 - rate)."""
    if random is None:
        return x
    if rate_is_tensor:  # the tensor branch: x / (1 - rate), both in x's dtype
        one, r = np.asarray(1, dtype=x.dtype), np.asarray(rate, dtype=x.dtype)
        kept = (x / (one - r)).astype(x.dtype)
    else:  # the Python-float branch: the scale is computed in double, then cast once
        kept = (x * np.asarray(1 / (1 - rate), dtype=x.dtype)).astype(x.dtype)
    keep = np.broadcast_to(keep_mask_from(random, rate), x.shape)
    return np.where(keep, kept, np.zeros((), dtype=x.dtype)).astype(x.dtype)
