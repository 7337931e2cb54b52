"""The fact matrix's runs: a seeded covering design over every factor a printed sentence depends on (no TensorFlow).

Each case is one `dropout-trace run` command line. The design covers every valid pair of factor levels
(greedy, AETG-style, from a seeded random pool), then tops up with seeded random valid runs, so it is the
same list on every machine and a failure names its command.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from dropout_trace.apis import APIS, RNGS, default_shape
from dropout_trace.spec import UsageError, build_spec

SEEDS = ("42", str(2**40), "none")  # an int, one beyond int32 (Keras floormods it), unseeded
RATES = ("0.3", "0", "1")
DTYPES = ("float32", "float16", "bfloat16", "float64", "mixed_float16")  # the last: a layer policy
NOISES = ("none", "batch", "feature", "unknown_axis")  # no noise shape, (1,4), (None,1), --shape 2,None
MODES = ("graph", "eager")
CALLS = (1, 3)
RATE_FORMS = ("float", "tensor")
GRADS = ("off", "ones")  # --grad: the backward pass too (the upstream gradient ones)
MIN_RUNS = 150


def branches() -> list[tuple[str, str | None]]:
    """Every entry point, and each RandomGenerator branch (and the default) of one that has them."""
    out = []
    for name, api in APIS.items():
        out += [(name, None)] + ([(name, r) for r in RNGS] if api.has_rng_branches else [])
    return out


FACTORS = {"branch": branches(), "mode": MODES, "noise": NOISES, "dtype": DTYPES, "calls": CALLS,
           "seed": SEEDS, "rate": RATES, "rate_form": RATE_FORMS, "grad": GRADS}


@dataclass(frozen=True)
class Case:
    api: str
    rng: str | None
    mode: str
    noise: str
    dtype: str
    calls: int
    seed: str
    rate: str
    rate_form: str = "float"
    replicas: int | None = None
    grad: str = "off"

    def levels(self) -> dict:
        return {"branch": (self.api, self.rng), "mode": self.mode, "noise": self.noise, "dtype": self.dtype,
                "calls": self.calls, "seed": self.seed, "rate": self.rate, "rate_form": self.rate_form,
                "grad": self.grad}

    def shapes(self) -> tuple[str, str | None]:
        """(--shape, --noise-shape) for the noise level."""
        base = default_shape(self.api)
        if self.noise == "unknown_axis":  # the batch is known (2) and the next axis is not
            dims = base.split(",")
            return ",".join(["2", "None", *dims[2:]]), None
        rank = len(base.split(","))
        if self.noise == "batch":  # every sample shares one draw per feature
            return base, ",".join(["1", *base.split(",")[1:]])
        if self.noise == "feature":  # one draw per sample, shared along the last axis
            return base, ",".join(["None"] * (rank - 1) + ["1"])
        return base, None

    def options(self) -> dict:
        """The keyword arguments of build_spec, as the CLI passes them."""
        shape, noise = self.shapes()
        opts = dict(api=self.api, rng=self.rng, rate=self.rate, shape=shape, noise_shape=noise, seed=self.seed,
                    calls=self.calls, eager=self.mode == "eager", rate_tensor=self.rate_form == "tensor",
                    replicas=self.replicas, grad=self.grad != "off")
        if self.dtype.startswith("mixed"):
            opts["policy"] = self.dtype
        else:
            opts["dtype"] = self.dtype
        return opts

    def argv(self) -> list[str]:
        o = self.options()
        argv = ["run", "--api", self.api, "--rate", self.rate, "--shape", o["shape"], "--seed", self.seed,
                "--calls", str(self.calls)]
        argv += ["--rng", self.rng] if self.rng else []
        argv += ["--noise-shape", o["noise_shape"]] if o["noise_shape"] else []
        argv += ["--policy", o["policy"]] if "policy" in o else ["--dtype", o["dtype"]]
        argv += ["--eager"] if o["eager"] else []
        argv += ["--rate-tensor"] if o["rate_tensor"] else []
        argv += ["--replicas", str(self.replicas)] if self.replicas else []
        argv += ["--grad"] if self.grad != "off" else []
        return argv

    @property
    def command(self) -> str:
        return "dropout-trace " + " ".join(self.argv())


def usage_problem(case: Case) -> str | None:
    """What build_spec refuses about the case, judged with rate 0.3 for rate 1 and a float rate for
    keras.random.dropout's tensor rate: both are being opened up (issue 15 points 1 and 6)."""
    probe = case
    if case.rate == "1":
        probe = Case(**{**case.__dict__, "rate": "0.3"})
    opts = probe.options()
    if probe.rate_form == "tensor" and not APIS[case.api].takes_rate_tensor and APIS[case.api].kind == "function":
        opts["rate_tensor"] = False
    try:
        build_spec(**opts)
    except UsageError as exc:
        return str(exc)
    return None


def _pairs(levels: dict) -> set:
    items = sorted(levels.items())
    return {(a, va, b, vb) for (a, va), (b, vb) in itertools.combinations(items, 2)}


def design(min_runs: int = MIN_RUNS, seed: int = 15) -> list[Case]:
    """Every valid pair of levels at least once (greedy over a seeded pool), then seeded random runs up to
    min_runs; no replicas here (they need a process of their own, see replica_cases)."""
    rng = random.Random(seed)
    names = list(FACTORS)
    product = [dict(zip(names, combo)) for combo in itertools.product(*(FACTORS[n] for n in names))]
    rng.shuffle(product)
    pool = []
    for levels in product:
        if len(pool) >= 4000:
            break
        api, r = levels.pop("branch")
        case = Case(api, r, **levels)
        if usage_problem(case) is None:
            pool.append(case)
    uncovered = set().union(*(_pairs(c.levels()) for c in pool))
    chosen: list[Case] = []
    while uncovered:
        best = max(pool, key=lambda c: len(_pairs(c.levels()) & uncovered))
        chosen.append(best)
        uncovered -= _pairs(best.levels())
        pool.remove(best)
    covering = len(chosen)
    for case in sorted(pool, key=lambda c: c.rate != "0.3"):  # stable: the pool's seeded order, dropping runs first
        if len(chosen) >= max(min_runs, covering + min_runs // 2):
            break
        chosen.append(case)
    return chosen


def replica_cases() -> list[Case]:
    """--replicas 2 (graph only): each layer branch, with the noise shapes that change how many masks differ."""
    out = []
    for (api, r), noise in itertools.product(branches(), ("none", "batch", "feature")):
        if APIS[api].kind != "layer":
            continue
        case = Case(api, r, "graph", noise, "float32", 1, "42", "0.3", replicas=2)
        if usage_problem(case) is None:
            out.append(case)
    return out
