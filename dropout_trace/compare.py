"""Run every API on the same input and say which masks agree, and why: seeds and samplers, as captured."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from .apis import APIS
from .model import Trace
from .spec import RunSpec, UsageError, build_spec, check_memory, format_dims, shape_text


def variants() -> tuple[tuple[str, dict], ...]:
    """(label, build_spec options): each API, and each tf-keras branch, once; each API says which."""
    return tuple(v for api in APIS.values() for v in api.variants())


class SeedKind(Enum):
    """What seeded a sampler, as captured."""

    SEED = "seed"  # a seed tensor passed to a stateless sampler
    OP_SEEDS = "op_seeds"  # a stateful op's (global, op) seeds
    UNSEEDED_OP = "unseeded_op"  # a stateful op, unseeded: get_seed gave (None, None)
    GENERATOR = "generator"  # a tf.random.Generator from the call's seed
    GENERATOR_DRAWN = "generator_drawn"  # a tf.random.Generator from a seed tf-keras drew at random


@dataclass(frozen=True)
class Seeding:
    kind: SeedKind
    values: object = None  # the seed tensor's values (nested tuples), (global, op), or the Generator's seed
    state: object = None  # the Generator's state before the first call (nested tuples), if captured


@dataclass(frozen=True)
class Draw:
    """What drew one mask: the sampler function, what seeded it, and the noise shape it filled at run time."""

    sampler: str  # the qualname of the function that drew the uniforms
    seeding: Seeding
    noise: tuple[int, ...] | None


@dataclass(frozen=True)
class Entry:
    label: str
    trace: Trace | None
    skipped: str | None  # why this API did not run on this input
    draw: Draw | None  # None: skipped, or nothing was drawn
    mask: np.ndarray | None  # the keep mask broadcast to the input's shape

    @property
    def sampler(self) -> str | None:
        return None if self.draw is None else self.draw.sampler

    @property
    def seeding(self) -> Seeding | None:
        return None if self.draw is None else self.draw.seeding

    @property
    def noise(self) -> tuple[int, ...] | None:
        return None if self.draw is None else self.draw.noise


class Agreement(Enum):
    """Why the APIs of one group share a mask."""

    COINCIDENCE = "coincidence"  # different samplers or seeds gave the same mask
    NO_DRAW = "no_draw"  # nothing was drawn: the input came back unchanged
    SAME_DERIVATION = "same_derivation"  # several APIs, one sampler, seeding and noise shape
    OWN = "own"  # one API alone


@dataclass(frozen=True)
class Group:
    letter: str
    labels: tuple[str, ...]
    agreement: Agreement
    draw: Draw | None  # what all members drew with (None: nothing drawn, or a coincidence)


@dataclass(frozen=True)
class Difference:
    """Why two groups' masks differ, as captured: the sampler, its seeding, or the noise shape."""

    a: str  # group letters
    b: str
    kind: str  # "sampler", "noise_shape" or "seed"
    left: Draw  # what group a drew with
    right: Draw


@dataclass(frozen=True)
class Comparison:
    spec: RunSpec
    entries: tuple[Entry, ...]
    groups: tuple[Group, ...]
    differences: tuple[Difference, ...] = ()


def _frozen(v):
    """A nested list from tolist() as nested tuples, so it can be compared and hashed."""
    return tuple(_frozen(i) for i in v) if isinstance(v, list) else v


def _seeding(trace: Trace) -> Seeding:
    """What the captured call seeded its sampler with."""
    t = trace.tensors
    if t.get("seed") is not None:
        return Seeding(SeedKind.SEED, _frozen(np.asarray(t["seed"]).tolist()))
    if t.get("op_seed") is not None:
        return Seeding(SeedKind.OP_SEEDS, (int(t["global_seed"]), int(t["op_seed"])))
    first = trace.calls[0]
    if "Generator" not in trace.stage("uniform").function.qualname:  # a stateful op, unseeded: get_seed
        return Seeding(SeedKind.UNSEEDED_OP)  # gave (None, None)
    state = None if first.state_before is None else _frozen(np.asarray(first.state_before).tolist())
    if trace.seed is None:  # tf-keras drew the Generator's seed itself (random.randint)
        return Seeding(SeedKind.GENERATOR_DRAWN, state=state)
    return Seeding(SeedKind.GENERATOR, trace.seed, state)


def _draw(trace: Trace) -> Draw | None:
    uniform = trace.stage("uniform")
    if not uniform.reached:
        return None
    noise = trace.stage("noise_shape").dynamic_shape
    return Draw(uniform.function.qualname, _seeding(trace), tuple(noise) if noise else None)


def compare(spec: RunSpec) -> Comparison:
    """Trace every variant that accepts spec's shape; group identical masks."""
    from .trace import trace_run

    plan = []  # (label, its RunSpec, or None and why it does not run on this input)
    for label, options in variants():
        rank = APIS[options["api"]].rank
        if rank is not None and rank != len(spec.shape):
            plan.append((label, None, APIS[options["api"]].needs_rank()))
            continue
        try:
            plan.append((label, build_spec(rate=str(spec.rate), shape=format_dims(spec.shape), batch=spec.batch,
                                           seed="none" if spec.seed is None else spec.seed, dtype=spec.dtype,
                                           input=spec.input, eager=spec.eager, max_elements=spec.max_elements,
                                           max_memory=None if spec.max_memory is None else str(spec.max_memory),
                                           **options), None))
        except UsageError as exc:
            plan.append((label, None, str(exc)))
    runs = sum(one is not None for _, one, _ in plan)  # every trace is kept: they need memory all at once
    check_memory(spec, f"compare traces {runs} calls on {shape_text(spec.run_shape)} and keeps them all", runs)
    entries = []
    for label, one, why in plan:
        if one is None:
            entries.append(Entry(label, None, why, None, None))
            continue
        trace = trace_run(one)
        drawn = trace.tensors["keep_mask"]
        mask = (np.broadcast_to(drawn, trace.run_shape) if drawn is not None
                else np.ones(trace.run_shape, dtype=bool))
        entries.append(Entry(label, trace, None, _draw(trace), mask))
    groups = _groups(entries)
    return Comparison(spec, tuple(entries), groups, _differences(entries, groups))


def _groups(entries: list[Entry]) -> tuple[Group, ...]:
    buckets: dict[bytes, list[Entry]] = {}
    for e in entries:
        if e.mask is not None:
            buckets.setdefault(e.mask.tobytes(), []).append(e)
    groups = []
    for i, members in enumerate(buckets.values()):
        draws = {e.draw for e in members}
        draw = next(iter(draws)) if len(draws) == 1 else None
        if len(draws) > 1 or len(members) > 1 and draw is not None and draw.seeding.kind is SeedKind.UNSEEDED_OP:
            agreement = Agreement.COINCIDENCE  # unseeded ops pick their own seeds: alike only in what was captured
        elif draw is None:
            agreement = Agreement.NO_DRAW
        else:
            agreement = Agreement.SAME_DERIVATION if len(members) > 1 else Agreement.OWN
        groups.append(Group(chr(ord("A") + i), tuple(e.label for e in members), agreement, draw))
    return tuple(groups)


def _differences(entries, groups) -> tuple[Difference, ...]:
    """Why the groups differ, from what each captured: a different sampler, or the same one seeded differently."""
    # A group whose members drew differently (a coincidence) has no one draw to compare: its first member's
    # sampler or seed says nothing of why the group's mask differs from another's.
    firsts = [(g.letter, next(e for e in entries if e.label == g.labels[0]).draw) for g in groups
              if g.agreement is not Agreement.COINCIDENCE]
    out = []
    for i, (a, da) in enumerate(firsts):
        for b, db in firsts[i + 1:]:
            if da is None or db is None:
                continue
            if da.sampler != db.sampler:
                kind = "sampler"
            elif da.seeding == db.seeding and da.noise != db.noise:
                kind = "noise_shape"
            else:
                kind = "seed"
            out.append(Difference(a, b, kind, da, db))
    return tuple(out)
