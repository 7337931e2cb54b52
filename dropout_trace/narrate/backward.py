"""--grad: the backward pass in words, each sentence chosen from backward.BackwardFacts and the run's facts."""

from __future__ import annotations

from .words import axes, num, plural


def title(f, brief: bool = False) -> str:
    if brief:  # the run line says graph or eager already
        return f"the gradient, upstream {upstream_words(f.backward)}"
    where = "eagerly" if f.mode == "eager" else "in the same tf.function"
    return f"tape.gradient(sum(output * upstream), x), {where}"


def brief(f) -> str:
    """The backward pass in a line, for the projector view (the grid beside it shows the scale)."""
    b = f.backward
    if b.no_path or not f.dropped:
        return lines(f, None)[0]
    reader = next((s for s in b.steps if ("keep_mask", "_dropout") in s.read_words), None)
    said = [f"{reader.op_type}'s gradient reused the keep mask" if reader else "no gradient read the keep mask"]
    if b.backward_random is not None:
        said.append(f"none of {b.backward_ops} backward ops is random" if not b.backward_random
                    else f"{plural(len(b.backward_random), 'backward op')} random")
    elif b.sampler_runs == 1:
        said.append("the sampler ran once, forward")
    return "; ".join(said) + "."


def upstream_words(b) -> str:
    return {"ones": "ones", "range": "1, 2, 3, ...", "normal": "standard normal values"}[b.upstream]


def step_reads(step) -> str:
    """What the tape handed one gradient function, in words: 'keep_mask (_dropout), zero_tensor (_dropout)'."""
    return ", ".join(f"{local} ({owner})" for local, owner in step.read_words) or "-"


def lines(f, check) -> list[str]:
    """The backward pass's sentences for this run, in the order a student reads them."""
    b = f.backward
    if b.no_path:
        why = "the call returned zeros before any draw, and they" if f.zeroed else "the output"
        return [f"tape.gradient returned None: {why} do not depend on x, so no gradient reaches the input."]
    if not f.dropped:
        why = "training=False" if f.training is False else f"rate {num(f.rate)}"
        return [f"No keep mask was made ({why}: the call returned x before drawing), so the gradient is "
                f"{_the_upstream(b)}."]
    out = [_reuse(f, b), _draws(f, b), _scale(f, b)]
    if f.shared_axes:
        out.append(f"The mask is shared along {axes(f.shared_axes)}, so the gradient's zeros are shared the same "
                   "way: every element that shares a dropped draw gets no gradient.")
    if len(f.calls) > 1 and check is not None and all(k.gradient_exact for k in check.per_call):
        out.append(f"Every call drew the same mask, so each of the {len(f.calls)} calls' gradients has the same "
                   "zeros (the check replays each)." if f.masks_repeat else
                   f"Each of the {len(f.calls)} calls' gradients follows that call's own mask (the check replays "
                   "each).")
    return [line for line in out if line]


def _the_upstream(b) -> str:
    """The gradient of a call that made no mask: the upstream, unchanged, or rounded through the output's dtype."""
    if b.upstream_unchanged:
        return "the upstream itself, unchanged"
    return (f"the upstream rounded to {b.output_dtype}, the output's dtype (the loss multiplies the output by it "
            f"there), then cast back to {b.gradient_dtype}")


def _dropped(f, b) -> str:
    """What a dropped element's gradient is, as captured."""
    p = f.probabilities
    if b.dropped_get == "nan" and p is not None and p.scale_in_dtype == float("inf"):
        return (f"dropped elements get NaN: SelectV2's gradient gives them 0, and the scale, inf in "
                f"{f.compute_dtype}, makes that 0 × inf")
    if b.dropped_get == "nan":
        return "dropped elements get NaN"
    if b.dropped_get == "zero":
        return "dropped elements get 0: no gradient reaches them"
    return "dropped elements get neither 0 nor NaN throughout" if b.dropped_get == "other" else ""


def _reuse(f, b) -> str:
    readers = [s for s in b.steps if ("keep_mask", "_dropout") in s.read_words]
    if not readers:
        return "No gradient function was handed _dropout's keep mask."
    fn = readers[0]
    said = f"{fn.function} (the gradient of {fn.op_type}) was handed the forward keep mask itself, _dropout's keep_mask"
    if b.mask_tensor is None:
        return said + ": the very tensor object the forward pass made."
    if not b.mask_edges:
        return f"{said}, {b.mask_tensor}."
    into = [name.rsplit("/", 1)[-1] for name in b.mask_edges]
    into = " and ".join([", ".join(into[:-1]), into[-1]] if len(into) > 1 else into)
    return f"{said}, {b.mask_tensor}; in the graph it feeds {plural(len(b.mask_edges), 'backward op')}, {into}."


def _draws(f, b) -> str:
    if b.backward_random is not None:
        if b.backward_random:
            return f"The gradient added random ops: {', '.join(b.backward_random)}."
        forward = sorted({name.rsplit("/", 1)[-1] for name in b.forward_random or ()})
        theirs = f": the graph's random ops are the forward pass's ({', '.join(forward)})" if forward else ""
        return (f"None of the {plural(b.backward_ops, 'op')} the gradient added is a random op{theirs}, so no new "
                "mask is drawn.")
    if b.sampler_runs == 1:
        return "The sampler ran once, in the forward pass, and not again while the gradient was taken: no new mask."
    return f"The sampler ran {plural(b.sampler_runs, 'time')} in the recorded call."


def _scale(f, b) -> str:
    p = f.probabilities
    if f.keeps_none:
        return (f"No element was kept (the rate, as {f.compute_dtype} stores it, is 1): {_dropped(f, b)}, whatever "
                "the upstream.")
    if p is not None and p.scale_in_dtype is not None:
        exact = 1 / (1 - f.rate)
        rounded = (f" (1/(1 - {num(f.rate)}) = {num(exact)}, rounded to {f.compute_dtype})"
                   if num(p.scale_in_dtype) != num(exact) else f" ({f.compute_dtype})")
        how = f"upstream × {num(p.scale_in_dtype)}{rounded}"
    else:
        how = f"upstream / (1 - rate), in {f.compute_dtype}"
    cast = (f"; computed in {f.compute_dtype}, then cast back to {b.gradient_dtype}, the input's dtype"
            if b.gradient_dtype and f.compute_dtype and b.gradient_dtype != f.compute_dtype else "")
    handed = (f" {[s for s in b.steps if ('scale', '_dropout') in s.read_words][0].function} was handed _dropout's "
              "scale." if b.scale_readers else "")
    dropped = _dropped(f, b)
    return f"Kept elements get {how}, the forward scale{cast}{'; ' + dropped if dropped else ''}.{handed}"


def check_rows(f, c) -> list[tuple[bool | None, str]]:
    """The check's rows for the gradient: from the captured mask, and against a plain tape on a fresh object."""
    b = f.backward
    if b is None or c is None:
        return []
    calls = f" in each of the {len(c.per_call)} calls" if len(c.per_call) > 1 else ""
    exact = all(k.gradient_exact for k in c.per_call)
    if b.no_path:
        rows = [(exact, f"tape.gradient returned None{calls}: the zeros returned do not depend on x")]
    elif not f.dropped:
        through = "" if b.upstream_unchanged else f" through {b.output_dtype}"
        rows = [(exact, f"gradient == the upstream{through}{calls}, as it arrived: no mask was made")]
    else:
        scale = (f"/ ({f.compute_dtype}(1) - rate)" if c.rate_is_tensor
                 else f"* {f.compute_dtype}(1/(1-{c.rate!r}))")
        rows = [(exact, f"gradient == where(keep_mask, upstream, 0) {scale}, computed in numpy from the captured "
                        f"mask, bit for bit{calls}")]
    fresh = [k.fresh_gradient_equal for k in c.per_call]
    if any(v is None for v in fresh):
        rows.append((None, "the gradient was not replayed on a fresh object (nothing can replay this call)"))
    else:
        seed = (f"the seed it drew ({c.reference_seed})" if f.seed is None and c.reference_seed is not None
                else "the same seed")
        rows.append((all(fresh), f"a plain tf.GradientTape on a fresh object with {seed} gives the same "
                                 f"gradient{calls}"))
    return rows


def check_brief(f, c) -> list[tuple[bool | None, str]]:
    """The gradient's check rows in a few words each."""
    if f.backward is None or c is None:
        return []
    fresh = [k.fresh_gradient_equal for k in c.per_call]
    exact = all(k.gradient_exact for k in c.per_call)
    if any(v is None for v in fresh):
        return [(exact, "gradient bit for bit"), (None, "gradient not replayed")]
    return [(exact and all(fresh), "gradient bit for bit, as a fresh tape's")]
