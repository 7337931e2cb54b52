"""Words for the compare command, chosen from what each API captured."""

from __future__ import annotations


def _listed(v) -> str:
    """Nested tuples as Python prints nested lists: [42, 0]."""
    return "[" + ", ".join(_listed(i) for i in v) + "]" if isinstance(v, tuple) else repr(v)


def seeding(s) -> str:
    """What seeded a sampler (a compare.Seeding), as captured."""
    kind = s.kind.value
    if kind == "seed":
        return f"seed {_listed(s.values)}"
    if kind == "op_seeds":
        return f"(global, op) seeds ({s.values[0]}, {s.values[1]})"
    if kind == "unseeded_op":
        return "no seed: get_seed gave (None, None), so the op picked seeds of its own"
    state = "" if s.state is None else f", state {_listed(s.state)}"
    if kind == "generator_drawn":
        return f"tf.random.Generator from a seed tf-keras drew at random{state}"
    return f"tf.random.Generator from_seed({s.values}){state}"


def noise(shape) -> str | None:
    """The noise shape a sampler filled at run time, or None."""
    return None if shape is None else _listed(tuple(shape))


def compare_reason(g) -> str:
    """Why the APIs in one group (a compare.Group) share a mask."""
    kind = g.agreement.value
    if kind == "coincidence" and g.draw is not None:  # one sampler, unseeded: each op picked seeds of its own
        return (f"the same mask from {g.draw.sampler} unseeded, where each op picked seeds of its own: a coincidence "
                "of a small sample")
    if kind == "coincidence":
        return "the same mask from different samplers or seeds: a coincidence of a small sample"
    if kind == "no_draw":
        return "no draw at all: the input came back unchanged"
    d = g.draw
    shape = f", noise shape {noise(d.noise)}" if d.noise else ""
    if kind == "same_derivation":
        return (f"the same sampler, {d.sampler}, with the same {seeding(d.seeding)}{shape}: the same derivation "
                "gives the same draws")
    return f"its own draws: {d.sampler} with {seeding(d.seeding)}{shape}"


def compare_difference(d) -> str:
    """Why two groups' masks differ (a compare.Difference)."""
    left, right = d.left, d.right
    if d.kind == "sampler":
        return f"{d.a} vs {d.b}: different samplers ({left.sampler} vs {right.sampler})"
    if d.kind == "noise_shape":
        return (f"{d.a} vs {d.b}: the same sampler and {seeding(left.seeding)}, but different noise shapes "
                f"({noise(left.noise)} vs {noise(right.noise)}): the draws fill a different shape")
    return (f"{d.a} vs {d.b}: the same sampler, {left.sampler}, seeded differently ({seeding(left.seeding)} vs "
            f"{seeding(right.seeding)})")
