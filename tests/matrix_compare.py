"""Compare one tool run (its Facts and its --format json) with the plain replay of the same call.

Every comparison returns a line naming the fact, the tool's value and the measured one; an empty list
means every fact a printed sentence rests on agrees with what the library did.
"""

from __future__ import annotations

import linecache
import math
from fractions import Fraction

import numpy as np

from matrix_replay import SAMPLERS, codes, grid_bits, in_dtype, kept_scale


def bits(a) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def same_bits(a, b) -> bool:
    return a is not None and b is not None and a.shape == b.shape and a.dtype == b.dtype and bool(
        np.array_equal(bits(a), bits(b)))


def as_list(a):
    return None if a is None else np.asarray(a).tolist()


class Diff:
    def __init__(self):
        self.lines: list[str] = []

    def eq(self, what: str, tool, measured):
        if tool != measured:
            self.lines.append(f"{what}: tool {tool!r}, measured {measured!r}")

    def true(self, what: str, ok: bool):
        if not ok:
            self.lines.append(what)


def quoted(error: BaseException) -> BaseException:
    """The exception the library raised first: a wrapper that quotes its context whole (tf-keras's layer call
    adds the call arguments around TensorFlow's message and raises it from None) is not the library's own word."""
    while error.__context__ is not None and str(error.__context__) and str(error.__context__) in str(error):
        error = error.__context__
    return error


def compare(case, status: int, doc: dict | None, trace, rep, x, replayable: bool) -> list[str]:
    """Every fact the sentences rest on, tool against replay (the case's options in `case.options()`)."""
    d = Diff()
    if rep.error is not None:  # the library refused: a library refusal, exit 4, in TensorFlow's words
        d.eq("exit status (the library refused)", status, 4)
        refusal = None if trace is None else trace.facts.refusal
        d.true(f"a refusal is reported ({type(rep.error).__name__}: {rep.error})", refusal is not None)
        if refusal is not None:
            d.eq("refusal type", refusal.type, type(rep.error).__name__)
            said = [line.strip() for line in str(quoted(rep.error)).strip().splitlines() if line.strip()]
            d.eq("refusal message (its last line)", refusal.message, said[-1] if said else "")
            d.eq("refusing function", refusal.function, rep.error_frame)
            d.eq("json refusal message", ((doc or {}).get("refusal") or {}).get("message"), said[-1] if said else "")
        return d.lines
    d.eq("exit status", status, 0)
    if trace is None or doc is None:
        return d.lines + ["no trace and no JSON"]
    f = trace.facts
    d.eq("refusal", f.refusal, None)
    d.true("the input is 1, 2, 3, ... in the input dtype", same_bits(trace.tensors["input"], x))
    _trace_and_calls(d, case, f, doc, trace, rep)
    _outputs_and_masks(d, case, f, doc, trace, rep, replayable)
    _noise(d, case, f, doc, trace, rep)
    _probabilities(d, f, doc, rep)
    _states(d, case, f, doc, rep, replayable)
    _landmarks(d, f, doc, rep)
    _gradients(d, case, f, doc, trace, rep, replayable)
    return d.lines


def _gradients(d, case, f, doc, trace, rep, replayable):
    """--grad: each call's gradient against a plain tape's on the fresh call, and the backward graph's ops."""
    if case.grad == "off":
        d.eq("no backward facts without --grad", f.backward, None)
        return
    b = f.backward
    d.eq("json upstream", doc["backward"]["upstream"], case.grad)
    d.eq("no path from the output to x (tape.gradient gave None)", b.no_path, rep.gradients[0] is None)
    for i, (c, g) in enumerate(zip(trace.calls, rep.gradients)):
        if replayable:
            d.true(f"call {i + 1}: gradient bit-equal to a plain tape's on a fresh call",
                   (c.gradient is None and g is None) or same_bits(c.gradient, g))
        if c.gradient is not None and c.keep_mask is not None:  # zero exactly where dropped (the upstream is ones)
            d.true(f"call {i + 1}: the gradient is 0 exactly where the mask dropped",
                   np.array_equal(c.gradient != 0, np.broadcast_to(c.keep_mask, c.gradient.shape)))
    if case.mode == "graph" and rep.backward_types:
        random = [t for t in rep.backward_types if "Random" in t]
        d.eq("random ops the gradient added", len(b.backward_random), len(random))
    d.eq("the sampler ran once per recorded call, backward pass included", b.sampler_runs, 1 if f.dropped else 0)


def _trace_and_calls(d, case, f, doc, trace, rep):
    count = 0 if case.mode == "eager" else rep.trace_count
    d.eq("trace count", f.trace_count, count)
    d.eq("json trace count", doc["trace_count"], count)
    d.eq("mode", f.mode, case.mode)
    d.eq("calls", len(trace.calls), case.calls)
    if rep.compute_dtype is not None:
        d.eq("compute dtype (the x _dropout received)", f.compute_dtype, rep.compute_dtype)
        d.eq("json compute dtype", doc["compute_dtype"], rep.compute_dtype)


def _drew(rep) -> bool:
    return any(k in rep.entered for k in SAMPLERS)


def _outputs_and_masks(d, case, f, doc, trace, rep, replayable):
    drew = _drew(rep)
    d.eq("the sampler drew", f.dropped, drew)
    if replayable:
        for i, (c, y) in enumerate(zip(trace.calls, rep.outputs)):
            d.true(f"call {i + 1}: output bit-equal to a fresh plain call's", same_bits(c.output, y))
    if not drew:
        d.eq("masks repeat (no draw)", f.masks_repeat, None)
        d.eq("draws (no draw)", f.draws, 0)
        for i, (c, y) in enumerate(zip(trace.calls, rep.outputs)):
            if case.rate == "0":
                x_out = np.asarray(trace.tensors["input"]).astype(y.dtype)  # a policy computes in its own dtype
                d.true(f"call {i + 1}: rate 0 returns x unchanged", same_bits(y, x_out))
                d.true(f"call {i + 1}: the tool's output is x unchanged", same_bits(c_out(trace, i), x_out))
        return
    masks = [y != 0 for y in rep.outputs]  # the input is 1, 2, 3, ...: an element is 0 exactly where dropped
    tool_masks = [None if c.keep_mask is None else np.broadcast_to(c.keep_mask, c.output.shape) for c in trace.calls]
    for i, (c, m) in enumerate(zip(trace.calls, tool_masks)):
        d.eq(f"call {i + 1}: kept elements", f.calls[i].kept, int(np.count_nonzero(c.output)))
        if replayable:
            d.true(f"call {i + 1}: keep mask equals the plain call's", m is not None and np.array_equal(m, masks[i]))
            d.true(f"call {i + 1}: uniforms bit-equal to the plain sampler's", same_bits(c.random, rep.uniforms[i]))
    if case.calls == 1:
        d.eq("masks repeat (one call)", f.masks_repeat, None)
        return
    if replayable:
        expected = all(np.array_equal(m, masks[0]) for m in masks)
    else:  # unseeded and not replayable: the draws' behaviour is the library's, a mask may still repeat by chance
        plain_repeat = all(same_bits(u, rep.uniforms[0]) for u in rep.uniforms)
        tool_repeat = all(same_bits(c.random, trace.calls[0].random) for c in trace.calls)
        d.eq("uniforms repeat across calls", tool_repeat, plain_repeat)
        expected = True if plain_repeat else all(np.array_equal(m, tool_masks[0]) for m in tool_masks)
    d.eq("masks repeat", f.masks_repeat, expected)
    d.eq("json masks repeat", doc["masks_repeat"], expected)


def c_out(trace, i):
    return trace.calls[i].output


def _noise(d, case, f, doc, trace, rep):
    if not _drew(rep) or rep.noise[0] is None:
        return
    noise = [int(n) for n in np.asarray(rep.noise[0]).ravel()]
    run_shape = trace.run_shape
    d.eq("noise shape at run time (what the sampler got)", [int(n) for n in f.noise_runtime or ()], noise)
    d.eq("draws", f.draws, math.prod(noise))
    shared = tuple(i for i, (n, s) in enumerate(zip(noise, run_shape)) if n == 1 and s > 1)
    d.eq("axes that share draws", f.shared_axes, shared)
    for i, y in enumerate(rep.outputs):
        m = y != 0
        for axis in shared:  # one draw serves the whole axis: the measured mask is constant along it
            d.true(f"call {i + 1}: mask constant along shared axis {axis}", bool(np.all(m == m.take([0], axis=axis))))
    elements = math.prod(run_shape)
    sharing = "per_element" if math.prod(noise) == elements else "batch" if 0 in shared else "axes"
    d.eq("how the draws serve the elements", f.sharing, sharing)


def _probabilities(d, f, doc, rep):
    p = f.probabilities
    if not _drew(rep):
        return
    if p is None:
        d.lines.append("P(keep) missing for a run that drew")
        return
    dtype, got = rep.compute_dtype, rep.rate_received
    tensor = isinstance(got, tuple)
    rate = got[1] if tensor else got
    m = grid_bits(_tf(), dtype)
    rate_d = in_dtype(_tf(), rate, dtype)
    kept = max(0, 2**m - math.ceil(Fraction(rate_d) * 2**m))
    scale, mean = kept_scale(_tf(), dtype, rate, tensor)
    d.eq("grid size of the uniforms", p.grid_size, 2**m)
    d.eq("rate in the dtype", p.rate_in_dtype, rate_d)
    d.eq("P(keep)", p.p_keep, kept / 2**m)
    if scale is None:  # the library kept none of 65,536: only a P(keep) of 0 explains it, and the output is all 0
        d.eq("P(keep) where the library kept nothing", kept, 0)
        d.eq("json P(keep)", (doc["probabilities"] or {}).get("p_keep"), 0)
        d.eq("expected output ratio where nothing is kept", p.expected_output_ratio, mean)
        return
    ratio = float(Fraction(kept, 2**m) * Fraction(scale))
    d.true(f"expected output ratio: tool {p.expected_output_ratio!r}, measured {ratio!r}",
           math.isclose(p.expected_output_ratio, ratio, rel_tol=1e-15, abs_tol=0))
    j = doc["probabilities"] or {}
    d.eq("json P(keep)", j.get("p_keep"), kept / 2**m)


def _tf():
    import tensorflow as tf

    return tf


def _unordered_next(state: list) -> list:
    """Keras's own update of the global SeedGenerator (draw_seed(None) calls next(ordered=False)), on `state`."""
    import keras

    gen = keras.random.SeedGenerator(seed=0)
    gen.state.assign(np.asarray(state, dtype=gen.state.dtype))
    gen.next(ordered=False)
    return as_list(gen.state.value)


def _states(d, case, f, doc, rep, replayable):
    for i, (c, (before, after)) in enumerate(zip(f.calls, rep.states)):
        if replayable:
            d.eq(f"call {i + 1}: state before", c.state_before, as_list(before))
            d.eq(f"call {i + 1}: state after", c.state_after, as_list(after))
            continue
        # a state drawn at random: there when the plain call's is, and it moves as the plain call's moves
        d.eq(f"call {i + 1}: a state before is shown", c.state_before is not None, before is not None)
        d.eq(f"call {i + 1}: a state after is shown", c.state_after is not None, after is not None)
        if all(v is not None for v in (before, after, c.state_before, c.state_after)):
            if case.api == "keras.random.dropout":  # next(ordered=False): a step that depends on the state itself
                d.eq(f"call {i + 1}: state after (SeedGenerator.next(ordered=False) of the state before)",
                     c.state_after, _unordered_next(c.state_before))
                d.eq(f"call {i + 1}: seed used (the state before)", c.seed_used, c.state_before)
            else:
                d.eq(f"call {i + 1}: state step", as_list(np.subtract(c.state_after, c.state_before)),
                     as_list(np.subtract(after, before)))
    if replayable and rep.seeds and rep.seeds[0] is not None:
        d.eq("seed passed to stateless_dropout", f.seed_passed, as_list(rep.seeds[0]))
        for i, (c, s) in enumerate(zip(f.calls, rep.seeds)):
            d.eq(f"call {i + 1}: seed used", c.seed_used, as_list(s))


def _landmarks(d, f, doc, rep):
    sampled = any(k in SAMPLERS for k, _, _ in rep.returns) and _drew(rep)
    for s in doc["stages"]:
        key = s.get("landmark")
        if s["name"] == "noise_shape":  # _dropout's stages: how far _dropout went, by what it called
            d.eq("stage noise_shape reached (_get_noise_shape was called)", s["reached"],
                 "tf._get_noise_shape" in rep.entered)
        elif s["name"] in ("uniform", "keep_mask", "output"):
            d.eq(f"stage {s['name']} reached (the sampler returned)", s["reached"], sampled)
        elif key in _watched():
            d.eq(f"stage {s['name']} ({key}) reached", s["reached"], key in rep.entered)
    if f.stopped is not None:
        ran = [lines for _, q, lines in rep.returns if q == f.stopped.function]
        d.true(f"stopped at {f.stopped.function}:{f.stopped.line}: that line ran", any(f.stopped.line in r for r in ran))
        code = next((c for c in codes() if c.co_qualname == f.stopped.function
                     and c.co_filename.endswith("/" + f.stopped.file)), None)
        source = linecache.getline(code.co_filename, f.stopped.line).strip() if code else ""
        d.true(f"stopped at {f.stopped.function}:{f.stopped.line}: a return or raise ({source!r})",
               source.startswith(("return", "raise")))
    elif not _drew(rep):
        d.lines.append("no draw and no stop point")


def _watched():
    from matrix_replay import WATCHED

    return WATCHED
