"""--batch 3,5: the words for one trace played on several sizes, chosen from each call's captured facts."""

from __future__ import annotations

from ..facts import Facts
from ..spec import shape_text
from . import cases
from .words import in_turn, listed, times


def batches_title(f: Facts) -> str:
    """The Batches block's subtitle: what was shared between the calls."""
    if f.mode == "eager":
        return "each size one eager call: no trace to share"
    return f"one tf.function, traced {times(f.trace_count)}, called on each size"


def batches_summary(f: Facts) -> list[str]:
    """The seed question shown directly, in one paragraph: what Python saw while tracing, then each call's
    run-time shape and draws, then what carried the randomness from call to call."""
    return [" ".join(_sentences(f))]


def batches_brief(f: Facts) -> list[str]:
    """The same in a line, for the brief view: what Python saw, and what each call drew."""
    drew = all(c.noise_shape is not None for c in f.calls)
    draws = f"drew {cases.drawn(f)}" if drew else "drew nothing"
    if f.mode == "eager":
        return [f"Eagerly, no trace to share: each call ran the Python on its own x, {cases.run_shapes(f)}; it "
                f"{draws}."]
    return [f"Python saw {shape_text(f.shape)} {times(f.trace_count)}, while tracing; the graph ran on "
            f"{cases.run_shapes(f)}; it {draws}."]


def _sentences(f: Facts) -> list[str]:
    if f.mode == "eager":
        lines = [f"Eagerly there was no trace to share: each call ran the Python again, on x of shape "
                 f"{cases.run_shapes(f)}."]
    else:
        again = ("; no later call traced again" if f.retraced_later is False else
                 "; a later call traced again" if f.retraced_later else "")
        lines = [f"Python saw x as {shape_text(f.shape)} {times(f.trace_count)}, while tracing{again}. The graph "
                 f"then ran on {cases.run_shapes(f)}."]
    drew = [c for c in f.calls if c.noise_shape is not None]
    if not drew:
        lines.append("No call drew uniforms: the library returned before sampling.")
        return lines + _state(f)
    noise = [listed(c.noise_shape) for c in drew]
    if len(drew) == len(f.calls) and len(set(noise)) == 1:
        why = (f"the noise shape was {noise[0]} in every call, so the size of the batch did not change how many "
               "were drawn")
        return lines + [f"The sampler drew {cases.drawn(f)} in each call: {why}."] + _state(f)
    elif len(drew) == len(f.calls):
        why = f"as many as each call's noise shape held ({in_turn(noise)})"
    else:
        why = "not every call drew"
    lines.append(f"The sampler drew {cases.drawn(f)}, {why}.")
    return lines + _state(f)


def _state(f: Facts) -> list[str]:
    """What carried the randomness from call to call, from the states and seeds captured per call."""
    if not any(c.noise_shape is not None for c in f.calls):
        return []
    seeds = [c.seed_used for c in f.calls]
    states = [c.state_before for c in f.calls]
    if f.state_kind == "constant_seed" and None not in seeds and all(s == seeds[0] for s in seeds):
        return [f"Every call used the same seed, {listed(seeds[0])}: nothing advanced between calls."]
    if f.state_kind in ("seed_generator", "generator") and None not in states:
        path = " → ".join(listed(s) for s in states + [f.calls[-1].state_after])
        return [f"The random state moved on with every call: {path}."]
    after = [c.state_after for c in f.calls]
    if f.state_kind == "generator" and None not in after:  # tf-keras makes its Generator in the first call
        return [f"The Generator's state after each call: {' → '.join(listed(s) for s in after)}."]
    if f.state_kind == "op_state" and None not in seeds and len({str(s) for s in seeds}) == len(seeds):
        return ["Each call got a new op seed: " + " → ".join(listed(s) for s in seeds) + "."]
    if f.state_kind == "op_state":
        return ["The stateful op keeps its own position in the random stream and moved it on with every call."]
    return []
