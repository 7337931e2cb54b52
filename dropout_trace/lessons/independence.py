"""Are the masks independent? Measured with the stats core: default Dropout, a shared axis, a constant seed."""

from __future__ import annotations

from dataclasses import dataclass

from ..apis import KERAS3, KERAS_RANDOM

TRIALS = 200
SHAPE, BATCH, FEATURES = "None,16", 16, 16  # 256 draws a call: enough for the binomial test's bins

# name -> (api, noise shape): the default layer, one draw per feature shared by all samples, a constant seed
CASES = (("default", KERAS3.name, None), ("shared", KERAS3.name, f"1,{FEATURES}"),
         ("constant", KERAS_RANDOM.name, None))


@dataclass(frozen=True)
class Corr:
    r: float | None
    low: float | None
    high: float | None
    differing: int
    pairs: int


@dataclass(frozen=True)
class Kept:
    estimate: float
    low: float
    high: float
    inside: bool


@dataclass(frozen=True)
class Fit:
    chi2: float
    dof: int
    p_value: float
    passed: bool
    draws: int


@dataclass(frozen=True)
class Case:
    """The measured numbers a page needs, as plain values."""

    call: str
    trials: int
    run_shape: list
    draws: int
    shared_axes: list
    p_keep: float
    kept: Kept
    samples: Corr | None
    features: Corr | None
    calls: Corr | None
    identical: int
    fit: Fit | None


@dataclass(frozen=True)
class Independence:
    level: float
    default: Case
    shared: Case
    constant: Case


def _facts(s) -> Case:
    from ..stats import Along

    def corr(along):
        c = s.correlation(along)
        return None if c is None else Corr(r=c.value, low=c.low, high=c.high, differing=c.differing, pairs=c.pairs)

    fit = s.fit
    return Case(
        call=s.call, trials=s.trials, run_shape=list(s.run_shape), draws=s.draws,
        shared_axes=list(s.shared_axes), p_keep=s.p_keep,
        kept=Kept(estimate=s.kept.estimate, low=s.kept.low, high=s.kept.high, inside=s.kept.inside),
        samples=corr(Along.SAMPLES), features=corr(Along.FEATURES), calls=corr(Along.CALLS),
        identical=s.identical,
        fit=None if fit is None else Fit(chi2=fit.chi2, dof=fit.dof, p_value=fit.p_value, passed=fit.passed,
                                         draws=fit.draws),
    )


def compute(p) -> Independence:
    from ..spec import build_spec
    from ..stats import LEVEL, measure

    out = {}
    for name, api, noise in CASES:
        spec = build_spec(rate=str(p.rate), shape=SHAPE, batch=BATCH, seed=p.seed, noise_shape=noise, api=api,
                          input="ones")
        out[name] = _facts(measure(spec, TRIALS))
    return Independence(level=LEVEL, **out)
