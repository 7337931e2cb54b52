"""Each stage of the brief view in one short line, for `run --brief` (a projector)."""

from __future__ import annotations

from ..facts import Facts
from ..model import Stage, StopPoint
from .stage import stopped
from . import cases
from .words import listed, num


SAMPLER_SHORT = {"tf.stateless_random_uniform": "stateless_random_uniform", "tf.random_uniform": "RandomUniform",
                 "tf.Generator.uniform": "Generator.uniform"}


def raised_here() -> str:
    return "the library raised here; see below"


def _brief_call(stage, f, check):
    if f.converts_keep_prob:
        return f"TF1's keep_prob became rate = 1 - keep_prob = {num(f.rate)}"
    if f.kind != "layer":
        return "a plain function, no training flag" + (": it drops" if f.dropped else "")
    if f.training is False:
        return "training=False: returns its input, draws nothing"
    if f.refusal is not None:
        return "training=True, so it set out to drop"
    if f.zeroed:
        return "training=True, rate 1: returns zeros, draws nothing"
    if not f.dropped:
        return "training=True, but rate 0: returns its input"
    return "training=True, so it drops"


def _brief_seed(stage, f, check):
    c = f.calls[0] if f.calls else None
    used = c.seed_used if c else None
    if f.state_kind == "op_state" and not f.dropped and f.refusal is not None:
        return "the library raised before any random op was made"
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
    if f.rate_is_tensor and f.keeps_none:
        return f"a rate tensor of 1 in {f.compute_dtype}: x / (1 - rate) is x / 0, and none of it is kept"
    if f.rate_is_tensor:
        return f"a rate tensor: kept values become x / (1 - rate) in {f.compute_dtype}"
    p = f.probabilities
    if p is not None and p.scale_in_dtype is not None:
        return f"scale = 1/(1-rate) = {num(p.scale_in_dtype)} in {p.compute_dtype}"
    return f"rate {num(f.rate)} is in [0, 1)"


def _brief_noise_shape(stage, f, check):
    return cases.noise(f).brief(f)


def _brief_uniform(stage, f, check):
    return f"{SAMPLER_SHORT.get(f.sampler, f.sampler)}: {cases.sharing(f).brief(f)}"


def _brief_keep_mask(stage, f, check):
    p = f.probabilities
    if p is None:
        return "kept where the draw is at least rate"
    if f.keep_is_one_minus_rate:
        return f"in {p.compute_dtype}: P(keep) = {num(p.p_keep)} = 1 - rate"
    return f"in {p.compute_dtype}: P(keep) = {num(p.p_keep)}, not {num(1 - f.rate)}"


def _brief_output(stage, f, check):
    if check is None:
        return "the library's output"
    if not check.dropped:
        return "the input, unchanged"
    small = ", a small sample" if f.draws < 400 and not (f.keeps_none or f.keeps_all) else ""
    return f"kept {check.kept:,} of {check.total:,} = {check.kept_fraction:.1%}{small}"


# The brief line of each stage, by its key.
BRIEFS = {"call": _brief_call, "seed": _brief_seed, "dropout_op": _brief_dropout_op, "rate": _brief_rate,
          "noise_shape": _brief_noise_shape, "uniform": _brief_uniform, "keep_mask": _brief_keep_mask,
          "output": _brief_output}


def brief(stage: Stage, f: Facts, check=None) -> str:
    """One short line: what this stage did in this run, from its facts."""
    if stage.status == "raised":
        return raised_here()
    return BRIEFS[stage.key](stage, f, check)


def not_reached_brief(stop: StopPoint | None, keys: list[str]) -> str:
    return f"not reached: {', '.join(keys)}; {stopped(stop)}"
