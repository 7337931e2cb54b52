"""What the user asked for: parsed, validated command-line input. No TensorFlow here."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# The estimates live in memory.py; the names other modules import from here stay importable here.
from .apis import APIS, DEFAULT_API, RNGS, api_names
from .batches import MAX_BATCHES, MAX_CALLS, batch_text, check_sizes, parse_batches  # noqa: F401
from .errors import UsageError
from .memory import FULL_UP_TO, available_memory, human_bytes, memory_problem  # noqa: F401

DTYPES = ("float16", "bfloat16", "float32", "float64")
INPUTS = ("range", "ones", "normal")
UPSTREAMS = ("ones", "range", "normal")  # --upstream: the gradient that arrives at the output, under --grad
POLICIES = ("mixed_float16", "mixed_bfloat16")
DEFAULT_MAX_ELEMENTS = 10_000_000
MAX_ADDRESSABLE = 2**60  # elements: the float64 input of more would exceed numpy's 2**63 - 1 bytes, whatever the caps
SEED_MIN, SEED_MAX = -(2**63), 2**63 - 1  # every API converts the seed to an int64 tensor
MIN_REPLICAS, MAX_REPLICAS = 2, 8
MAX_RANK = 8
VALUES = ("full", "summary", "none")  # --values: how JSON writes each tensor

Dims = tuple  # tuple[int | None, ...]


def added(default=None):
    """A record field added after snapshots were recorded: the codec writes it only when it is set."""
    return field(default=default, metadata={"written_when_set": True})


@dataclass(frozen=True)
class RunSpec:
    """One dropout call to trace."""

    rate: float
    shape: Dims
    batch: int = 3
    seed: int | None = 42  # None: an unseeded call, the library draws its own
    noise_shape: Dims | None = None
    dtype: str = "float32"
    layer_dtype: str | None = None  # layers: None = the same as dtype; "none" = no dtype= argument
    policy: str | None = None  # layers: a mixed-precision policy passed as dtype=
    calls: int = 1
    input: str = "range"
    eager: bool = False
    max_elements: int = DEFAULT_MAX_ELEMENTS
    api: str = DEFAULT_API
    rng: str | None = None  # tf-keras only: stateless, stateful or legacy; None = the library's default
    keep_prob: float | None = None  # tf.compat.v1.nn.dropout only
    training: bool = True
    rate_tensor: bool = False
    replicas: int | None = None  # run under MirroredStrategy on this many logical CPUs; None = no strategy
    max_memory: int | None = None  # bytes a run may need at its peak; None = the memory available
    batches: tuple = added(())  # --batch 3,5: the sizes a None takes, one call each, in order (batch is the first); () = one
    grad: str | None = added()  # --grad: the upstream gradient's values (ones, range or normal); None = forward only

    @property
    def layer_dtype_arg(self) -> str | None:
        """What the layer gets as dtype=: a policy, a dtype, or nothing (None)."""
        if self.policy:
            return self.policy
        chosen = self.layer_dtype or self.dtype
        return None if chosen == "none" else chosen

    @property
    def run_shape(self) -> tuple[int, ...]:
        """The concrete shape at run time: every None becomes `batch`."""
        return self.run_shape_at(self.batch)

    @property
    def sizes(self) -> tuple[int, ...]:
        """The sizes a None takes, in the order the calls play them: --batch 3,5 -> (3, 5); --batch 3 -> (3,)."""
        return tuple(self.batches) or (self.batch,)

    @property
    def call_sizes(self) -> tuple[int, ...]:
        """Each call's size: the sizes in order, --calls times over (--batch 3,5 --calls 2: 3, 5, 3, 5)."""
        return self.sizes * self.calls

    def run_shape_at(self, batch: int) -> tuple[int, ...]:
        """The concrete shape at run time when every None is `batch`."""
        return tuple(batch if d is None else d for d in self.shape)

    @property
    def largest_run_shape(self) -> tuple[int, ...]:
        """The run-time shape of the largest size: what the element and memory caps must allow."""
        return self.run_shape_at(max(self.sizes))

    @property
    def run_noise_shape(self) -> tuple[int, ...] | None:
        if self.noise_shape is None:
            return None
        return tuple(r if d is None else d for d, r in zip(self.noise_shape, self.run_shape))


def shape_text(dims) -> str:
    """(None, 4) -> '(None, 4)', as Python prints a shape; an unknown rank -> 'unknown rank'."""
    if dims is None:
        return "unknown rank"
    inner = ", ".join("None" if d is None else str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def format_dims(dims: Dims | None) -> str:
    """(None, 4) -> 'None,4', the syntax the options take."""
    return "" if dims is None else ",".join("None" if d is None else str(d) for d in dims)


def parse_dims(text: str, option: str) -> Dims:
    """'None,4' -> (None, 4); sizes are positive integers, None marks a size unknown at trace time."""
    valid = f"{option} takes comma-separated positive sizes or None, e.g. None,4 or 2,3"
    if text is None or not text.strip():
        raise UsageError(f"{option} is empty; {valid}")
    dims = []
    for i, raw in enumerate(text.split(",")):
        item = raw.strip()
        if not item:
            raise UsageError(f"{option} {text!r} has an empty size at position {i + 1}; {valid}")
        if item.lower() == "none":
            dims.append(None)
            continue
        try:
            value = int(item)
        except ValueError:
            raise UsageError(f"{option} {text!r}: {item!r} is not a size; {valid}") from None
        if value <= 0:
            raise UsageError(f"{option} {text!r}: size {value} is not positive; {valid}")
        dims.append(value)
    if len(dims) > MAX_RANK:
        raise UsageError(f"{option} {text!r} has rank {len(dims)}; dropout-trace shows inputs of rank 1 "
                         f"to {MAX_RANK}, e.g. None,4")
    return tuple(dims)


def parse_bytes(text: str, option: str = "--max-memory") -> int:
    """'8G' -> 8 GiB: a number of bytes with an optional binary unit K, M, G or T (KiB, MB... are the same)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kmgtKMGT]?)(?:i?[bB])?\s*", str(text))
    size = float(m[1]) * 1024 ** " KMGT".index(m[2].upper() or " ") if m else math.nan
    if not 1 <= size < math.inf:
        raise UsageError(f"{option} {text!r} is not a size; give bytes with an optional unit K, M, G or T "
                         "(powers of 1024), e.g. 16G or 512M")
    return int(size)


def check_values(values: str | None) -> None:
    """--values full, summary or none; not given: full up to FULL_UP_TO elements per tensor, a summary above."""
    if values is not None and values not in VALUES:
        raise UsageError(f"--values {values!r} is not known; choose full, summary or none (how --format json writes "
                         f"each tensor; default: full up to {FULL_UP_TO:,} elements, a summary above)")



def parse_rate(text: str) -> float:
    """The drop probability, a float in [0, 1]. Rate 1 is for the library to take or refuse: Keras 3 returns zeros,
    TensorFlow's _dropout raises."""
    try:
        rate = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"--rate {text!r} is not a number; give the drop probability in [0, 1], e.g. 0.3") from None
    if math.isnan(rate) or rate < 0 or rate > 1:
        raise UsageError(f"--rate {text} is outside [0, 1]; it is the probability of dropping each element, e.g. 0.3")
    return rate + 0.0  # -0 is 0: no call text shows Dropout(-0)


def check_rate_one(rate: float, command: str, what: str, instead: str = "run --rate 1 traces it per API") -> None:
    """Refuse rate 1 where `command` has nothing to show: no API draws at a float rate of 1 (Keras 3's backend
    returns zeros before `_dropout`, and `_dropout` raises for a Python number of 1; only a rate tensor, which
    these commands never pass, gets past it); `what` is what the command looks at."""
    if rate == 1:
        raise UsageError(f"{command} --rate 1: no API draws at a float rate of 1 (Keras 3 returns zeros, "
                         f"TensorFlow's _dropout refuses it), and {command.split()[0]} passes the rate as a float, so "
                         f"there are no {what}; {instead}, or give a rate in [0, 1), e.g. 0.3")


def check_noise_broadcast(shape: Dims, noise: Dims, batch: int) -> None:
    """Each noise dimension must be 1, None, or the input's size there (numpy broadcasting)."""
    rule = ("each noise dimension must be 1 (one draw shared along that axis), None (same as the input) "
            "or equal to the input's size")
    if len(noise) != len(shape):
        raise UsageError(
            f"--noise-shape {format_dims(noise)} has rank {len(noise)} but the input {format_dims(shape)} "
            f"has rank {len(shape)}; it needs one entry per input dimension, and {rule}"
        )
    for axis, (n, s) in enumerate(zip(noise, shape)):
        size = batch if s is None else s
        if n is None or n == 1 or n == size:
            continue
        where = f"size {s}" if s is not None else f"size None, which is --batch {batch} at run time"
        raise UsageError(
            f"--noise-shape {format_dims(noise)} cannot broadcast to the input at dimension {axis}: "
            f"noise size {n} vs input {where}; {rule}"
        )


def parse_keep_prob(text: str) -> float:
    """TF1's keep probability, in [0, 1]: keep_prob 0 is rate 1, which TensorFlow's _dropout refuses itself."""
    try:
        keep = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"--keep-prob {text!r} is not a number; give the keep probability in [0, 1], "
                         "e.g. 0.7") from None
    if math.isnan(keep) or not 0 <= keep <= 1:
        raise UsageError(f"--keep-prob {text} is outside [0, 1]; it is the probability of keeping each "
                         "element (rate = 1 - keep_prob), e.g. 0.7")
    return keep


def parse_seed(text) -> int | None:
    """Any 64-bit integer, as every API takes it, or `none` for an unseeded call."""
    if isinstance(text, int):
        value = text
    elif str(text).strip().lower() == "none":
        return None
    else:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise UsageError(f"--seed {text!r} is not an integer; give any integer, e.g. 42 or -1 or 2147483653, "
                             "or none for an unseeded call") from None
    if not SEED_MIN <= value <= SEED_MAX:
        raise UsageError(f"--seed {value} is outside the 64-bit integers every API converts it to "
                         f"({SEED_MIN}..{SEED_MAX})")
    return value


def _check_api(api: str, rng: str | None, keep_prob: str | None, rate_given: bool) -> None:
    if api not in APIS:
        raise UsageError(f"--api {api!r} is not known; choose one of {api_names()}")
    chosen = APIS[api]
    if rng is not None and not chosen.has_rng_branches:
        branched = next(a.name for a in APIS.values() if a.has_rng_branches)
        raise UsageError(f"--rng selects {branched}'s RandomGenerator branch; it does not apply to --api {api} "
                         f"(use --api {branched} --rng {'|'.join(RNGS)})")
    if rng is not None and rng not in RNGS:
        raise UsageError(f"--rng {rng!r} is not known; choose one of {', '.join(RNGS)}")
    if keep_prob is not None and not chosen.converts_keep_prob:
        converting = next(a.name for a in APIS.values() if a.converts_keep_prob)
        raise UsageError(f"--keep-prob is TF1's argument of {converting}; --api {api} takes --rate")
    if keep_prob is not None and rate_given:
        raise UsageError("give --rate or --keep-prob, not both (rate = 1 - keep_prob)")
    if not rate_given and keep_prob is None:
        raise UsageError("missing --rate: the drop probability in [0, 1], e.g. --rate 0.3"
                         + (" (or --keep-prob for this TF1 API)" if chosen.converts_keep_prob else ""))


def check_replicas(replicas: int | None, eager: bool) -> None:
    """--replicas N: 2 to 8 logical CPU devices, through strategy.run inside a tf.function."""
    if replicas is None:
        return
    if not MIN_REPLICAS <= replicas <= MAX_REPLICAS:
        raise UsageError(f"--replicas {replicas} is outside {MIN_REPLICAS}..{MAX_REPLICAS}; it is how many replicas "
                         "MirroredStrategy runs the call on, one logical CPU device each, e.g. 2")
    if eager:
        raise UsageError("--replicas runs the call through strategy.run inside a tf.function; --eager does not "
                         "apply (drop --eager)")


def check_grad(grad: bool, upstream: str | None, replicas: int | None) -> None:
    if upstream is not None and upstream not in UPSTREAMS:
        raise UsageError(f"--upstream {upstream!r} is not known; choose one of {', '.join(UPSTREAMS)}")
    if upstream is not None and not grad:
        raise UsageError(f"--upstream {upstream} is the gradient that arrives at the output, where the backward "
                         "pass begins; add --grad to take it")
    if grad and replicas:
        raise UsageError("--grad traces the backward pass of one device's call; --replicas does not take it yet "
                         "(drop one of them)")


def build_spec(*, rate: str | None, shape: str, batch: int | str = 3, seed="42", noise_shape: str | None = None,
               dtype: str = "float32", input: str = "range", eager: bool = False,
               max_elements: int = DEFAULT_MAX_ELEMENTS, api: str = DEFAULT_API, rng: str | None = None,
               keep_prob: str | None = None, training: bool = True, rate_tensor: bool = False,
               layer_dtype: str | None = None, policy: str | None = None, calls: int = 1,
               replicas: int | None = None, max_memory: str | None = None, fmt: str = "text",
               values: str | None = None, export: str | None = None, grad: bool = False,
               upstream: str | None = None) -> RunSpec:
    """Validate everything before TensorFlow is imported, so bad input fails fast. `fmt`, `values` and `export`
    (--format, --values, --export) say what JSON the run writes, which the memory check counts."""
    dims = parse_dims(shape, "--shape")
    _check_api(api, rng, keep_prob, rate is not None)
    if keep_prob is not None:
        keep = parse_keep_prob(keep_prob)
        r = 1 - keep
    else:
        keep, r = None, parse_rate(rate)
    sizes = parse_batches(batch)
    seed_value = parse_seed(seed)
    _check_choices(dtype, layer_dtype, policy, input, max_elements, calls)
    check_replicas(replicas, eager)
    check_grad(grad, upstream, replicas)
    check_sizes(sizes, dims, calls, replicas)
    cap = None if max_memory is None else parse_bytes(max_memory)
    noise = None
    if noise_shape is not None:
        noise = parse_dims(noise_shape, "--noise-shape")
        for size in sizes:  # each call's input must take the noise shape
            check_noise_broadcast(dims, noise, size)
    spec = RunSpec(rate=r, shape=dims, batch=sizes[0], batches=sizes if len(sizes) > 1 else (), seed=seed_value, noise_shape=noise, dtype=dtype,
                   input=input, eager=eager, max_elements=max_elements, api=api,
                   rng=rng if APIS[api].has_rng_branches else None, keep_prob=keep, training=training,
                   rate_tensor=rate_tensor, layer_dtype=layer_dtype, policy=policy, calls=calls,
                   replicas=replicas, max_memory=cap, grad=(upstream or UPSTREAMS[0]) if grad else None)
    given = {name for name, on in (("rate_tensor", rate_tensor), ("no_training", not training),
                                   ("layer_dtype", layer_dtype is not None), ("policy", policy is not None),
                                   ("noise_shape", noise is not None)) if on}
    problem = APIS[api].validate(spec, given)
    if problem:
        raise UsageError(problem)
    size = _check_size(spec)
    check_values(values)
    check_memory(spec, size, fmt=fmt, values=values, export=export)
    return spec


def _check_choices(dtype: str, layer_dtype: str | None, policy: str | None, input: str, max_elements: int,
                   calls: int) -> None:
    if dtype not in DTYPES:
        raise UsageError(f"--dtype {dtype!r} is not supported; choose one of {', '.join(DTYPES)}")
    if layer_dtype is not None and layer_dtype not in DTYPES + ("none",):
        raise UsageError(f"--layer-dtype {layer_dtype!r} is not supported; choose one of {', '.join(DTYPES)} or "
                         "none (no dtype= argument)")
    if policy is not None and policy not in POLICIES:
        raise UsageError(f"--policy {policy!r} is not known; choose {' or '.join(POLICIES)}")
    if policy is not None and layer_dtype is not None:
        raise UsageError("give --policy or --layer-dtype, not both: each is the layer's dtype= argument")
    if input not in INPUTS:
        raise UsageError(f"--input {input!r} is not known; choose one of {', '.join(INPUTS)}")
    if max_elements < 1:
        raise UsageError(f"--max-elements {max_elements} is not positive; it is the most elements a run may have at "
                         f"run time, e.g. {DEFAULT_MAX_ELEMENTS} (the default)")
    if not 1 <= calls <= MAX_CALLS:
        raise UsageError(f"--calls {calls} is outside 1..{MAX_CALLS}; it is how many times the same layer or "
                         "function is called, e.g. 3")


def _check_size(spec: RunSpec) -> str:
    """Refuse a run-time shape no machine or cap allows (at the largest --batch); return how the refusals name it
    (for the memory check)."""
    largest = spec.largest_run_shape
    elements, replicas = math.prod(largest), spec.replicas or 1
    batched = f" with --batch {max(spec.sizes)}" if None in spec.shape else ""
    if None in spec.shape and len(spec.sizes) > 1:
        batched += f" (the largest of {batch_text(spec.sizes)})"
    size = f"--shape {format_dims(spec.shape)}{batched} is {shape_text(largest)} at run time"
    if elements * replicas > MAX_ADDRESSABLE:
        raise UsageError(f"{size}, {elements * replicas:,} elements: no 64-bit machine can hold that many (the "
                         f"input is made in float64, and 2**60 of those fill the address space); use a smaller shape")
    if elements > spec.max_elements:
        raise UsageError(f"{size}, {elements:,} elements, over the cap of {spec.max_elements:,}; use a smaller shape "
                         "or raise --max-elements")
    return size


def check_memory(spec: RunSpec, size: str, runs: int = 1, fmt: str = "text", values: str | None = None,
                 export: str | None = None) -> None:
    """Refuse a run that would not fit in memory (memory.memory_problem), before anything is allocated."""
    problem = memory_problem(spec, size, runs, fmt, values, export)
    if problem:
        raise UsageError(problem)
