"""Run every API on the same input and say which masks agree, and why: seeds and samplers, as captured."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import narrate
from .apis import APIS
from .model import ListView, PyValue, TensorView, Trace
from .spec import RunSpec, UsageError, build_spec, check_memory, format_dims, shape_text

def variants() -> tuple[tuple[str, dict], ...]:
    """(label, build_spec options): each API, and each tf-keras branch, once; each API says which."""
    return tuple(v for api in APIS.values() for v in api.variants())


@dataclass(frozen=True)
class Entry:
    label: str
    trace: Trace | None
    skipped: str | None  # why this API did not run on this input
    sampler: str | None  # the function that drew the uniforms
    randomness: str | None  # what seeded it, as captured
    mask: np.ndarray | None  # the keep mask broadcast to the input's shape
    noise: str | None = None  # the noise shape the sampler drew, at run time


@dataclass(frozen=True)
class Group:
    letter: str
    labels: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Comparison:
    spec: RunSpec
    entries: tuple[Entry, ...]
    groups: tuple[Group, ...]


def _values(v) -> str:
    if isinstance(v, TensorView):
        return str(np.asarray(v.value).tolist())
    if isinstance(v, ListView):
        return "[" + ", ".join(_values(i) for i in v.items) + "]"
    return v.text if isinstance(v, PyValue) else "?"


def _randomness(trace: Trace) -> str:
    """What the captured call seeded its sampler with."""
    t = trace.tensors
    if t.get("seed") is not None:
        return f"seed {np.asarray(t['seed']).tolist()}"
    if t.get("op_seed") is not None:
        return f"(global, op) seeds ({int(t['global_seed'])}, {int(t['op_seed'])})"
    first = trace.calls[0]
    if "Generator" not in trace.stage("uniform").function.qualname:  # a stateful op, unseeded: get_seed
        return "no seed: get_seed gave (None, None), so the op picked seeds of its own"  # gave (None, None)
    state = "" if first.state_before is None else f", state {np.asarray(first.state_before).tolist()}"
    if trace.seed is None:  # tf-keras drew the Generator's seed itself (random.randint)
        return f"tf.random.Generator from a seed tf-keras drew at random{state}"
    return f"tf.random.Generator from_seed({trace.seed}){state}"


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
            entries.append(Entry(label, None, why, None, None, None))
            continue
        trace = trace_run(one)
        drawn = trace.tensors["keep_mask"]
        mask = (np.broadcast_to(drawn, trace.run_shape) if drawn is not None
                else np.ones(trace.run_shape, dtype=bool))
        uniform = trace.stage("uniform")
        noise = trace.stage("noise_shape").dynamic_shape
        entries.append(Entry(label, trace, None, uniform.function.qualname if uniform.reached else None,
                             _randomness(trace) if uniform.reached else None, mask,
                             str(noise) if uniform.reached and noise else None))
    return Comparison(spec, tuple(entries), _groups(entries))


def _groups(entries: list[Entry]) -> tuple[Group, ...]:
    ran = [e for e in entries if e.mask is not None]
    buckets: dict[bytes, list[Entry]] = {}
    for e in ran:
        buckets.setdefault(e.mask.tobytes(), []).append(e)
    groups = []
    for i, members in enumerate(buckets.values()):
        letter = chr(ord("A") + i)
        labels = tuple(e.label for e in members)
        causes = {(e.sampler, e.randomness, e.noise) for e in members}
        groups.append(Group(letter, labels, narrate.compare_reason(causes, len(members))))
    return tuple(groups)


@dataclass(frozen=True)
class Difference:
    """Why two groups' masks differ, as captured: the sampler, its seeding, or the noise shape."""

    a: str  # group letters
    b: str
    kind: str  # "sampler", "noise_shape" or "seed"
    left: str  # what group a had of that kind
    right: str
    shared: str | None = None  # what both had (for "noise_shape": the shared seeding)


def differences(c: Comparison) -> list[Difference]:
    """Why the groups differ, from what each captured: a different sampler, or the same one seeded differently."""
    firsts = []
    for g in c.groups:
        entry = next(e for e in c.entries if e.label == g.labels[0])
        firsts.append((g.letter, entry))
    out = []
    for i, (a, ea) in enumerate(firsts):
        for b, eb in firsts[i + 1:]:
            if ea.sampler is None or eb.sampler is None:
                continue
            if ea.sampler != eb.sampler:
                out.append(Difference(a, b, "sampler", ea.sampler, eb.sampler))
            elif ea.randomness == eb.randomness and ea.noise != eb.noise:
                out.append(Difference(a, b, "noise_shape", ea.noise, eb.noise, ea.randomness))
            else:
                out.append(Difference(a, b, "seed", ea.randomness, eb.randomness, ea.sampler))
    return out
