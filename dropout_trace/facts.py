"""Facts about one run, derived from its snapshot and stages: what narration chooses its sentences from."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .apis import APIS, LOCALS, sampler_key
from .backward import backward_facts
from .model import ListView, PyValue, StopPoint, TensorView
from .probabilities import Probabilities, probabilities
from .snapshot import Refusal


@dataclass(frozen=True)
class CallFacts:
    index: int
    state_before: list | None
    state_after: list | None
    seed_used: list | None
    kept: int | None  # kept elements of the output
    same_mask_as_first: bool
    run_shape: tuple = ()  # x's shape when this call ran (its output's, captured)
    noise_shape: tuple | None = None  # the noise shape's value in this call: the shape of its draws (None: no draw)
    draws: int = 0  # uniforms this call drew


@dataclass(frozen=True)
class ReplicaFacts:
    """One replica under MirroredStrategy: the random state it read, what it drew, and its own check."""

    replica: int
    device: str
    first_row: int  # its slice of the global batch starts at this row (0-based)
    rows: int
    state_before: list | None  # this replica's copy of the mirrored state variable, before call 1
    state_after: list | None  # ... after call 1
    seed_used: list | None  # what the op received: a [2] stateless seed, or (global, op) seeds
    legacy_seed: int | None  # tf-keras legacy: what make_legacy_seed handed out in this replica
    key_in: list | None  # tf.random.Generator: its key before the replica id was hashed in
    key_out: list | None  # ... and after
    kept: int | None  # kept elements in call 1
    same_mask: bool  # every call's mask equals replica 0's mask of that call
    same_draws: bool  # every call's uniforms equal replica 0's, bit for bit
    check: object = None  # check.Check of this replica: its outputs recomputed from its own draws
    mask_rows: int | None = None  # rows of call 1's keep mask as drawn: 1 where the noise shape shares axis 0


@dataclass(frozen=True)
class Facts:
    mode: str  # "graph" or "eager"
    api: str
    kind: str  # "layer" or "function"
    rng: str | None  # tf-keras's branch
    rng_default: bool  # tf-keras: no --rng given, the library's default ran
    rng_branches: bool  # the API branches on a RandomGenerator rng type (tf-keras)
    converts_keep_prob: bool  # the API takes TF1's keep_prob and turns it into rate (tf.compat.v1.nn.dropout)
    trace_count: int  # how often tf.function ran the Python code (0 eagerly)
    calls: tuple[CallFacts, ...]
    training: bool | None  # the flag the layer received
    rate: float
    rate_is_tensor: bool
    dropped: bool  # the sampler drew
    zeroed: bool  # it returned zeros before any draw (Keras 3's backend at rate 1), not its input
    zeros_out: int  # elements of call 1's captured output that are 0
    stopped: StopPoint | None  # where the library returned early instead
    input_dtype: str
    layer_dtype: str | None  # the layer's dtype= argument, None when not passed
    compute_dtype: str | None  # the dtype `_dropout` received x in: the draw and the comparison run in it
    probabilities: Probabilities | None
    shape: tuple  # as given, None = unknown while tracing
    run_shape: tuple
    noise_given: tuple | None
    noise_source: str | None  # "shape_op", "constant", "eager", "list", "static_list"
    noise_static: list | None  # the noise shape as known while tracing
    noise_runtime: list | None
    noise_passed_through: bool  # _get_noise_shape returned the very object it was given
    noise_tensor: str | None  # the graph tensor holding the noise shape, e.g. "Shape:0" or "packed:0"
    shared_axes: tuple[int, ...]  # axes where one draw serves every element along the axis
    draws: int
    elements: int
    sampler: str  # landmark key of the function that drew the uniforms
    seed: int | None  # as given; None = unseeded
    seed_passed: list | None  # the [2] seed the stateless op received (call 1)
    seed_cast_changed: bool  # _cast_seed's floormod changed the seed's value
    op_seed_truncated: bool  # get_seed's seed % (2**31 - 1) changed the op seed of call 1
    state_kind: str  # "seed_generator", "generator", "op_state", "constant_seed" or "none"
    masks_repeat: bool | None  # None for one call
    refusal: Refusal | None
    sampler_got_unknown_size: bool  # the noise shape handed to the sampler still had a None
    missing: tuple[str, ...]  # landmarks and local names the installed version lacks
    made_while_tracing: tuple = ()  # traced again: the variables the earlier trace(s) made, as named by TF
    retraced_later: bool | None = None  # a call after the first made tf.function trace again (None: not recorded)
    replicas: tuple[ReplicaFacts, ...] = ()  # --replicas: one per replica; the fields above describe replica 0
    replicas_agree: bool | None = None  # every replica drew replica 0's mask (None: no replicas, or no draw)
    replica_reason: str | None = None  # why they agree or differ, chosen from the facts (see _replica_reason)
    backward: object = None  # --grad: backward.BackwardFacts; None without --grad

    # The cases each view words, decided here once: full, brief, JSON and notebook only choose words for them.
    @property
    def noise_origin(self) -> str:
        """Where _dropout's noise shape came from, one of NOISE_ORIGINS."""
        src, static = self.noise_source, self.noise_static
        if src == "list":
            if self.noise_given is None:
                return "layer_list"  # the layer built it from sizes and tf.shape(x)
            return "given_list_runtime" if any(d is None for d in self.noise_given) else "given_list"
        if src == "static_list":
            return "static_list_unknown" if static and None in static else "static_list"
        return src if src in NOISE_ORIGINS else "unknown"

    @property
    def run_shapes(self) -> tuple:
        """x's shape in each call, in order (one entry per call)."""
        return tuple(c.run_shape for c in self.calls)

    @property
    def sizes_differ(self) -> bool:
        """The calls ran on inputs of different shapes (--batch 3,5): one trace, several run-time shapes."""
        return len(set(self.run_shapes)) > 1

    @property
    def sharing(self) -> str:
        """How the draws serve the elements: "per_element", "batch" (every sample shares them) or "axes"."""
        if self.draws == self.elements:
            return "per_element"
        return "batch" if 0 in self.shared_axes else "axes"

    @property
    def keep_is_one_minus_rate(self) -> bool:
        """P(keep) in the compute dtype is exactly 1 - rate (bfloat16's grid, for one, moves it)."""
        p = self.probabilities
        return p is not None and abs(p.p_keep - (1 - self.rate)) < 1e-12

    @property
    def keeps_none(self) -> bool:
        """P(keep) is 0 in the compute dtype: a rate tensor that is 1 there, so no draw in [0, 1) reaches it."""
        p = self.probabilities
        return p is not None and p.p_keep == 0

    @property
    def keeps_all(self) -> bool:
        """P(keep) is 1 in the compute dtype (a rate tensor of 0 still draws): every draw reaches the rate."""
        p = self.probabilities
        return p is not None and p.p_keep == 1

    @property
    def replica_checks_passed(self) -> bool:
        """Every replica's own check passed (true with no replicas): the run passes when its check does too."""
        return all(r.check is not None and r.check.passed for r in self.replicas)


NOISE_ORIGINS = ("shape_op", "tensor", "constant", "eager", "layer_list", "given_list_runtime", "given_list",
                 "static_list_unknown", "static_list", "unknown")


def _list(a) -> list | None:
    return None if a is None else np.asarray(a).tolist()


def _noise_source(v, mode: str) -> str | None:
    if v is not None and mode == "eager":
        return "eager"
    if isinstance(v, TensorView):  # known while tracing: tf.shape folded into a constant (even one named Shape)
        known = isinstance(v.static_value, list) and None not in v.static_value
        if known:
            return "constant"
        return "shape_op" if (v.symbolic or "").rsplit("/", 1)[-1].startswith("Shape") else "tensor"
    if isinstance(v, ListView):
        return "list"
    if isinstance(v, PyValue) and isinstance(v.data, list):
        return "static_list"
    return None


def _missing(trace) -> tuple[str, ...]:
    snap, out = trace.snapshot, []
    for key, lm in snap.landmarks.items():
        if not lm.found:
            out.append(lm.missing)
            continue
        for name in LOCALS.get(key, ()):
            if name not in lm.varnames:
                out.append(f"{lm.ref.qualname} has no local `{name}` in the installed "
                           f"{key.split('.')[0].replace('tf_keras', 'tf-keras').replace('tf', 'tensorflow', 1)} "
                           f"{_version(snap, key)}")
    return tuple(out)


def _version(snap, key: str) -> str:
    v = snap.versions
    top = key.split(".")[0]
    return {"tf": v.get("tensorflow"), "keras": v.get("keras"), "tf_keras": v.get("tf_keras")}.get(top) or "?"


def derive(trace) -> Facts:
    snap, spec = trace.snapshot, trace.snapshot.spec
    api = APIS[spec.api]
    noise = trace.stage("noise_shape")
    noise_value = noise.value("noise_shape")
    random = trace.tensors.get("random")
    x_in = noise.value("x") or trace.stage("rate").value("x")
    compute = x_in.dtype if isinstance(x_in, TensorView) else (random.dtype.name if random is not None else None)
    rate_value = trace.stage("rate").value("rate")
    rate_is_tensor = isinstance(rate_value, TensorView)
    dropped = random is not None
    probs = None
    if compute and trace.check is not None and (dropped or trace.check.rate > 0):
        probs = probabilities(compute, trace.check.rate, rate_is_tensor=rate_is_tensor, draws=random)
    run_noise = noise.dynamic_shape
    shared = tuple(i for i, (n, s) in enumerate(zip(run_noise or (), spec.run_shape)) if n == 1 and s > 1)
    training = trace.stage("call").value("training")
    first_seed = snap.calls[0].seed_used if snap.calls else None
    stateless_seed = first_seed is not None and snap.first("tf.get_seed") is None
    cast_changed = False
    if stateless_seed and spec.seed is not None and snap.first("keras._cast_seed") is not None:
        cast_changed = int(np.asarray(first_seed)[0]) != spec.seed
    get_seed = snap.first("tf.get_seed")
    given_op = get_seed.call_locals.get("op_seed") if get_seed else None
    given_op = given_op.data if isinstance(given_op, PyValue) and isinstance(given_op.data, int) else None
    truncated = given_op is not None and op_seeds_of(get_seed) is not None and op_seeds_of(get_seed)[1] != given_op
    state_kind = api.state_kind(spec, snap.rng)
    branches = len(api.rngs) > 1  # the API branches on a RandomGenerator rng type (tf-keras)
    masks = [c.keep_mask for c in snap.calls]
    calls = tuple(_call_facts(c, masks[0]) for c in snap.calls)
    sampler_shape = None
    if snap.refusal is not None:
        ev = snap.first(sampler_key(spec.api, snap.rng))
        sampler_shape = ev.call_locals.get("shape") if ev else None
    unknown = isinstance(sampler_shape, PyValue) and isinstance(sampler_shape.data, list) and None in sampler_shape.data
    return Facts(
        mode=snap.mode, api=spec.api, kind=api.kind, rng=snap.rng, rng_default=branches and not spec.rng,
        rng_branches=branches, converts_keep_prob=api.converts_keep_prob,
        trace_count=snap.trace_count, calls=calls,
        training=training.data if isinstance(training, PyValue) and isinstance(training.data, bool) else None,
        rate=spec.rate, rate_is_tensor=rate_is_tensor, dropped=dropped,
        zeroed=trace.check is not None and trace.check.zeroed,
        zeros_out=int(np.count_nonzero(snap.calls[0].output == 0)) if snap.calls else 0,
        stopped=next((s.stopped for s in trace.stages if s.stopped), None),
        input_dtype=spec.dtype, layer_dtype=spec.layer_dtype_arg if api.kind == "layer" else None,
        compute_dtype=compute, probabilities=probs, shape=spec.shape, run_shape=spec.run_shape,
        noise_given=spec.noise_shape, noise_source=_noise_source(noise_value, snap.mode),
        noise_static=noise.static_shape, noise_runtime=run_noise,
        noise_tensor=noise_value.symbolic.rsplit("/", 1)[-1] if isinstance(noise_value, TensorView)
        and noise_value.symbolic else None,
        noise_passed_through=getattr(snap.first("tf._get_noise_shape"), "returned_arg", None) == "noise_shape", shared_axes=shared,
        draws=int(random.size) if dropped else 0, elements=int(np.prod(spec.run_shape)),
        sampler=sampler_key(spec.api, snap.rng), seed=spec.seed,
        seed_passed=_list(first_seed) if stateless_seed else None, seed_cast_changed=cast_changed, op_seed_truncated=truncated,
        state_kind=state_kind, masks_repeat=None if len(masks) < 2 or masks[0] is None else all(c.same_mask_as_first
                                                                                                  for c in calls),
        refusal=snap.refusal, sampler_got_unknown_size=unknown, missing=_missing(trace),
        retraced_later=snap.traced_after[-1] > snap.traced_after[0] if snap.traced_after else None,
        made_while_tracing=tuple(name for made in snap.made_while_tracing for name in made),
        backward=backward_facts(snap, sampler_key(spec.api, snap.rng)), **_replica_facts(trace, state_kind))


def _call_facts(c, first_mask) -> CallFacts:
    """One call: its states and seed, what it kept, its shape and noise shape at run time, its draws."""
    return CallFacts(c.index, _list(c.state_before), _list(c.state_after), _list(c.seed_used),
                     None if c.keep_mask is None else int(np.broadcast_to(c.keep_mask, c.output.shape).sum()),
                     _same(c.keep_mask, first_mask), tuple(int(d) for d in c.output.shape),
                     None if c.random is None else tuple(int(d) for d in c.random.shape),
                     0 if c.random is None else int(c.random.size))


def _replica_facts(trace, state_kind: str) -> dict:
    """Per replica: states, seeds, keys, masks and a check recomputed from that replica's own draws."""
    from .check import check_calls

    snap = trace.snapshot
    if not snap.replicas:
        return {}
    first, rows = snap.replicas[0], snap.spec.run_shape[0]
    out = []
    for rep in snap.replicas:
        check = None
        if trace.check is not None:  # the same check as replica 0's, on this replica's own capture
            own = replace(snap, events=rep.events, calls=rep.calls, input=rep.input, fresh=None,
                          reference_seed=None, replicas=())
            check = check_calls(own, trace.check.rate, trace.check.rate_is_tensor)
        legacy = rep.first("tf_keras.RandomGenerator.make_legacy_seed")
        legacy = legacy.returned.data if legacy is not None and isinstance(legacy.returned, PyValue) else None
        c0 = rep.calls[0] if rep.calls else None
        out.append(ReplicaFacts(
            rep.replica, rep.device, rep.replica * rows, rows, _list(c0.state_before if c0 else None),
            _list(c0.state_after if c0 else None), _list(c0.seed_used if c0 else None),
            legacy if isinstance(legacy, int) else None, _list(rep.key_in), _list(rep.key_out),
            None if c0 is None or c0.keep_mask is None else int(np.broadcast_to(c0.keep_mask, c0.output.shape).sum()),
            all(_same(a.keep_mask, b.keep_mask) for a, b in zip(rep.calls, first.calls)),
            all(_same(a.random, b.random) and a.random.dtype == b.random.dtype
                for a, b in zip(rep.calls, first.calls)), check,
            None if c0 is None or c0.keep_mask is None else (int(c0.keep_mask.shape[0]) if c0.keep_mask.ndim else 1)))
    drew = bool(first.calls) and first.calls[0].keep_mask is not None
    agree = all(r.same_mask for r in out) if drew else None
    return {"replicas": tuple(out), "replicas_agree": agree,
            "replica_reason": _replica_reason(out, agree, state_kind)}


def _replica_reason(reps: list, agree: bool | None, state_kind: str) -> str:
    """The cause of agreement or difference, read from what each replica captured."""
    if agree is None:
        return "no_draw"
    seeds = [r.seed_used for r in reps]
    same_seeds = None not in seeds and all(s == seeds[0] for s in seeds)
    if all(r.same_draws for r in reps):
        if state_kind == "seed_generator" and same_seeds and all(r.state_before == reps[0].state_before for r in reps):
            return "same_state"  # each replica read its own, equal copy of the mirrored seed state
        if state_kind == "constant_seed" and same_seeds:
            return "constant_seed"
        if state_kind == "op_state" and same_seeds:
            return "same_op_seeds"  # every replica's stateful op got the same (global, op) seeds
        return "same_draws"
    if agree:
        return "coincidence"  # different uniforms, the same mask: a small sample
    keys = [r.key_out for r in reps]
    if None not in keys and len({str(k) for k in keys}) == len(keys):
        return "replica_key"  # tf.random.Generator hashed each replica id into its key
    if None not in seeds and not same_seeds:
        return "op_seeds_differ"
    if state_kind == "op_state" and all(s is None for s in seeds):
        return "unseeded_ops"  # no op seed: each replica's op seeds itself
    return "different_draws"


def op_seeds_of(ev) -> list | None:
    """get_seed's returned (global, op) pair as ints, when both were set."""
    v = ev.returned if ev is not None else None
    items = v.items if isinstance(v, ListView) else None
    if items is None:
        return None
    out = [i.data if isinstance(i, PyValue) else (None if i.value is None else int(i.value)) for i in items]
    return None if None in out else [int(o) for o in out]


def _same(a, b) -> bool:
    return a is not None and b is not None and a.shape == b.shape and bool(np.array_equal(a, b))
