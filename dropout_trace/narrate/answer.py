"""After the stages: the probabilities, the kept count, the answer in short, the calls, the check, a refusal."""

from __future__ import annotations

from ..apis import APIS
from ..facts import Facts
from . import backward, cases
from .batches import batches_summary
from ..spec import shape_text
from .words import listed, num, plural, times




def probabilities_line(f: Facts) -> str | None:
    p = f.probabilities
    if p is None or not f.dropped:
        return None
    scale = f"scale {num(p.scale_in_dtype)}" if p.scale_in_dtype is not None else "x / (1 - rate)"
    on = ("the 1 captured draw lies on it" if p.grid_checked_on == 1 else
          f"all {plural(p.grid_checked_on, 'captured draw')} lie on it")
    grid = (f"grid of {plural(p.grid_size, 'value')} ({p.grid_bits} mantissa bits; {on})" if not p.off_grid else
            f"grid of {plural(p.grid_size, 'value')} ({p.off_grid:,} captured draws off it)")
    return (f"in {p.compute_dtype}: rate {num(p.rate_in_dtype)}, {scale}, {grid}; P(keep) = {num(p.p_keep)}; "
            f"expected output/input = {num(p.expected_output_ratio)}")


def kept_line(f: Facts, check) -> str:
    p = f.probabilities
    expected = f"P(keep) = {num(p.p_keep)}" if p else f"1 - rate = {num(1 - f.rate)}"
    line = ("call 1: " if f.sizes_differ else "") + f"kept {check.kept:,} of {check.total:,} = {check.kept_fraction:.1%}   (expected {expected}"
    independent = f.draws
    if f.keeps_none or f.keeps_all:  # a certain outcome: the sample's size changes nothing
        line += f"; {'no draw in [0, 1) reaches' if f.keeps_none else 'every draw reaches'} {cases.stored_rate(f)}"
    elif independent < 400:
        line += f"; {plural(independent, 'independent draw')} is a small sample"
    return line + ")"


def _zeroed_short(f: Facts) -> str:
    every = "every one" if f.zeros_out == f.elements else f"{f.zeros_out:,}"
    whose = "call 1's" if f.sizes_differ else "the"
    return (f"At rate 1 the call returned before any noise shape or draw existed: of the {plural(f.elements, 'element')} "
            f"of {whose} {shape_text(f.run_shape)} output, {every} is 0.")


def in_short(f: Facts) -> str | None:
    if f.zeroed:
        return _zeroed_short(f)
    if not f.dropped or f.noise_runtime is None:
        return None
    return f"{cases.noise(f).short(f)}, and the sampler drew {cases.drawn(f)}: {cases.sharing(f).short(f)}."


def answer_first(f: Facts) -> str:
    """The learner's question answered for this run, for the top of the screen: x's shape while tracing next to
    its run-time shape, where the mask's shape came from, and how many draws that gave (at most four lines)."""
    if f.mode == "eager" and f.sizes_differ:
        shape = f"There was no trace to share: x was {cases.run_shapes(f)}, each concrete from the start"
    elif f.mode == "eager":
        shape = f"x was {shape_text(f.run_shape)} from the start, with nothing traced"
    elif not f.calls:  # refused while tracing: no call of the graph ever ran
        shape = f"While tracing, x was {shape_text(f.shape)}; the graph never ran"
    elif f.sizes_differ:  # one trace, several run-time shapes: Python saw the static one only
        shape = (f"Python saw x as {shape_text(f.shape)} {times(f.trace_count)}, while tracing; the graph then ran "
                 f"on {cases.run_shapes(f)}")
    else:
        each = f" on each of its {len(f.replicas)} replicas" if f.replicas else ""
        shape = f"While tracing, x was {shape_text(f.shape)}; when the graph ran, {shape_text(f.run_shape)}{each}"
    said = in_short_brief(f)
    if said is not None and f.keeps_none:
        return f"{shape}. {said.rstrip('.')}; none reaches {cases.stored_rate(f)}: every output is 0."
    if said is not None:
        return f"{shape}. {said}"
    if f.refusal is not None:
        return f"{shape}. The library refused the call before a mask existed: its words are below."
    if f.training is False:
        return f"{shape}. training=False: the layer returned its input, so no mask was drawn."
    return f"{shape}. At rate {num(f.rate)} the call returned x before any draw, so no mask was drawn."


def in_short_brief(f: Facts) -> str | None:
    """The answer in one or two lines: where the mask's shape came from, and how many draws it got."""
    if f.zeroed:
        return _zeroed_short(f)
    if not f.dropped or f.noise_runtime is None:
        return None
    said = cases.noise(f).short_brief(f)
    return f"{said}; the sampler drew {cases.drawn(f)}, {cases.sharing(f).short_brief(f)}."


def calls_summary(f: Facts) -> list[str]:
    """Several calls: whether the masks repeat, and why, from the states and seeds captured per call."""
    if len(f.calls) < 2:
        return []
    if f.sizes_differ:
        return batches_summary(f)
    traced = ("" if f.mode == "eager" else
              f"One tf.function, traced {plural(f.trace_count, 'time')} and called {plural(len(f.calls), 'time')}. ")
    if f.masks_repeat is None:
        return [traced + "No call drew a mask."]
    if f.masks_repeat:
        why = {"constant_seed": "the seed is a constant, so every call draws the same uniforms"}.get(
            f.state_kind, "the calls drew the same uniforms")
        return [traced + f"Every call gave the same mask: {why}."]
    states = [c.state_before for c in f.calls]
    if f.state_kind in ("seed_generator", "generator") and all(s is not None for s in states):
        why = "the random state moved on with every call: " + " → ".join(listed(s) for s in states
                                                                          + [f.calls[-1].state_after])
    elif f.state_kind == "op_state" and len({str(c.seed_used) for c in f.calls}) == len(f.calls):
        why = "each call got a new op seed: " + " → ".join(listed(c.seed_used) for c in f.calls)
    elif f.state_kind == "op_state":
        why = "the stateful op keeps its own position in the random stream and moves it on every call"
    else:
        why = "each call drew new uniforms"
    return [traced + f"The masks differ: {why}."]


def check_rows(f: Facts, c) -> list[tuple[bool | None, str]]:
    calls = f" in each of the {len(f.calls)} calls" if len(f.calls) > 1 else ""
    every = "for the 1 draw" if c.draws == 1 else f"for all {plural(c.draws, 'draw')}"
    if f.sizes_differ:  # each call drew its own number
        every, calls = f"for each call's {cases.drawn(f, 'draw')}", ""
    rows = [(c.mask_matches, f"keep_mask == (random >= rate) {every}{calls}" if c.dropped
             else "no mask was drawn: the library returned before sampling")]
    if c.zeroed:
        rows.append((c.bit_exact, f"output == zeros of x's shape and dtype{calls}: rate 1 drops every element, "
                                  "returned without a draw"))
    elif not c.dropped:
        why = "training=False" if f.training is False else "rate 0 drops and scales nothing"
        rows.append((c.bit_exact, f"output == the input x, unchanged: {why}"))
    elif c.rate_is_tensor:
        rows.append((c.bit_exact, f"output == where(random >= rate, x / ({f.compute_dtype}(1) - rate), 0) with rate = "
                                  f"{f.compute_dtype}({c.rate:g}), the tensor branch, computed in numpy from the "
                                  f"captured random tensor{calls}"))
    else:
        rows.append((c.bit_exact, f"output == where(random >= {c.rate!r}, x * {f.compute_dtype}(1/(1-{c.rate!r})), 0), "
                                  f"computed in numpy from the captured random tensor{calls}"))
    if f.replicas:
        for r in f.replicas[1:]:
            rows.append((None if r.check is None else r.check.passed,
                         f"replica {r.replica}: the same two checks, on its own captured draws and output" if c.dropped
                         else f"replica {r.replica}: its output is all zeros, as on replica 0" if c.zeroed
                         else f"replica {r.replica}: its output is its input, unchanged, as on replica 0"))
        rows.append((None, "not replayed against a fresh single-device call: under MirroredStrategy each "
                           "replica is checked on its own capture instead"))
    elif c.fresh_layer_equal is None:
        rows.append((None, "not replayed: with no seed the library picked its own at random, and this tool "
                           "replays only Keras 3 layers from the seed they drew"))
    elif not c.dropped:
        what = "all zeros" if c.zeroed else "the input, unchanged"
        every = len(c.per_call) > 1 and all(k.fresh_equal is not None for k in c.per_call)
        if every:  # each call replayed in order, as for a draw
            rows.append((all(k.fresh_equal for k in c.per_call), f"each call's output == a fresh call's output: {what}"))
        else:
            rows.append((c.fresh_layer_equal, f"output of call 1 == a fresh call's output: {what}"))
    else:
        ref = APIS[f.api].reference(f.rng)
        if f.seed is None and c.reference_seed is not None:
            ref += f" (seed {c.reference_seed}, the one the layer drew)"
        if f.keeps_none or f.keeps_all:  # every seed gives this output: the row cannot tell seeds apart
            ref += (f"; at P(keep) {num(f.probabilities.p_keep)} any seed gives this output, so this row does not "
                    "test the seeds")
        rows += _replayed_rows(f, c, ref)
    return rows + backward.check_rows(f, c)


def _replayed_rows(f: Facts, c, ref: str) -> list[tuple[bool | None, str]]:
    """The public API's replay: of call 1, or of every call in order (each then meets the state its call met)."""
    per = c.per_call
    if len(per) < 2:
        return [(c.fresh_layer_equal, f"output of call 1 == {ref}")]
    known = [k.fresh_equal for k in per if k.fresh_equal is not None]
    how = " through one tf.function" if f.mode == "graph" else ", eagerly"
    inputs = "on the same inputs " if f.sizes_differ else "again "
    rows = [(all(known) if known else None,
             f"each call's output == {ref}, called {inputs}in the same order{how}, so with the state each call used"
             if len(known) == len(per) else f"output of call 1 == {ref}")]
    if len(known) < len(per):
        rows.append((None, f"calls 2 to {len(per)}: no replay of theirs was recorded"))
    return rows


def check_brief(f: Facts, c) -> list[tuple[bool | None, str]]:
    """The check's rows in a few words each; the full wording is check_rows."""
    rows = [(c.mask_matches, "keep_mask == (random >= rate)" if c.dropped else "no mask drawn")]
    rows.append((c.bit_exact, "output bit for bit" if c.dropped else "output == 0" if c.zeroed else "output == x"))
    if f.replicas:
        ok = [r.check.passed for r in f.replicas[1:] if r.check is not None]
        rows.append((all(ok) if ok else None, "every replica on its own capture"))
    elif c.fresh_layer_equal is None:
        rows.append((None, "not replayed"))
    else:
        fresh = c.fresh_layer_equal and all(k.fresh_equal is not False for k in c.per_call)
        many = len(c.per_call) > 1
        rows.append((fresh, ("fresh calls agree" if many else "a fresh call agrees") if fresh else
                     ("a fresh call differs")))
    return rows + backward.check_brief(f, c)


def refusal(f: Facts) -> list[str]:
    r = f.refusal
    if r is None:
        return []
    lines = [f"{r.type}: {r.message}",
             f"raised in {r.function} at {r.file}:{r.line} `{r.source}`"]
    if f.sampler_got_unknown_size and f.mode == "graph":
        lines.append("Why: _get_noise_shape fills a None in noise_shape only from x's static shape, and x's batch is "
                     "None while tracing, so the sampler was asked for a shape with an unknown size and cannot build "
                     "a tensor of it. Keras fills None from tf.shape(x) at run time instead (try --api keras), and "
                     "eagerly every size is known (try --eager).")
    else:
        lines.append("Why: the library refused these arguments; the stages above show what it had received.")
    return lines
