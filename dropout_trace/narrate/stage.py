"""Each stage of the full view in words: its title, its idea, the notes beside its values, where it stopped."""

from __future__ import annotations

from ..facts import Facts
from ..model import Stage, StopPoint
from . import cases
from .words import listed, num, plural


SAMPLER_NAMES = {"tf.stateless_random_uniform": "stateless_random_uniform (StatelessRandomUniformV2)",
                 "tf.random_uniform": "random_uniform (a stateful RandomUniform op)",
                 "tf.Generator.uniform": "tf.random.Generator.uniform"}
# The words the views show for a stage value, by its identifier, where they are not the identifier itself.
VALUE_WORDS = {"self_rate": "self.rate", "state_while_tracing": "state while tracing", "state_before": "state before",
               "state_after": "state after", "seed_drawn": "seed drawn", "seed_passed_on": "seed passed on",
               "rng_type": "rng type", "op_seed": "op seed", "global_op_seeds": "(global, op) seeds",
               "keras_noise_shape": "keras noise shape", "layer_noise_shape": "layer noise shape"}


def title(stage: Stage, f: Facts) -> str:
    k = stage.key
    if k == "call":
        if f.converts_keep_prob:
            return f"{f.api}: keep_prob becomes rate"
        return "The layer call" if f.kind == "layer" else f"{stage.function.qualname if stage.function else f.api}"
    if k == "seed":
        return {"seed_generator": "The seed from the SeedGenerator", "generator": "RandomGenerator: the stateful branch",
                "op_state": "The global and op seeds" if not f.rng_branches else "RandomGenerator: the legacy branch",
                "constant_seed": "A constant seed" if not f.rng_branches else "RandomGenerator: the stateless branch",
                }.get(f.state_kind, "The seed")
    if k == "dropout_op":
        return stage.function.qualname if stage.function else "the dropout op"
    return {"rate": "_dropout: rate checks and scale", "noise_shape": "The noise shape",
            "uniform": "The uniform draw in [0, 1)", "keep_mask": "keep_mask = random >= rate",
            "output": "The output"}[k]


def _idea_call(stage, f):
    if f.converts_keep_prob:
        if f.rate_is_tensor:
            return ("TF1 took keep_prob; the v1 function turns it into rate = 1 - keep_prob, here a tensor op in "
                    "the tensor's dtype, and calls tf.nn.dropout.")
        return ("TF1 took keep_prob; the v1 function turns it into rate = 1 - keep_prob in Python floats, so the "
                "rate may carry a rounding digit, and calls tf.nn.dropout.")
    if f.kind != "layer":
        return "A plain function: no layer, no training flag; it always drops unless the rate is 0."
    if f.training is False:
        return "The layer is called with training=False: it returns its input and draws nothing."
    if f.zeroed:
        return ("The layer is called with training=True and rate 1: Keras's backend returns zeros of the input's "
                "shape and dtype without drawing (where it returned is shown below).")
    if not f.dropped:
        return "The layer is called with training=True, but its rate is 0: it returns its input without drawing."
    return "The layer is called with training=True, so it drops."


def _new_mask(f, kind: str = "") -> str:
    """What another call draws: a new mask, or at P(keep) 0 or 1 new uniforms and the same all-or-nothing mask."""
    if f.keeps_none or f.keeps_all:
        return (f"new{', ' + kind if kind else ''} uniforms, though at P(keep) {num(f.probabilities.p_keep)} the "
                f"mask stays {'all dropped' if f.keeps_none else 'all kept'}")
    return f"a new, {kind} mask" if kind else "a new mask"


def _idea_seed(stage, f):
    if f.state_kind == "op_state" and not f.dropped and f.refusal is not None:
        return "The library raised before any random op was made, so no op seed was used."
    if f.state_kind == "op_state" and not f.dropped:
        return "rate 0: only get_seed ran (_dropout's dummy RNG step); no random op was created."
    if f.state_kind == "op_state" and f.seed is None and f.calls and f.calls[0].seed_used is not None:
        return (f"No op seed given, but a global seed was set earlier in this process: get_seed returned "
                f"{listed(f.calls[0].seed_used)}, and the op keeps its own position in that random stream.")
    if f.state_kind == "op_state" and f.seed is None:
        return ("No seed: get_seed returned (None, None), so the op gets seed=0, seed2=0 and seeds itself "
                f"nondeterministically; calling it again gives {_new_mask(f)}.")
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
                "same mask" + (" for the same size." if f.sizes_differ else "."))
    elif f.state_kind == "generator" and f.seed is None:  # _create_seed picked it: random.randint, unless set
        text = ("A tf.random.Generator holds the state in a variable; each draw advances it, so every call gets a "
                "new mask. No seed was given, so the generator started from a seed the library picked at random: "
                "another run draws other masks.")
    elif f.state_kind == "generator":
        text = ("A tf.random.Generator holds the state in a variable; each draw advances it, so every call gets "
                f"{_new_mask(f, 'reproducible')}.")
    else:
        text = ("A stateful op is seeded by the pair (global seed, op seed); the op keeps its own position in the "
                f"random stream, so calling it again gives {_new_mask(f)}.")
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
    if f.rate_is_tensor and f.keeps_none:
        return (f"rate is a tensor, so _dropout takes its tensor branch, where no check refuses a rate of 1: "
                f"x / (1 - rate) is computed in {f.compute_dtype}, where 1 - rate is 0, so it is x / 0 (±inf, or nan "
                f"where x is 0); there is no scale variable.")
    if f.rate_is_tensor:
        return (f"rate is a tensor, so _dropout takes its tensor branch: kept values become x / (1 - rate), "
                f"computed in {f.compute_dtype}; there is no scale variable.")
    p = f.probabilities
    scale = f" = {num(p.scale_in_dtype)} in {f.compute_dtype}" if p and p.scale_in_dtype is not None else ""
    return (f"rate must be in [0, 1). Kept values are multiplied by scale = 1/(1-rate){scale} now, so nothing needs "
            "rescaling at inference (inverted dropout).")


def _idea_noise_shape(stage, f):
    return cases.noise(f).idea(f)


def _idea_uniform(stage, f):
    sampler = SAMPLER_NAMES.get(f.sampler, f.sampler)
    dtype = f" in {f.compute_dtype}" if f.compute_dtype else ""
    return f"{sampler} draws{dtype}, {cases.sharing(f).idea(f)}."


def _idea_keep_mask(stage, f):
    p = f.probabilities
    if p is None:
        return "An element is kept when its draw is at least rate."
    exact = f.keep_is_one_minus_rate
    text = (f"An element is kept when its draw is at least rate. The comparison runs in {p.compute_dtype}, where the "
            f"rate is stored as {num(p.rate_in_dtype)} and the draws lie on a grid of {plural(p.grid_size, 'value')}, "
            f"so P(keep) is {num(p.p_keep)}")
    return text + (" = 1 - rate." if exact else f", not 1 - rate = {num(1 - f.rate)}.")


def _idea_output(stage, f):
    if f.keeps_none and f.rate_is_tensor:
        return (f"No draw in [0, 1) is at least {cases.stored_rate(f)}, so where() keeps none of x / (1 - rate): "
                "every value becomes 0, and the inf of x / 0 never reaches the output.")
    if f.keeps_none:  # a float rate below 1 that the dtype stores as 1: the scale is finite, nothing is kept
        return (f"No draw in [0, 1) is at least {cases.stored_rate(f)}, so where() keeps none of x * scale: every "
                "value becomes 0.")
    if f.rate_is_tensor:
        return f"Kept values become x / (1 - rate), computed in {f.compute_dtype}; dropped values become 0."
    return "Kept values are multiplied by scale; dropped values become 0."


# The idea of each stage, by its key.
IDEAS = {"call": _idea_call, "seed": _idea_seed, "dropout_op": _idea_dropout_op, "rate": _idea_rate,
         "noise_shape": _idea_noise_shape, "uniform": _idea_uniform, "keep_mask": _idea_keep_mask,
         "output": _idea_output}


def idea(stage: Stage, f: Facts) -> str:
    return IDEAS[stage.key](stage, f)


def value_words(key: str) -> str:
    """What the views call a stage value."""
    return VALUE_WORDS.get(key, key)


def value_note(stage: Stage, key: str, f: Facts) -> str:
    """The note beside a stage value, by the value's identifier."""
    if key == "training":
        if f.training is False:
            return "off: the layer passes its input through"
        if f.refusal is not None:
            return "on, so the layer set out to drop"
        return "on" if f.dropped else "on; rate 1 returns zeros" if f.zeroed else "on, but rate 0 returns the input"
    if stage.key == "noise_shape":
        return {"x": "the input" if f.noise_given or f.shared_axes else "the input whose shape the mask takes",
                "keras_noise_shape": "returned by Keras's _get_concrete_noise_shape",
                "layer_noise_shape": "returned by the layer's _get_noise_shape",
                "noise_shape": ("returned unchanged by _get_noise_shape: the same object it was given"
                                if f.noise_passed_through else "what _get_noise_shape returned to _dropout")
                }.get(key, "")
    notes = {"state_while_tracing": "the variable's value while the graph was built",
             "state_before": "read by SeedGenerator.next" if f.state_kind == "seed_generator" else "before call 1",
             "state_after": "read after call 1",
             "seed_passed_on": "as the stateless op received it",
             "seed_drawn": "draw_seed([seed, 0]): a constant",
             "keep_prob": "given" if stage.key == "call" else "1 - rate", "rate_from_keep_prob": "1. - keep_prob",
             "scale": f"1 / keep_prob, in {f.compute_dtype}",
             "op_seed": "the seed= argument",
             "global_op_seeds": "what the RandomUniform op gets" if f.dropped else "no random op used them",
             "rng_type": f"the {f.rng} branch" if f.rng else ""}
    return notes.get(key, "")


def stopped(stop: StopPoint | None) -> str:
    if stop is None:
        return "the library did not reach this stage"
    if stop.raised:
        return f"{stop.function} raised first, at {stop.file}:{stop.line} (see below)"
    return f"{stop.function} returned at {stop.file}:{stop.line} `{stop.source}`"


def missing(stage: Stage) -> str:
    return f"missing: {stage.missing}"
