"""Every English sentence about the library, chosen from captured facts. Nothing else writes prose about it.

Each function takes facts (and the stage or check they are about) and returns words; no code
anywhere branches on what these words say.
"""

from __future__ import annotations

import numpy as np

from ..facts import Facts
from ..model import Stage, StopPoint
from ..spec import shape_text

SAMPLER_NAMES = {"tf.stateless_random_uniform": "stateless_random_uniform (StatelessRandomUniformV2)",
                 "tf.random_uniform": "random_uniform (a stateful RandomUniform op)",
                 "tf.Generator.uniform": "tf.random.Generator.uniform"}
REFERENCES = {
    "keras": "a fresh layer with the same seed: its SeedGenerator starts at [seed, 0] again",
    "spatial": "a fresh layer with the same seed: its SeedGenerator starts at [seed, 0] again",
    "keras.random.dropout": "the same call again: an integer seed makes it a pure function of x",
    "tf-keras": "a fresh layer with the same seed and rng type",
    "tf-keras legacy": "a fresh layer with the same seed, after tf.random.set_seed(seed)",
    "tf.nn.dropout": "tf.random.set_seed(seed), then a fresh tf.nn.dropout(..., seed=seed): the same op seeds",
    "tf.compat.v1.nn.dropout": "tf.random.set_seed(seed), then a fresh tf.compat.v1.nn.dropout(..., seed=seed)",
    "stateless": "the same call again: a stateless op is a pure function of its seed",
}


def num(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.10g}"


def listed(values) -> str:
    return "[" + ", ".join("None" if v is None else num(v) for v in values) + "]"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def axes(ax: tuple[int, ...]) -> str:
    return ("axis " if len(ax) == 1 else "axes ") + ", ".join(map(str, ax))


# -- header -----------------------------------------------------------------------------------
def mode_line(f: Facts, signature: str) -> str:
    if f.mode == "eager":
        return "eager: each op runs as soon as it is called; every shape is concrete, nothing is traced"
    calls = f"called {plural(len(f.calls), 'time')}" if f.calls else "never ran"
    again = " (tf.function traced again; only the last trace's graph runs)" if f.trace_count > 1 else ""
    return (f"graph: tf.function(input_signature=[{signature}]); traced {plural(f.trace_count, 'time')}{again}, "
            f"{calls}")


def notes(f: Facts) -> list[str]:
    out = []
    if f.kind == "layer" and f.compute_dtype:
        arg = f"dtype='{f.layer_dtype}'" if f.layer_dtype else "no dtype= argument"
        if f.compute_dtype == f.input_dtype:
            out.append(f"input {f.input_dtype}, layer built with {arg}: _dropout received x in {f.compute_dtype}")
        else:
            out.append(f"input {f.input_dtype}, layer built with {arg}: the layer cast x to {f.compute_dtype} "
                       f"before dropout, so the draw and the comparison ran in {f.compute_dtype}")
    if f.rng_default:
        out.append(f"no --rng given: tf_keras's default RandomGenerator branch ran, {f.rng}" if f.dropped else
                   f"no --rng given: tf_keras's default RandomGenerator branch is {f.rng}; it did not run here")
    if f.seed is None:
        out.append(("no seed given: the library drew its own" + (
            f"; the stateless op received {listed(f.seed_passed)}" if f.seed_passed else "")) if f.dropped else
            "no seed given; nothing was drawn")
    out += [f"missing in the installed version: {m}" for m in f.missing]
    if f.replicas:
        n, rows = len(f.replicas), f.replicas[0].rows
        out.append(f"MirroredStrategy with {n} replicas, one logical CPU device each, through strategy.run in the "
                   f"tf.function; each replica took {plural(rows, 'row')} of a global batch of {n * rows:,}, and the "
                   "stages below follow replica 0")
    return out


# -- stages -----------------------------------------------------------------------------------
def title(stage: Stage, f: Facts) -> str:
    k = stage.key
    if k == "call":
        if f.api == "tf.compat.v1.nn.dropout":
            return "tf.compat.v1.nn.dropout: keep_prob becomes rate"
        return "The layer call" if f.kind == "layer" else f"{stage.function.qualname if stage.function else f.api}"
    if k == "seed":
        return {"seed_generator": "The seed from the SeedGenerator", "generator": "RandomGenerator: the stateful branch",
                "op_state": "The global and op seeds" if f.api != "tf-keras" else "RandomGenerator: the legacy branch",
                "constant_seed": "A constant seed" if f.api != "tf-keras" else "RandomGenerator: the stateless branch",
                }.get(f.state_kind, "The seed")
    if k == "dropout_op":
        return stage.function.qualname if stage.function else "the dropout op"
    return {"rate": "_dropout: rate checks and scale", "noise_shape": "The noise shape",
            "uniform": "The uniform draw in [0, 1)", "keep_mask": "keep_mask = random >= rate",
            "output": "The output"}[k]


def idea(stage: Stage, f: Facts) -> str:
    return globals()[f"_idea_{stage.key}"](stage, f)


def _idea_call(stage, f):
    if f.api == "tf.compat.v1.nn.dropout":
        if f.rate_is_tensor:
            return ("TF1 took keep_prob; the v1 function turns it into rate = 1 - keep_prob, here a tensor op in "
                    "the tensor's dtype, and calls tf.nn.dropout.")
        return ("TF1 took keep_prob; the v1 function turns it into rate = 1 - keep_prob in Python floats, so the "
                "rate may carry a rounding digit, and calls tf.nn.dropout.")
    if f.kind != "layer":
        return "A plain function: no layer, no training flag; it always drops unless the rate is 0."
    if f.training is False:
        return "The layer is called with training=False: it returns its input and draws nothing."
    if not f.dropped:
        return "The layer is called with training=True, but its rate is 0: it returns its input without drawing."
    return "The layer is called with training=True, so it drops."


def _idea_seed(stage, f):
    if f.state_kind == "op_state" and not f.dropped:
        return "rate 0: only get_seed ran (_dropout's dummy RNG step); no random op was created."
    if f.state_kind == "op_state" and f.seed is None and f.calls and f.calls[0].seed_used is not None:
        return (f"No op seed given, but a global seed was set earlier in this process: get_seed returned "
                f"{listed(f.calls[0].seed_used)}, and the op keeps its own position in that random stream.")
    if f.state_kind == "op_state" and f.seed is None:
        return ("No seed: get_seed returned (None, None), so the op gets seed=0, seed2=0 and seeds itself "
                "nondeterministically; calling it again gives a new mask.")
    if f.state_kind == "global_seed_generator":
        text = ("No seed: Keras uses its global SeedGenerator, seeded at random, and SeedGenerator.next("
                "ordered=False) scrambles its state on every call: (state + 1) * 5387 % 933199.")
    elif f.state_kind == "seed_generator":
        if f.mode == "graph":
            text = ("The layer keeps a [seed, counter] state in a variable. While tracing, the Python code of "
                    "SeedGenerator.next ran once: it left a read, an add of [0, 1] and an assign in the graph, and "
                    "those ops run on every call, so each call gets a fresh, reproducible seed.")
        else:
            text = ("The layer keeps a [seed, counter] state in a variable. Eagerly, SeedGenerator.next runs on every "
                    "call: it reads the state and adds [0, 1], so each call gets a fresh, reproducible seed.")
    elif f.state_kind == "constant_seed":
        text = ("The seed is a constant: nothing advances between calls, so every call with this seed draws the "
                "same mask.")
    elif f.state_kind == "generator":
        text = ("A tf.random.Generator holds the state in a variable; each draw advances it, so every call gets a "
                "new, reproducible mask.")
    else:
        text = ("A stateful op is seeded by the pair (global seed, op seed); the op keeps its own position in the "
                "random stream, so calling it again gives a new mask.")
    if f.op_seed_truncated and f.calls and f.calls[0].seed_used:
        text += (f" get_seed truncates every seed to seed % (2**31 - 1): the op seed given became "
                 f"{num(f.calls[0].seed_used[1])}.")
    if f.seed_cast_changed and f.seed_passed:
        text += (f" _cast_seed maps the int64 seed into int32 by floormod(seed, 2**31 - 2): {f.seed} became "
                 f"{num(f.seed_passed[0])}.")
    return text


def _idea_dropout_op(stage, f):
    if stage.landmark == "tf.stateless_dropout":
        return "The input, the rate, the [2] seed and the noise shape go to TensorFlow's stateless dropout, which " \
               "wraps stateless_random_uniform and calls the shared _dropout."
    if stage.landmark == "tf.general_dropout":
        return "general_dropout takes the generator's uniform method as its sampler and calls the shared _dropout."
    return "tf.nn.dropout wraps random_ops.random_uniform (a RandomUniform op) and calls the shared _dropout."


def _idea_rate(stage, f):
    if not f.dropped and f.rate == 0:
        return "rate is the Python number 0: _dropout returns x at once, before any draw."
    if f.rate_is_tensor:
        return (f"rate is a tensor, so _dropout takes its tensor branch: kept values become x / (1 - rate), "
                f"computed in {f.compute_dtype}; there is no scale variable.")
    p = f.probabilities
    scale = f" = {num(p.scale_in_dtype)} in {f.compute_dtype}" if p and p.scale_in_dtype is not None else ""
    return (f"rate must be in [0, 1). Kept values are multiplied by scale = 1/(1-rate){scale} now, so nothing needs "
            "rescaling at inference (inverted dropout).")


def _idea_noise_shape(stage, f):
    src, static, run = f.noise_source, f.noise_static, f.noise_runtime
    if src == "shape_op":
        return ("The mask's shape is tf.shape(x): a Shape op whose value exists only when the graph runs "
                f"({listed(static or [])} while tracing, {listed(run or [])} at run time), so the unknown size "
                "becomes a real one just in time for the draw.")
    if src == "constant":
        return (f"Every size of x was known while tracing, so tf.shape(x) folded into the constant "
                f"{listed(run or static or [])}: its tensor keeps the name {f.noise_tensor}, but no Shape op runs.")
    if src == "tensor":
        return (f"The noise shape is a tensor, {f.noise_tensor}, whose value exists only when the graph runs "
                f"({listed(static or [])} while tracing, {listed(run or [])} at run time).")
    if src == "eager":
        return f"Eagerly every size is concrete from the start: the noise shape is {listed(run or [])}."
    if src == "list" and f.noise_given is None:
        return (f"The layer built the noise shape itself, as a list of sizes and tensors sliced from tf.shape(x): "
                f"{listed(static or [])} while tracing, {listed(run or [])} when the graph runs.")
    if src == "list":
        unknown = [i for i, d in enumerate(f.noise_given or ()) if d is None]
        known = f"tf.shape(x)[{', '.join(map(str, unknown))}]" if unknown else "no tensor"
        return (f"The noise shape given, {listed(f.noise_given)}, became a list: each None is taken from {known} "
                f"when the graph runs, the other sizes are the numbers given ({listed(run or [])} at run time).")
    if src == "static_list":
        if static and None in static:
            return (f"The noise shape is the list {listed(static)}: _get_noise_shape fills a None only from x's "
                    "static shape, and x's size there is None too, so it stays unknown.")
        filled = any(d is None for d in (f.noise_given or ()))
        how = "its None entries filled from x's static shape" if filled else "every size a plain number"
        return f"The noise shape is the list {listed(static or [])}, known while tracing, with {how}."
    return "The noise shape as _dropout used it."


def _idea_uniform(stage, f):
    sampler = SAMPLER_NAMES.get(f.sampler, f.sampler)
    if f.draws == f.elements:
        share = "one draw per element: every sample in the batch gets its own numbers"
    elif 0 in f.shared_axes:
        share = (f"{plural(f.draws, 'draw')} for {plural(f.elements, 'element')}: every sample in the batch "
                 f"shares the same draws ({'also ' if len(f.shared_axes) > 1 else ''}along {axes(f.shared_axes)})")
    else:
        share = (f"{plural(f.draws, 'draw')} for {plural(f.elements, 'element')}: one draw serves every element "
                 f"along {axes(f.shared_axes)}, and each sample still gets its own")
    dtype = f" in {f.compute_dtype}" if f.compute_dtype else ""
    return f"{sampler} draws{dtype}, {share}."


def _idea_keep_mask(stage, f):
    p = f.probabilities
    if p is None:
        return "An element is kept when its draw is at least rate."
    exact = abs(p.p_keep - (1 - f.rate)) < 1e-12
    text = (f"An element is kept when its draw is at least rate. The comparison runs in {p.compute_dtype}, where the "
            f"rate is stored as {num(p.rate_in_dtype)} and the draws lie on a grid of {plural(p.grid_size, 'value')}, "
            f"so P(keep) is {num(p.p_keep)}")
    return text + (" = 1 - rate." if exact else f", not 1 - rate = {num(1 - f.rate)}.")


def _idea_output(stage, f):
    if f.rate_is_tensor:
        return f"Kept values become x / (1 - rate), computed in {f.compute_dtype}; dropped values become 0."
    return "Kept values are multiplied by scale; dropped values become 0."


def value_note(stage: Stage, label: str, f: Facts) -> str:
    if label == "training":
        if f.training is False:
            return "off: the layer passes its input through"
        return "on" if f.dropped else "on, but rate 0 returns the input"
    if stage.key == "noise_shape":
        return {"x": "the input" if f.noise_given or f.shared_axes else "the input whose shape the mask takes",
                "keras noise shape": "returned by Keras's _get_concrete_noise_shape",
                "layer noise shape": "returned by the layer's _get_noise_shape",
                "noise_shape": ("returned unchanged by _get_noise_shape: the same object it was given"
                                if f.noise_passed_through else "what _get_noise_shape returned to _dropout")
                }.get(label, "")
    notes = {"state while tracing": "the variable's value while the graph was built",
             "state before": "read by SeedGenerator.next" if f.state_kind == "seed_generator" else "before call 1",
             "state after": "read after call 1",
             "seed passed on": "as the stateless op received it",
             "seed drawn": "draw_seed([seed, 0]): a constant",
             "keep_prob": "given" if stage.key == "call" else "1 - rate", "rate_from_keep_prob": "1. - keep_prob",
             "scale": f"1 / keep_prob, in {f.compute_dtype}",
             "op seed": "the seed= argument",
             "(global, op) seeds": "what the RandomUniform op gets" if f.dropped else "no random op used them",
             "rng type": f"the {f.rng} branch" if f.rng else ""}
    return notes.get(label, "")


def stopped(stop: StopPoint | None) -> str:
    if stop is None:
        return "the library did not reach this stage"
    if stop.raised:
        return f"{stop.function} raised first, at {stop.file}:{stop.line} (see below)"
    return f"{stop.function} returned at {stop.file}:{stop.line} `{stop.source}`"


def missing(stage: Stage) -> str:
    return f"missing: {stage.missing}"


# -- after the stages -------------------------------------------------------------------------
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
    line = f"kept {check.kept:,} of {check.total:,} = {check.kept_fraction:.1%}   (expected {expected}"
    independent = f.draws
    if independent < 400:
        line += f"; {plural(independent, 'independent draw')} is a small sample"
    return line + ")"


def in_short(f: Facts) -> str | None:
    if not f.dropped or f.noise_runtime is None:
        return None
    run = listed(f.noise_runtime)
    if f.mode == "eager":
        first = "Eagerly there is no tracing: every shape is concrete from the start. "
        then = f"The noise shape was {run}"
    elif f.noise_source == "shape_op":
        first = (f"While tracing, x had shape {shape_text(f.shape)} and the noise shape was a tensor (a Shape op) "
                 f"whose value was only partly known: {listed(f.noise_static or [])}. ")
        then = f"When the graph ran it held {run}"
    elif f.noise_source == "tensor":
        first = (f"While tracing, x had shape {shape_text(f.shape)} and the noise shape was a tensor "
                 f"({f.noise_tensor}) whose value was only partly known: {listed(f.noise_static or [])}. ")
        then = f"When the graph ran it held {run}"
    elif f.noise_source == "constant":
        first = f"Every size was known while tracing, {shape_text(f.shape)}, so the noise shape was a constant. "
        then = f"It held {run}"
    elif f.noise_source == "list":
        known = "only partly known" if None in (f.noise_static or [None]) else "already known"
        first = (f"While tracing, x had shape {shape_text(f.shape)}; the noise shape was a list of sizes and tensors "
                 f"sliced from tf.shape(x), whose value was {known}: {listed(f.noise_static or [])}. ")
        then = f"When the graph ran it held {run}"
    else:
        first = f"The noise shape was the list {listed(f.noise_static or [])}, fully known while tracing. "
        then = f"It held {run}"
    if f.draws == f.elements:
        share = ("one per element of replica 0's rows, so each of its samples got its own (across replicas, see "
                 "Replicas)" if f.replicas else "one per element, so every sample got its own")
    elif 0 in f.shared_axes:
        share = f"shared by every sample in the batch, across {plural(f.elements, 'element')}"
    else:
        share = f"each shared along {axes(f.shared_axes)}, across {plural(f.elements, 'element')}"
    return first + then + f", and the sampler drew {plural(f.draws, 'uniform')}: {share}."


def calls_summary(f: Facts) -> list[str]:
    """Several calls: whether the masks repeat, and why, from the states and seeds captured per call."""
    if len(f.calls) < 2:
        return []
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
    rows = [(c.mask_matches, f"keep_mask == (random >= rate) {every}{calls}" if c.dropped
             else "no mask was drawn: the library returned before sampling")]
    if not c.dropped:
        why = "training=False" if f.training is False else "rate 0 drops and scales nothing"
        rows.append((c.bit_exact, f"output == the input x, unchanged: {why}"))
    elif c.rate_is_tensor:
        rows.append((c.bit_exact, f"output == where(random >= rate, x / ({f.compute_dtype}(1) - rate), 0) with rate = "
                                  f"{f.compute_dtype}({c.rate:g}), the tensor branch, computed in numpy from the "
                                  f"captured random tensor{calls}"))
    else:
        rows.append((c.bit_exact, f"output == where(random >= {c.rate!r}, x * {f.compute_dtype}(1/(1-{c.rate!r})), 0), "
                                  f"computed in numpy from the captured random tensor{calls}"))
    key = "spatial" if f.api.startswith("spatial") else f.api
    if f.api == "tf-keras" and f.rng == "legacy":
        key = "tf-keras legacy"
    if f.replicas:
        for r in f.replicas[1:]:
            rows.append((None if r.check is None else r.check.passed,
                         f"replica {r.replica}: the same two checks, on its own captured draws and output" if c.dropped
                         else f"replica {r.replica}: its output is its input, unchanged, as on replica 0"))
        rows.append((None, "not replayed against a fresh single-device call: under MirroredStrategy each "
                           "replica is checked on its own capture instead"))
    elif c.fresh_layer_equal is None:
        rows.append((None, "not replayed: with no seed the library picked its own at random, and this tool "
                           "replays only Keras 3 layers from the seed they drew"))
    elif not c.dropped:
        rows.append((c.fresh_layer_equal, "output of call 1 == a fresh call's output: the input, unchanged"))
    else:
        ref = REFERENCES[key]
        if f.seed is None and c.reference_seed is not None:
            ref += f" (seed {c.reference_seed}, the one the layer drew)"
        rows.append((c.fresh_layer_equal, f"output of call 1 == {ref}"))
    return rows


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


def compare_reason(causes: set, members: int) -> str:
    """Why the APIs in one group share a mask, from each one's (sampler, seeding, noise shape)."""
    if len(causes) > 1:
        return "the same mask from different samplers or seeds: a coincidence of a small sample"
    sampler, randomness, noise = next(iter(causes))
    if sampler is None:
        return "no draw at all: the input came back unchanged"
    shape = f", noise shape {noise}" if noise else ""
    if members > 1:
        return (f"the same sampler, {sampler}, with the same {randomness}{shape}: the same derivation gives "
                "the same draws")
    return f"its own draws: {sampler} with {randomness}{shape}"


def compare_difference(d) -> str:
    if d.kind == "sampler":
        return f"{d.a} vs {d.b}: different samplers ({d.left} vs {d.right})"
    if d.kind == "noise_shape":
        return (f"{d.a} vs {d.b}: the same sampler and {d.shared}, but different noise shapes ({d.left} vs "
                f"{d.right}): the draws fill a different shape")
    return f"{d.a} vs {d.b}: the same sampler, {d.shared}, seeded differently ({d.left} vs {d.right})"


GRAPH_MARKS = {
    "shape": "Shape: the batch size enters here, when the graph runs",
    "random": "the random op: uniform draws of the noise shape",
    "compare": "the comparison: keep_mask = random >= rate",
    "select": "the select: kept values scaled, dropped ones 0",
}


def graph_mark(mark: str, view) -> str:
    """What a mark means, or why the graph has no such op, from the graph's own ops and input shape."""
    if any(op.mark == mark for op in view.ops):
        return GRAPH_MARKS[mark]
    drew = any(op.mark == "random" for op in view.ops)
    if mark == "shape" and not drew:
        return "no Shape op: the call drew nothing, so no noise shape was needed"
    if mark == "shape" and None not in view.shape:
        return "no Shape op: every size was known while tracing, so tf.shape(x) became a Const"
    if mark == "shape":
        return "no Shape op: the noise shape was built from known sizes only"
    return f"{GRAPH_MARKS[mark]}: no such op in this graph"


API_SUMMARIES = {
    "keras": "Keras 3 layer: a SeedGenerator state feeds tf.nn.experimental.stateless_dropout",
    "tf-keras": "Keras 2 layer: BaseRandomLayer -> RandomGenerator.dropout, branching on its rng type",
    "tf.nn.dropout": "stateful sampler (RandomUniform) seeded by the global and the op seed",
    "tf.compat.v1.nn.dropout": "the TF1 signature: keep_prob is turned into rate = 1 - keep_prob, then "
                               "tf.nn.dropout runs",
    "stateless": "called directly with a [2] seed: the seed is the whole random state",
    "keras.random.dropout": "Keras 3's functional dropout, as custom layers call it; an integer seed is a "
                            "constant seed",
    "spatial1d": "drops whole channels: the layer's noise shape is 1 on the spatial axis",
    "spatial2d": "drops whole channels: the layer's noise shape is 1 on the 2 spatial axes",
    "spatial3d": "drops whole channels: the layer's noise shape is 1 on the 3 spatial axes",
}


def version_differences(s) -> tuple:
    """The TF 2.9 / Keras 2.9 account, point by point, against what the installed source says."""
    from ..versions import Difference

    keras3 = s.tf_keras_module.startswith("keras.")
    default = {"stateful": "stateful", "legacy": "legacy (tf.nn.dropout)", None: "tf-keras not installed"}
    return (
        Difference("how the mask is applied",
                   "x * scale * cast(keep_mask): a Mul by the mask cast to x's dtype (TF 2.10 and earlier)",
                   f"`{s.mask_line}` ({s.dropout_where})" if s.mask_line else f"not found in {s.dropout_where}",
                   "where_v2" in s.mask_line),
        Difference("the scale", "scale = 1 / (1 - rate) in Python, cast to x's dtype, multiplied in",
                   f"`{s.scale_line}` ({s.dropout_where})" if s.scale_line
                   else f"no `scale = 1 / keep_prob` line in {s.dropout_where}", not s.scale_line),
        Difference("Keras 2's RandomGenerator.dropout",
                   "Keras 2.9: no rng_type branches; without a tf.random.Generator it calls tf.nn.dropout "
                   "(stateless_dropout only with the generator enabled)",
                   (f"branches on {', '.join(s.rng_branches)} and legacy ({s.rng_where}); default here: "
                    f"{default[s.rng_default]}" if s.rng_branches else f"no rng_type branches ({s.rng_where})"),
                   bool(s.rng_branches)),
        Difference("which Keras tf.keras is", "Keras 2 (keras 2.9): Dropout.call -> BaseRandomLayer's RandomGenerator",
                   f"Keras {'3' if keras3 else '2'} ({s.tf_keras_module})", keras3),
        Difference("where tf.shape(x) is taken", "nn_ops._get_noise_shape returns array_ops.shape(x)",
                   (f"Keras 3 takes `{s.noise_line}` first ({s.noise_where}) when no noise shape is given; "
                    "_get_noise_shape then returns that tensor unchanged" if s.noise_line
                    else f"no tf.shape(inputs) in {s.noise_where}"), bool(s.noise_line)),
    )


# -- replicas ---------------------------------------------------------------------------------
def ints(values) -> str:
    """Integers in full (a 64-bit key would lose digits as a float)."""
    return "-" if values is None else "[" + ", ".join(str(int(v)) for v in values) + "]"


def replica_rows(f: Facts) -> list[dict]:
    """The per-replica facts the replica sentences read, keyed as `run --format json` writes them."""
    return [{"replica": r.replica, "first_row": r.first_row, "rows": r.rows, "seed_state_before": r.state_before,
             "seed_state_after": r.state_after, "seed_used": r.seed_used, "legacy_seed": r.legacy_seed,
             "key_in": r.key_in, "key_out": r.key_out, "same_mask_as_replica_0": r.same_mask}
            for r in f.replicas]


def replicas_agreement(agree: bool | None, reps: list[dict]) -> str:
    if agree is None:
        return "No replica drew a mask: the library returned before sampling."
    if agree:
        return f"All {len(reps)} replicas drew the same mask."
    same = [r["replica"] for r in reps[1:] if r["same_mask_as_replica_0"]]
    other = [r["replica"] for r in reps[1:] if not r["same_mask_as_replica_0"]]
    verb = "differs" if len(other) == 1 else "differ"
    line = f"The replicas drew different masks: {_replica_names(other)} {verb} from replica 0"
    return line + (f", {_replica_names(same)} match it." if same else ".")


def _replica_names(ids: list) -> str:
    return ("replica " if len(ids) == 1 else "replicas ") + ", ".join(str(i) for i in ids)


def _per_replica(reps: list[dict], key: str) -> str:
    return ", ".join(f"{listed(r[key]) if isinstance(r[key], list) else r[key]} on replica {r['replica']}"
                     for r in reps)


def replicas_why(reason: str | None, reps: list[dict]) -> str:
    """Why the replicas agree or differ, from each replica's captured state, seeds and keys."""
    r0 = reps[0] if reps else {}
    if reason == "same_state":
        after = [r["seed_state_after"] for r in reps]
        still = (f"; afterwards every copy held {listed(after[0])}, still equal" if None not in after
                 and all(a == after[0] for a in after) else "")
        return (f"Why: each replica read its own copy of the mirrored SeedGenerator state, "
                f"{listed(r0['seed_state_before'])} on every replica, and passed the same seed "
                f"{listed(r0['seed_used'])} to the stateless op{still}.")
    if reason == "constant_seed":
        return (f"Why: the seed is a constant, {listed(r0['seed_used'])}, on every replica, and a stateless op is a "
                "pure function of its seed and shape.")
    if reason == "same_op_seeds":
        return (f"Why: every replica's random op got the same (global, op) seeds, {listed(r0['seed_used'])}; each "
                "device runs its own copy of the op, and the same seeds start the same stream.")
    if reason == "same_draws":
        return "Why: every replica drew the same uniforms."
    if reason == "coincidence":
        return "The uniforms differ between replicas: the masks agree only by chance, in a small sample."
    if reason == "replica_key":
        keys = ", ".join(f"{ints(r['key_in'])} → {ints(r['key_out'])} on replica {r['replica']}" for r in reps)
        return ("Why: tf.random.Generator hashes the replica id into its key before it draws "
                f"(Generator._preprocess_key): {keys}. So each replica draws its own stream.")
    if reason == "op_seeds_differ":
        line = f"Why: the replicas' random ops got different (global, op) seeds: {_per_replica(reps, 'seed_used')}."
        legacy = [r["legacy_seed"] for r in reps]
        if None not in legacy and len(set(legacy)) == len(legacy):
            counted = legacy == list(range(legacy[0], legacy[0] + len(legacy)))
            line += (f" tf-keras's make_legacy_seed handed out {_per_replica(reps, 'legacy_seed')}: it ran once per "
                     "replica while the graph was traced" + (", counting up by one each time." if counted else "."))
        return line
    if reason == "unseeded_ops":
        return "Why: no op seed was set, so each replica's random op seeded itself at random."
    if reason == "different_draws":
        return "Why: the replicas drew different uniforms."
    return ""


def replicas_lesson(agree: bool | None, reason: str | None, reps: list[dict]) -> str | None:
    """The teaching point, where it happens: samples in the same position on different replicas share a mask."""
    if not reps or agree is None:
        return None
    rows, n = reps[0]["rows"], len(reps)
    if agree and reason != "coincidence":
        first = [str(r["first_row"] + 1) for r in reps]
        pairs = ", ".join(first[:-1]) + " and " + first[-1]
        return (f"So samples in the same position on different replicas share a mask: rows {pairs} "
                f"of the global batch of {n * rows:,} were dropped in the same places, and that batch has only "
                f"{plural(rows, 'independent mask')} for its {n * rows:,} samples.")
    if not agree:
        return "So samples in the same position on different replicas get masks of their own."
    return None


# -- brief: one short line per stage, for `run --brief` (a projector) ------------------------------
SAMPLER_SHORT = {"tf.stateless_random_uniform": "stateless_random_uniform", "tf.random_uniform": "RandomUniform",
                 "tf.Generator.uniform": "Generator.uniform"}


def mode_brief(f: Facts) -> str:
    if f.mode == "eager":
        return "eager: every shape concrete, nothing traced"
    calls = f"called {plural(len(f.calls), 'time')}" if f.calls else "never ran"
    return f"graph: tf.function traced {plural(f.trace_count, 'time')}, {calls}"


def notes_brief(f: Facts) -> list[str]:
    """The header notes that change what the stages mean, shortened; the trivial ones are left out."""
    out = []
    if f.kind == "layer" and f.compute_dtype and f.compute_dtype != f.input_dtype:
        out.append(f"the layer cast x to {f.compute_dtype}: the draw and the comparison ran in {f.compute_dtype}")
    if f.rng_default:
        out.append(f"no --rng given: tf_keras's default branch ran, {f.rng}" if f.dropped else
                   f"no --rng given: tf_keras's default branch is {f.rng}; it did not run here")
    if f.seed is None:
        out.append("no seed given: the library drew its own" if f.dropped else "no seed given; nothing was drawn")
    out += [f"missing in the installed version: {m}" for m in f.missing]
    if f.replicas:
        out.append(f"MirroredStrategy, {plural(len(f.replicas), 'replica')} of {plural(f.replicas[0].rows, 'row')}; "
                   "the stages follow replica 0")
    return out


def raised_here() -> str:
    return "the library raised here; see below"


def brief(stage: Stage, f: Facts, check=None) -> str:
    """One short line: what this stage did in this run, from its facts."""
    if stage.status == "raised":
        return raised_here()
    return globals()[f"_brief_{stage.key}"](stage, f, check)


def _brief_call(stage, f, check):
    if f.api == "tf.compat.v1.nn.dropout":
        return f"TF1's keep_prob became rate = 1 - keep_prob = {num(f.rate)}"
    if f.kind != "layer":
        return "a plain function, no training flag" + (": it drops" if f.dropped else "")
    if f.training is False:
        return "training=False: returns its input, draws nothing"
    if f.refusal is not None:
        return "training=True, so it set out to drop"
    if not f.dropped:
        return "training=True, but rate 0: returns its input"
    return "training=True, so it drops"


def _brief_seed(stage, f, check):
    c = f.calls[0] if f.calls else None
    used = c.seed_used if c else None
    if f.state_kind == "op_state" and not f.dropped:
        return "rate 0: only get_seed ran; no random op"
    if f.state_kind == "seed_generator" and c and c.state_before is not None and c.state_after is not None:
        text = f"state {listed(c.state_before)} → {listed(c.state_after)}, seed used {listed(used or [])}"
    elif f.state_kind == "global_seed_generator":
        text = "no seed: Keras's global SeedGenerator" + (f" gave {listed(used)}" if used else "")
    elif f.state_kind == "constant_seed":
        text = "a constant seed" + (f" {listed(used)}" if used else "") + ": the same on every call"
    elif f.state_kind == "generator" and c and c.state_after is not None:
        before = f"{listed(c.state_before)} → " if c.state_before is not None else "after call 1: "
        text = f"Generator state {before}{listed(c.state_after)}"
    elif f.state_kind == "op_state" and used is not None:
        text = f"(global, op) seeds {listed(used)}" + (" from a global seed set earlier" if f.seed is None else "")
    elif f.state_kind == "op_state" and f.seed is None:
        text = "no seed: the op seeds itself at random"
    else:
        text = "the random state as the library read it"
    if f.op_seed_truncated and used:
        text += f"; get_seed truncated the op seed to {num(used[1])}"
    if f.seed_cast_changed and f.seed_passed:
        text += f"; _cast_seed: {f.seed} became {num(f.seed_passed[0])}"
    return text


def _brief_dropout_op(stage, f, check):
    name = stage.function.qualname if stage.function else "the dropout op"
    if stage.landmark == "tf.stateless_dropout":
        return f"{name}: stateless sampler, then _dropout"
    if stage.landmark == "tf.general_dropout":
        return f"{name}: the Generator's sampler, then _dropout"
    return f"{name}: RandomUniform sampler, then _dropout"


def _brief_rate(stage, f, check):
    if not f.dropped and f.rate == 0:
        return "rate 0: _dropout returns x before any draw"
    if f.rate_is_tensor:
        return f"a rate tensor: kept values become x / (1 - rate) in {f.compute_dtype}"
    p = f.probabilities
    if p is not None and p.scale_in_dtype is not None:
        return f"scale = 1/(1-rate) = {num(p.scale_in_dtype)} in {p.compute_dtype}"
    return f"rate {num(f.rate)} is in [0, 1)"


def _brief_noise_shape(stage, f, check):
    src, static = f.noise_source, f.noise_static
    if src == "shape_op":
        return "tf.shape(x): a Shape op, known only at run time"
    if src == "constant":
        return "every size known: tf.shape(x) became a constant"
    if src == "tensor":
        return f"the tensor {f.noise_tensor}, known only at run time"
    if src == "eager":
        return "eager: concrete from the start"
    if src == "list" and f.noise_given is None:
        return "built by the layer from sizes and tf.shape(x)"
    if src == "list":
        unknown = any(d is None for d in (f.noise_given or ()))
        return "each None taken from tf.shape(x) at run time" if unknown else "the sizes given, as a list"
    if src == "static_list" and static and None in static:
        return "a list: None filled only from x's static shape, so still unknown"
    if src == "static_list":
        return "a list, known while tracing"
    return "the noise shape _dropout used"


def _share_brief(f: Facts) -> str:
    if f.draws == f.elements:
        return f"{plural(f.draws, 'draw')}, one per element"
    if 0 in f.shared_axes:
        return f"{plural(f.draws, 'draw')} shared by every sample"
    return f"{plural(f.draws, 'draw')}, each shared along {axes(f.shared_axes)}"


def _brief_uniform(stage, f, check):
    return f"{SAMPLER_SHORT.get(f.sampler, f.sampler)}: {_share_brief(f)}"


def _brief_keep_mask(stage, f, check):
    p = f.probabilities
    if p is None:
        return "kept where the draw is at least rate"
    if abs(p.p_keep - (1 - f.rate)) < 1e-12:
        return f"in {p.compute_dtype}: P(keep) = {num(p.p_keep)} = 1 - rate"
    return f"in {p.compute_dtype}: P(keep) = {num(p.p_keep)}, not {num(1 - f.rate)}"


def _brief_output(stage, f, check):
    if check is None:
        return "the library's output"
    if not check.dropped:
        return "the input, unchanged"
    small = ", a small sample" if f.draws < 400 else ""
    return f"kept {check.kept:,} of {check.total:,} = {check.kept_fraction:.1%}{small}"


def in_short_brief(f: Facts) -> str | None:
    """The answer in one or two lines: where the mask's shape came from, and how many draws it got."""
    if not f.dropped or f.noise_runtime is None:
        return None
    static, run = listed(f.noise_static or []), listed(f.noise_runtime)
    first = {"eager": f"Eagerly the noise shape was concrete, {run}",
             "shape_op": f"The noise shape was a Shape op: {static} while tracing, {run} at run time",
             "tensor": f"The noise shape was a tensor: {static} while tracing, {run} at run time",
             "constant": f"Every size was known while tracing: the noise shape was the constant {run}",
             "list": f"The noise shape was a list from tf.shape(x): {static} while tracing, {run} at run time",
             }.get(f.noise_source, f"The noise shape was the list {run}, known while tracing")
    if f.draws == f.elements:
        share = "one per element of replica 0's rows" if f.replicas else "one per element, so every sample got its own"
    elif 0 in f.shared_axes:
        share = "shared by every sample in the batch"
    else:
        share = f"each shared along {axes(f.shared_axes)}"
    return f"{first}; the sampler drew {plural(f.draws, 'uniform')}, {share}."


def check_brief(f: Facts, c) -> list[tuple[bool | None, str]]:
    """The check's rows in a few words each; the full wording is check_rows."""
    rows = [(c.mask_matches, "keep_mask == (random >= rate)" if c.dropped else "no mask drawn")]
    rows.append((c.bit_exact, "output bit for bit" if c.dropped else "output == x"))
    if f.replicas:
        ok = [r.check.passed for r in f.replicas[1:] if r.check is not None]
        rows.append((all(ok) if ok else None, "every replica on its own capture"))
    elif c.fresh_layer_equal is None:
        rows.append((None, "not replayed"))
    else:
        rows.append((c.fresh_layer_equal, "a fresh call agrees" if c.fresh_layer_equal else "a fresh call differs"))
    return rows


def not_reached_brief(stop: StopPoint | None, keys: list[str]) -> str:
    return f"not reached: {', '.join(keys)}; {stopped(stop)}"
