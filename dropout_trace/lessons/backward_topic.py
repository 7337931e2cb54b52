"""The backward pass: the gradient reuses the forward keep mask, scaled; dropped units get no gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import Stopped, stopped


@dataclass(frozen=True)
class GradFunction:
    """A registered gradient function that ran while tape.gradient built the backward pass."""

    op: str
    function: str
    file: str | None
    line: int | None
    handed: list  # the forward locals it was handed, "local (function)"


@dataclass(frozen=True)
class Backward:
    dropped: bool  # the forward call drew a mask
    zeroed: bool  # it returned zeros before any draw (Keras 3 at rate 1), not its input
    stopped: Stopped | None  # where the traced call returned early, if it did
    upstream: list  # call 1's upstream gradient (1, 2, 3, ...)
    keep_mask: list | None  # call 1's keep mask, as broadcast onto the output
    gradient: list | None  # the tape's gradient with respect to x; None: no path
    dtype: str  # the compute dtype: the scale's
    gradient_dtype: str  # the input's, which the gradient comes back in
    scale: float | None  # the forward scale, in the compute dtype
    zero_where_dropped: bool  # the gradient is 0 exactly where the mask dropped
    kept_get_scaled_upstream: bool  # where kept, the gradient is upstream * scale, bit for bit
    gradient_exact: bool  # the check: where(keep_mask, upstream, 0) * scale from the captured mask
    fresh_tape_equal: bool | None  # a plain GradientTape on a fresh layer with the same seed
    mask_read_by: list  # op types whose gradient function was handed _dropout's keep_mask
    mask_tensor: str | None
    mask_into: list  # the backward ops that read it in the graph
    backward_ops: int | None
    backward_random: list | None
    forward_random: list | None
    functions: list  # of GradFunction, in the order they ran


def compute(p) -> Backward:
    from ..spec import build_spec
    from ..trace import trace_run

    trace = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, grad=True, upstream="range"))
    f, c, check = trace.facts, trace.calls[0], trace.check
    b = f.backward
    mask = None if c.keep_mask is None else np.broadcast_to(c.keep_mask, c.output.shape)
    g, u = c.gradient, c.upstream
    scale = None if f.probabilities is None else f.probabilities.scale_in_dtype
    kept_ok = False
    if mask is not None and g is not None and scale is not None:
        kept_ok = bool(np.array_equal(g[mask], (u[mask].astype(g.dtype) * g.dtype.type(scale)).astype(g.dtype)))
    return Backward(
        dropped=f.dropped, zeroed=f.zeroed, stopped=stopped(f.stopped), upstream=u.tolist(),
        keep_mask=None if mask is None else mask.tolist(), gradient=None if g is None else g.tolist(),
        dtype=f.compute_dtype or trace.dtype, gradient_dtype=trace.dtype, scale=None if scale is None else float(scale),
        zero_where_dropped=mask is not None and g is not None and bool(np.array_equal(g != 0, mask)),
        kept_get_scaled_upstream=kept_ok,
        gradient_exact=all(k.gradient_exact for k in check.per_call),
        fresh_tape_equal=check.per_call[0].fresh_gradient_equal,
        mask_read_by=list(b.mask_readers), mask_tensor=b.mask_tensor, mask_into=list(b.mask_edges),
        backward_ops=b.backward_ops, backward_random=None if b.backward_random is None else list(b.backward_random),
        forward_random=None if b.forward_random is None else list(b.forward_random),
        functions=[GradFunction(s.op_type, s.function, s.file, s.line,
                                [f"{local} ({owner})" for local, owner in s.read_words]) for s in b.steps])
