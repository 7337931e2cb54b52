"""--grad: facts about the backward pass, derived from the snapshot alone (no TensorFlow here).

What the tape did is read from what was captured: the registered gradient functions that ran (their
landmark events, with file and line), the forward tensors each was handed (the very objects the
forward landmarks held), and in a graph the ops the gradient added to the traced function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MASK, SCALE = "tf._dropout:keep_mask", "tf._dropout:scale"  # the forward locals the backward pass may read


@dataclass(frozen=True)
class GradStep:
    """One registered gradient function as it ran: the forward op type it differentiates, where it lives, and
    which captured forward locals (landmark key:local name) the tape handed it as that op's inputs."""

    op_type: str
    function: str
    file: str | None
    line: int | None
    reads: tuple[str, ...]  # identifiers: "landmark key:local name"
    read_words: tuple[tuple[str, str], ...]  # the same, as (local name, the landmark function's own name)


@dataclass(frozen=True)
class BackwardFacts:
    upstream: str  # --upstream: ones, range or normal
    steps: tuple[GradStep, ...]  # in the order they ran
    mask_readers: tuple[str, ...]  # op types whose gradient function was handed _dropout's keep_mask
    scale_readers: tuple[str, ...]  # ... _dropout's scale
    mask_tensor: str | None  # graph: the keep mask's tensor name
    mask_edges: tuple[str, ...]  # graph: the backward ops that read the keep mask tensor
    backward_ops: int | None  # graph: how many ops the gradient added (None eagerly)
    backward_random: tuple[str, ...] | None  # graph: random ops among them (None eagerly)
    forward_random: tuple[str, ...] | None  # graph: random ops of the forward pass
    sampler_runs: int  # executions of the sampler landmark recorded, the backward pass included
    no_path: bool  # tape.gradient returned None: the output does not depend on the input
    gradient_dtype: str | None
    output_dtype: str | None = None  # call 1's output: the dtype the upstream met (a policy's float16)
    upstream_unchanged: bool = False  # call 1's gradient is its upstream, value for value, in the input's dtype
    dropped_get: str | None = None  # what call 1's gradient holds where its mask dropped: "zero", "nan" or
    # "other" (None: no mask, or no gradient)


def is_random(op_type: str) -> bool:
    """An op type of TensorFlow's random family (RandomUniform, StatelessRandomUniformV2, StatefulUniform, ...)."""
    return "Random" in op_type or "Uniform" in op_type


def backward_facts(snap, sampler: str) -> BackwardFacts | None:
    if snap.spec.grad is None:
        return None
    steps = tuple(_step(g, snap.landmarks) for g in snap.gradient_calls)
    mask = _mask_name(snap)
    b = snap.backward
    first = snap.calls[0] if snap.calls else None
    gradient = None if first is None else first.gradient
    return BackwardFacts(
        upstream=snap.spec.grad, steps=steps,
        mask_readers=tuple(s.op_type for s in steps if MASK in s.reads),
        scale_readers=tuple(s.op_type for s in steps if SCALE in s.reads),
        mask_tensor=mask,
        mask_edges=() if b is None or mask is None else tuple(op for t, op, _ in b.edges if t == mask),
        backward_ops=None if b is None else len(b.backward),
        backward_random=None if b is None else tuple(name for kind, name in b.backward if is_random(kind)),
        forward_random=None if b is None else tuple(name for kind, name in b.forward if is_random(kind)),
        sampler_runs=sum(1 for ev in (*snap.events, *snap.backward_events) if ev.key == sampler),
        no_path=first is not None and gradient is None,
        gradient_dtype=None if gradient is None else gradient.dtype.name,
        output_dtype=None if first is None else first.output.dtype.name,
        upstream_unchanged=gradient is not None and bool(np.array_equal(gradient, first.upstream)),
        dropped_get=_dropped_get(first))


def _dropped_get(call) -> str | None:
    """What the captured gradient holds where the captured mask dropped: all 0, all NaN (0 times an infinite
    scale), or else "other"; None without a mask, a gradient or a dropped element."""
    if call is None or call.gradient is None or call.keep_mask is None:
        return None
    dropped = call.gradient[~np.broadcast_to(call.keep_mask, call.gradient.shape)].astype(np.float64)
    if not dropped.size:
        return None
    return "zero" if np.all(dropped == 0) else "nan" if np.all(np.isnan(dropped)) else "other"


def _step(g, landmarks: dict) -> GradStep:
    lm = landmarks.get(g.key)
    ref = lm.ref if lm is not None else None
    reads = tuple(r for r in g.inputs if r is not None)
    words = []
    for r in reads:
        key, local = r.rsplit(":", 1)
        owner = landmarks.get(key)
        words.append((local, owner.ref.qualname if owner is not None and owner.ref else key))
    return GradStep(g.op_type, ref.qualname if ref else g.key.rsplit(":", 1)[-1], ref.file if ref else None,
                    ref.line if ref else None, reads, tuple(words))


def _mask_name(snap) -> str | None:
    """The keep mask's graph tensor name, as the forward `_dropout` held it (None eagerly or without a mask)."""
    ev = snap.first("tf._dropout")
    mask = (ev.return_locals or {}).get("keep_mask") if ev is not None else None
    return getattr(mask, "symbolic", None)
