"""Facts about one run, derived from its snapshot and stages: what narration chooses its sentences from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .apis import APIS, LOCALS, sampler_key
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


@dataclass(frozen=True)
class Facts:
    mode: str  # "graph" or "eager"
    api: str
    kind: str  # "layer" or "function"
    rng: str | None  # tf-keras's branch
    rng_default: bool  # tf-keras: no --rng given, the library's default ran
    trace_count: int  # how often tf.function ran the Python code (0 eagerly)
    calls: tuple[CallFacts, ...]
    training: bool | None  # the flag the layer received
    rate: float
    rate_is_tensor: bool
    dropped: bool  # the sampler drew
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
    if spec.api in ("keras", "spatial1d", "spatial2d", "spatial3d"):
        state_kind = "seed_generator"
    elif spec.api == "keras.random.dropout":
        state_kind = "constant_seed" if spec.seed is not None else "global_seed_generator"
    elif snap.rng == "stateful":
        state_kind = "generator"
    elif snap.rng == "stateless" or spec.api == "stateless":
        state_kind = "constant_seed"
    else:
        state_kind = "op_state"
    masks = [c.keep_mask for c in snap.calls]
    calls = tuple(CallFacts(c.index, _list(c.state_before), _list(c.state_after), _list(c.seed_used),
                            None if c.keep_mask is None else int(np.broadcast_to(c.keep_mask, c.output.shape).sum()),
                            _same(c.keep_mask, masks[0])) for c in snap.calls)
    sampler_shape = None
    if snap.refusal is not None:
        ev = snap.first(sampler_key(spec.api, snap.rng))
        sampler_shape = ev.call_locals.get("shape") if ev else None
    unknown = isinstance(sampler_shape, PyValue) and isinstance(sampler_shape.data, list) and None in sampler_shape.data
    return Facts(
        mode=snap.mode, api=spec.api, kind=api.kind, rng=snap.rng, rng_default=spec.api == "tf-keras" and not spec.rng,
        trace_count=snap.trace_count, calls=calls,
        training=training.data if isinstance(training, PyValue) and isinstance(training.data, bool) else None,
        rate=spec.rate, rate_is_tensor=rate_is_tensor, dropped=dropped,
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
        refusal=snap.refusal, sampler_got_unknown_size=unknown, missing=_missing(trace))


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
