"""An output's one table of arrays, and how an array is written in it (whole, as a summary, or neither)."""

from __future__ import annotations

import hashlib

import numpy as np

from ..spec import FULL_UP_TO


def _floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or a.dtype.name == "bfloat16"


def plain(array: np.ndarray | None):
    """Nested lists; float16/bfloat16 widen exactly to float64 first."""
    if array is None:
        return None
    a = np.asarray(array)
    return (a.astype(np.float64) if _floating(a) else a).tolist()


def summary(a: np.ndarray) -> dict:
    """min, max and mean (in float64); a mask also says how many elements it keeps."""
    if a.size == 0:
        return {"min": None, "max": None, "mean": None}
    if a.dtype == bool:
        kept = int(np.count_nonzero(a))
        return {"min": bool(a.min()), "max": bool(a.max()), "mean": kept / a.size, "kept": kept}
    wide = a.astype(np.float64) if _floating(a) else a
    return {"min": wide.min().item(), "max": wide.max().item(), "mean": float(wide.mean(dtype=np.float64))}


class Tensors:
    """An output's one table of arrays: each is written once, under a name; elsewhere only its name appears.

    The snapshot may hold one tensor in several copies (the input as made, and as `_dropout` received
    it): equal float or bool arrays are one tensor. Integer arrays (seeds, shapes) are one tensor only
    when they are the same captured array: the seed state while tracing and before the call are equal
    but are two tensors.
    """

    def __init__(self, values: str | None = None):
        self.values = values  # full, summary or none; None: full up to FULL_UP_TO elements, a summary above
        self.table: dict[str, dict] = {}
        self._names: dict[tuple, list[str]] = {}  # (dtype, shape, digest of the bytes[, id]) -> names written

    def add(self, array, name: str, own: bool = False) -> str | None:
        """The name `array` is written under: the same tensor's, if it is in the table, else `name`.

        `own`: always an entry of its own under `name`, e.g. the output even where it equals the input.
        """
        if array is None:
            return None
        a = np.asarray(array)
        same = (a.dtype.name, a.shape, _digest(a)) + (() if _floating(a) or a.dtype == bool else (id(array),))
        names = self._names.setdefault(same, [])
        if name in names:
            return name
        if names and not own:
            return names[0]
        unique, n = name, 1
        while unique in self.table:
            n += 1
            unique = f"{name}_{n}"
        names.append(unique)
        self.table[unique] = self._entry(a)
        return unique

    def _entry(self, a: np.ndarray) -> dict:
        mode = self.values or ("full" if a.size <= FULL_UP_TO else "summary")
        entry = {"dtype": a.dtype.name, "shape": list(a.shape)}
        if mode == "full":
            entry["values"] = plain(a)
        elif mode == "summary":
            entry["summary"] = summary(a)
        return entry


def _digest(a: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(a).reshape(-1).view(np.uint8), digest_size=16).digest()
