"""Exact integer sums over many masks, one graph run's outputs at a time: keep counts and neighbour pairs."""

from __future__ import annotations

import numpy as np


def _per_row(rows: np.ndarray, what) -> np.ndarray:
    """what(row) for each row: a loop of flat counts for a few big rows, numpy's axis form for many small ones."""
    if len(rows) <= 64:
        return np.array([what(r) for r in rows], np.int64)
    return what(rows, axis=1)


class Sums:
    """Exact integer sums over every mask so far; one graph run's outputs at a time, never all of them."""

    def __init__(self, run_shape, axes):
        self.axes = axes
        self.counts = np.zeros(run_shape, np.int32)  # keep count per element (trials <= MAX_TRIALS < 2**31)
        self.kept = 0
        self.calls = [0, 0, 0, 0]  # consecutive calls, same element: both kept, first kept, second kept, identical
        self.pairs = {a: [0, 0, 0] for a in axes}  # neighbours along a: both kept, first kept, second kept
        self.prev = self.prev_kept = None
        self.ysum = self.ysq = 0.0
        self.buffer = None

    def add(self, outputs: np.ndarray) -> None:
        """outputs: the k outputs of one graph run on ones, stacked along axis 0."""
        if self.buffer is None or self.buffer.shape != outputs.shape:  # reused: fresh pages cost more than the test
            self.buffer = np.empty(outputs.shape, bool)
        masks = np.not_equal(outputs, 0, out=self.buffer)  # x is ones: an element was kept where the output is nonzero
        wide = outputs.reshape(-1).astype(np.float64 if outputs.dtype == np.float64 else np.float32, copy=False)
        self.ysum += float(wide.sum())  # numpy sums pairwise: float32 stays within ~1e-7 of the exact sum
        self.ysq += float(np.dot(wide, wide))
        flat = masks.reshape(len(masks), -1)
        kept = _per_row(flat, np.count_nonzero)
        total = int(kept.sum())
        self.kept += total
        if len(masks) <= 64:
            for m in masks:
                np.add(self.counts, m, out=self.counts, casting="unsafe")
        else:
            self.counts += masks.sum(axis=0, dtype=np.int32)
        pairs = [(flat[:-1] & flat[1:], kept[:-1], kept[1:])] if len(flat) > 1 else []
        if self.prev is not None:  # the first call of this run follows the last call of the one before
            pairs.append((self.prev[None] & flat[:1], np.array([self.prev_kept]), kept[:1]))
        for both_kept, before, after in pairs:
            both = _per_row(both_kept, np.count_nonzero)
            c = self.calls
            c[0], c[1], c[2] = c[0] + int(both.sum()), c[1] + int(before.sum()), c[2] + int(after.sum())
            c[3] += int(np.count_nonzero(before + after == 2 * both))  # no element differs from the call before
        for a in self.axes:
            lead = (slice(None),) * (a + 1)
            both = int(np.count_nonzero(masks[lead + (slice(None, -1),)] & masks[lead + (slice(1, None),)]))
            last = int(np.count_nonzero(masks[lead + (-1,)]))
            first = int(np.count_nonzero(masks[lead + (0,)]))
            p = self.pairs[a]
            p[0], p[1], p[2] = p[0] + both, p[1] + total - last, p[2] + total - first
        self.prev, self.prev_kept = flat[-1].copy(), int(kept[-1])
