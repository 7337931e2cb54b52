"""The closing cross-check: recompute dropout from the captured random draws, bit for bit, for every call."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CallCheck:
    """One call's part of the check: its mask and output from its own draws, and the public API's replay of it."""

    index: int
    mask_matches: bool
    bit_exact: bool
    fresh_equal: bool | None  # a fresh public call, replayed in order to this call, gives its output; None: not
    # replayed (an unseeded stateful op, a recording made before calls were replayed one by one)
    gradient_exact: bool | None = None  # --grad: the tape's gradient == gradient_from(upstream, this call's mask)
    fresh_gradient_equal: bool | None = None  # --grad: a plain tape on the fresh public call gives the same gradient

    @property
    def passed(self) -> bool:
        return (self.mask_matches and self.bit_exact and self.fresh_equal is not False
                and self.gradient_exact is not False and self.fresh_gradient_equal is not False)


@dataclass(frozen=True)
class Check:
    """Facts of the cross-check: the explanation reproduces the library bit for bit."""

    bit_exact: bool  # every call's output recomputed from its captured random tensor == its output
    mask_matches: bool  # every captured keep_mask == (random >= rate)
    fresh_layer_equal: bool | None  # a fresh public call gives call 1's output; None: nothing can replay it
    kept: int  # elements kept in call 1's output
    total: int  # elements of the output
    draws: int  # uniforms drawn in call 1 (fewer than total when a noise shape shares draws)
    rate: float  # the rate `_dropout` received
    rate_is_tensor: bool  # True: x / (1 - rate) in the dtype; False: x * float(1/(1-rate))
    dropped: bool  # False when the library returned early, without drawing
    calls: int  # how many calls were checked
    reference_seed: object = None  # the seed the fresh call used, when it was read from the run
    zeroed: bool = False  # it returned early with zeros, as Keras 3's backend does for rate 1, not its input
    per_call: tuple[CallCheck, ...] = ()

    @property
    def passed(self) -> bool:
        return (self.bit_exact and self.mask_matches and self.fresh_layer_equal is not False
                and all(c.passed for c in self.per_call))

    @property
    def kept_fraction(self) -> float:
        return self.kept / self.total if self.total else 0.0


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
    keep = np.broadcast_to(keep_mask_from(random, rate), x.shape)
    return np.where(keep, scaled(x, rate, rate_is_tensor), np.zeros((), dtype=x.dtype)).astype(x.dtype)


def scaled(x: np.ndarray, rate: float, rate_is_tensor: bool) -> np.ndarray:
    """x * float(1/(1-rate)) cast to x's dtype, or for a rate tensor x / (1 - rate) in x's dtype."""
    # the dtype's own arithmetic, as TensorFlow's: x * scale past float16's 65504 is inf there too (rate 0.9999
    # scales by 10000), and a rate that rounds to 1 in the dtype divides by 0; numpy would warn about each
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if rate_is_tensor:  # the tensor branch: x / (1 - rate), both in x's dtype
            one, r = np.asarray(1, dtype=x.dtype), np.asarray(rate, dtype=x.dtype)
            return (x / (one - r)).astype(x.dtype)
        return (x * np.asarray(1 / (1 - rate), dtype=x.dtype)).astype(x.dtype)  # the scale in double, cast once


def gradient_from(upstream: np.ndarray, keep_mask: np.ndarray | None, rate: float, rate_is_tensor: bool,
                  out_dtype, in_dtype) -> np.ndarray:
    """The gradient of sum(output * upstream) with respect to the input, in the order the backward ops compute
    it: SelectV2's gradient keeps the upstream where the forward keep mask is True (0 elsewhere), then the
    scale's Mul (or RealDiv) gradient scales it, in the output's dtype; a cast back to the input's dtype last.
    With no mask (the call returned early) the gradient is the upstream itself."""
    u = upstream.astype(out_dtype)
    if keep_mask is None:
        return u.astype(in_dtype)
    kept = np.where(np.broadcast_to(keep_mask, u.shape), u, np.zeros((), dtype=u.dtype))
    return scaled(kept, rate, rate_is_tensor).astype(in_dtype)


def check_calls(snap, rate: float, rate_is_tensor: bool) -> Check:
    """Every call: mask == random >= rate and output == recompute(input seen by _dropout, random). A call that
    drew nothing must have returned its input, or zeros of its shape and dtype where the rate it stopped at is 1."""
    calls = snap.calls
    first = calls[0]
    run_x = _dropout_input(snap)
    dropped = first.random is not None
    zeroed = not dropped and rate == 1
    replayed = snap.fresh_calls or (snap.fresh,)  # a recording of one replayed call holds only `fresh`
    per_call = []
    for i, c in enumerate(calls):
        x = run_x if c.x is None else c.x.astype(c.output.dtype, copy=False)  # --batch 3,5: this call's own x
        if c.random is None:
            exact = same_bits(c.output, np.zeros_like(x) if zeroed else x)
            masks = c.keep_mask is None
        else:
            exact = same_bits(recompute(x, c.random, rate, rate_is_tensor), c.output)
            masks = c.keep_mask is not None and np.array_equal(c.keep_mask, keep_mask_from(c.random, rate))
        fresh = replayed[i] if i < len(replayed) else None
        per_call.append(CallCheck(c.index, bool(masks), bool(exact), None if fresh is None else same_bits(fresh, c.output),
                                  *_gradient_checks(snap, i, c, rate, rate_is_tensor, zeroed)))
    full = (np.broadcast_to(first.keep_mask, first.output.shape) if first.keep_mask is not None
            else np.full(first.output.shape, not zeroed))  # with no mask, every element is kept, or none
    return Check(all(c.bit_exact for c in per_call), all(c.mask_matches for c in per_call), per_call[0].fresh_equal,
                 int(full.sum()), int(full.size), int(first.random.size) if dropped else 0, rate, rate_is_tensor,
                 dropped, len(calls), snap.reference_seed, zeroed, tuple(per_call))



def _gradient_checks(snap, i: int, c, rate: float, rate_is_tensor: bool, zeroed: bool) -> tuple:
    """--grad: (the gradient == gradient_from(upstream, the call's own mask), a fresh tape's gradient == it);
    (None, None) without --grad."""
    if c.upstream is None:
        return None, None
    fresh = snap.fresh_gradients[i] if i < len(snap.fresh_gradients) else None
    if zeroed:  # Keras 3 returned tf.zeros_like(x), which does not depend on x: the tape finds no path, and None
        return c.gradient is None, None if not snap.fresh_gradients else fresh is None
    x_in = snap.input.dtype  # the gradient comes back in the input's dtype, through any cast the layer made
    exact = same_bits(c.gradient, gradient_from(c.upstream, c.keep_mask, rate, rate_is_tensor, c.output.dtype, x_in))
    return bool(exact), None if not snap.fresh_gradients else same_bits(fresh, c.gradient)


def _dropout_input(snap) -> np.ndarray:
    """x as `_dropout` received it (a layer may have autocast it to its compute dtype), else the input."""
    ev = snap.first("tf._dropout")
    x = ev.call_locals.get("x") if ev else None
    value = getattr(x, "value", None)
    if value is not None:
        return value
    out = snap.calls[0].output
    return snap.input.astype(out.dtype) if snap.input.dtype != out.dtype else snap.input
