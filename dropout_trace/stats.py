"""Many masks from the real API, measured in chunks: kept fraction, output ratio, correlations, binomial fit."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
import time
from dataclasses import dataclass
from enum import Enum

import numpy as np

from .errors import LibraryRefused
from .model import StopPoint
from .stats_sums import Sums
from .stop_point import stopped_at
from .spec import UsageError
from .stats_math import (binomial_pmf, chi2_sf, correlation, fisher_band, gamma_q,  # noqa: F401  (gamma_q: tests)
                         normal_quantile, wilson)

LEVEL = 0.999  # every interval and test here: 99.9% (a test "passes" when p >= 1 - LEVEL)
DEFAULT_TRIALS = 1000
MAX_TRIALS = 1_000_000
MAX_MASK_ELEMENTS = 10**10  # trials x elements: about a minute of sampling on two cores
CHUNK_ELEMENTS = 1 << 23  # mask elements per graph run: big enough to hide per-run overhead, small in memory
LOOP_BELOW = 1 << 16  # inputs smaller than this run many calls per graph run; larger ones, one call per run
MIN_EXPECTED = 5.0  # chi-square bins with a smaller expected count are pooled with their neighbours
TAIL_SD = 40  # binomial probabilities further than this many sd from the mean are below 1e-300
SHOWN_SD = 4  # the histogram keeps the keep counts within this many sd of the mean (and every one seen)


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Histogram:
    """Draws per keep count k = first, first + 1, ...: how many were seen, and how many Binomial(trials, P(keep))
    expects; every count seen lies inside, and outside SHOWN_SD sd of the mean a normal tail holds under 1e-4."""

    first: int
    observed: tuple[int, ...]
    expected: tuple[float, ...]


@dataclass(frozen=True)
class Interval:
    """A measured value, its 99.9% interval, and the exact value it should match."""

    estimate: float
    low: float
    high: float
    exact: float
    n: int  # the independent draws the interval assumes

    @property
    def inside(self) -> bool:
        return self.low <= self.exact <= self.high


class Along(Enum):
    """Which neighbours a correlation pairs."""
    SAMPLES = "samples"  # along axis 0
    FEATURES = "features"  # along the last axis
    AXIS = "axis"  # along an axis between them
    CALLS = "calls"  # consecutive calls, same element


@dataclass(frozen=True)
class Correlation:
    """Pearson r of masks between neighbours: along an axis (i and i+1, all else equal) or between calls."""

    along: Along
    axis: int | None  # None: consecutive calls, same element
    value: float | None  # None: undefined, the mask never varied (rate 0)
    low: float | None
    high: float | None
    pairs: int  # independent pairs (pairs repeated by a shared axis counted once)
    differing: int  # pairs whose two elements differed: 0 means constant along this axis every time


@dataclass(frozen=True)
class Fit:
    """Chi-square of the per-element keep counts over the trials against Binomial(trials, P(keep)),
    and an exact test of their extremes, which pooling would hide."""

    bins: tuple[tuple[int, int], ...]  # keep-count ranges after pooling small expected bins
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    dof: int
    p_value: float
    draws: int  # elements tested: one per independent draw
    lowest: int  # the smallest and largest keep count seen
    highest: int
    tail_p: float  # P(the extremes of `draws` binomial counts reach at least as far), two-sided
    histogram: Histogram  # unpooled, one entry per keep count, for the chart

    @property
    def chi2_passed(self) -> bool:
        return self.p_value >= 1 - LEVEL

    @property
    def tails_passed(self) -> bool:
        return self.tail_p >= 1 - LEVEL

    @property
    def passed(self) -> bool:
        return self.chi2_passed and self.tails_passed


@dataclass(frozen=True)
class Stats:
    api: str
    rng: str | None  # tf-keras's RandomGenerator branch; None for the other APIs
    call: str
    rate: float
    dtype: str
    shape: tuple
    run_shape: tuple[int, ...]
    noise_shape: tuple | None
    seed: int | None
    trials: int
    elements: int  # per call
    shared_axes: tuple[int, ...]  # axes along which every mask came out constant: one draw shared
    draws: int  # independent draws per call: elements over the sizes of the shared axes
    per_run: int  # calls made inside one graph run
    runs: int  # graph runs
    rate_in_dtype: float
    scale: float | None
    p_keep: float
    kept: Interval
    ratio: Interval
    correlations: tuple[Correlation, ...]
    identical: int  # consecutive calls that returned the very same mask (of trials - 1)
    fit: Fit | None  # None when nothing was drawn, P(keep) is 0 or 1, or too few draws for two bins
    seconds: float
    drawn: bool  # the library drew uniforms (read while tracing the call); False: it returned early
    stopped: StopPoint | None  # where the traced call returned early, when nothing was drawn
    level: float = LEVEL

    @property
    def mask_elements(self) -> int:
        return self.trials * self.elements

    def correlation(self, along: Along) -> Correlation | None:
        return next((c for c in self.correlations if c.along is along), None)


def check_trials(trials: int, elements: int) -> None:
    """--trials must be 2 .. MAX_TRIALS, and trials x elements at most MAX_MASK_ELEMENTS."""
    if trials < 2:
        raise UsageError(f"--trials {trials} is too few: correlations between calls and the binomial test need "
                         f"at least 2 masks, e.g. --trials {DEFAULT_TRIALS}")
    if trials > MAX_TRIALS:
        raise UsageError(f"--trials {trials:,} is over the limit of {MAX_TRIALS:,}; {DEFAULT_TRIALS:,} to "
                         "100,000 are plenty for 99.9% intervals")
    if trials * elements > MAX_MASK_ELEMENTS:
        raise UsageError(f"--trials {trials:,} x {elements:,} elements is {trials * elements:,} mask elements, "
                         f"over the cap of {MAX_MASK_ELEMENTS:,}; use fewer trials or a smaller shape")


# -- the measurement ------------------------------------------------------------------------------
def _axes(run_shape) -> list[int]:
    """The axes with neighbours to compare (size 2 or more)."""
    return [a for a, n in enumerate(run_shape) if n >= 2]


def _chunk_function(tf, spec, call, args, looped: bool, record):
    """tf.function(x, k) -> the outputs of k calls, stacked along a new axis 0 (looped), or of one call.

    The k calls run in a tf.while_loop, not unrolled: each unrolled tf.nn.dropout(seed=s) would be
    its own op with the same seeds, so one graph run would return k identical masks. In the loop one
    op runs k times and its state advances, exactly as when the same call is made k times.
    Each trace runs under record(code), a fresh Recorder: the Python of the call runs only while tracing.
    """
    dtype = tf.as_dtype(spec.dtype)

    def body(i, outputs, x):
        return i + 1, outputs.write(i, call(x, *args)), x

    def chunk(x, k):
        with record(chunk.__code__):  # entered in the thread that traces: the worker's
            return traced(x, k)

    def traced(x, k):
        if not looped:  # a big input: one call per run costs little overhead, and stacking would copy it
            return call(x, *args)
        outputs = tf.TensorArray(dtype, size=k, element_shape=x.shape)
        # parallel_iterations=1: the calls run in order, as when made one after another. With the default
        # (10), a stateful op's iterations may run in any order, and consecutive masks are not consecutive calls.
        _, outputs, _ = tf.while_loop(lambda i, *_: i < k, body, (tf.constant(0), outputs, x), parallel_iterations=1)
        return outputs.stack()

    signature = [tf.TensorSpec(spec.shape, dtype), tf.TensorSpec((), tf.int32)]
    return tf.function(chunk, input_signature=signature, autograph=False)


def measure(spec, trials: int, progress=None) -> Stats:
    """Call spec's API `trials` times on ones, through one tf.function, and measure the masks it returns.

    `progress(done, total)` is called after each graph run; nothing here prints.
    """
    from .apis import call_text, effective_rng, innermost_quoted, make_call, raised_by_library
    from .capture import Recorder
    from .harness import landmarks_for
    from .probabilities import probabilities
    from .tfenv import import_tensorflow

    check_trials(trials, math.prod(spec.run_shape))
    tf, _ = import_tensorflow()
    start = time.perf_counter()
    run_shape = tuple(spec.run_shape)
    axes = _axes(run_shape)
    looped = math.prod(run_shape) < LOOP_BELOW
    per_run = max(1, min(trials, CHUNK_ELEMENTS // math.prod(run_shape))) if looped else 1
    _, call, args = make_call(spec, tf)
    landmarks = landmarks_for(spec)
    recorders = []  # the last trace's: tf.function traces again when the first trace created variables

    def record(boundary):
        recorders[:] = [Recorder({lm.code: key for key, lm in landmarks.items() if lm.found}, boundary)]
        return recorders[0]

    fn = _chunk_function(tf, spec, call, args, looped, record)
    x = tf.ones(run_shape, tf.as_dtype(spec.dtype))
    sums = Sums(run_shape, axes)
    done = runs = 0
    if progress:
        progress(0, trials)
    sizes = [min(per_run, trials - i) for i in range(0, trials, per_run)]

    def graph_run(k: int) -> np.ndarray:
        outputs = np.asarray(fn(x, tf.constant(k)))  # a read-only view of the tensor's buffer, not a copy
        return outputs if looped else outputs[None]

    # The graph runs happen one after another, in order, in one worker thread, while this thread counts
    # the masks of the run before: TensorFlow and numpy both release the GIL, so the counting overlaps
    # the next draw. The calls, and so the random state, advance exactly as in a plain loop.
    with ThreadPoolExecutor(max_workers=1) as worker:
        pending = worker.submit(graph_run, sizes[0])
        for i, k in enumerate(sizes):
            try:
                outputs = pending.result()
            except Exception as exc:  # the library refused: one line, as `run` reports it; else the tool failed
                if not raised_by_library(exc, call):
                    raise
                inner = innermost_quoted(exc)
                raise LibraryRefused(type(inner).__name__, str(inner)) from exc
            if i + 1 < len(sizes):
                pending = worker.submit(graph_run, sizes[i + 1])
            sums.add(outputs)
            done, runs = done + k, runs + 1
            if progress:
                progress(done, trials)
    seconds = time.perf_counter() - start
    return _summarise(spec, trials, run_shape, sums, per_run, runs, seconds, call_text(spec),
                      probabilities(spec.dtype, spec.rate), effective_rng(spec), _drawn(recorders[0], landmarks))


def _drawn(rec, landmarks) -> tuple[bool, StopPoint | None]:
    """From the trace's own capture: did `_dropout` draw (it holds a random_tensor), or where did it return?"""
    from .freeze import landmark_info

    ev = rec.first("tf._dropout")
    pool = None if ev is None else ev.call_locals if ev.return_locals is None else ev.return_locals
    if pool is not None and pool.get("random_tensor") is not None:
        return True, None
    return False, stopped_at(rec.events, {key: landmark_info(lm) for key, lm in landmarks.items()})


def _summarise(spec, trials, run_shape, sums: Sums, per_run, runs, seconds, call, probs, rng, traced) -> Stats:
    """From the exact sums to intervals, correlations and the binomial fit."""
    drawn, stopped = traced
    z = normal_quantile(1 - (1 - LEVEL) / 2)
    elements = math.prod(run_shape)
    kept = sums.kept
    t_both, t_prev, t_cur, identical = sums.calls
    per_axis = {}
    for a, (ab, sa, sb) in sums.pairs.items():
        n = trials * elements // run_shape[a] * (run_shape[a] - 1)
        per_axis[a] = (n, sa, sb, ab, correlation(n, sa, sb, ab))
    shared = tuple(a for a, (n, sa, sb, ab, r) in per_axis.items() if r is not None and sa + sb - 2 * ab == 0)
    repeat = math.prod(run_shape[a] for a in shared)  # elements that share one draw
    draws = elements // repeat if drawn else 0  # nothing drawn: no draw to count, whatever the shape
    correlations = []
    for a, (n, sa, sb, ab, r) in per_axis.items():
        along = Along.SAMPLES if a == 0 else Along.FEATURES if a == len(run_shape) - 1 else Along.AXIS
        independent = trials * draws if a in shared else n // repeat  # a shared pair is one draw twice
        independent = independent if drawn else 0  # no draws, no pairs of draws
        correlations.append(_correlation(along, a, r, independent, sa + sb - 2 * ab, z))
    n_calls = (trials - 1) * elements
    r = correlation(n_calls, t_prev, t_cur, t_both)
    correlations.append(_correlation(Along.CALLS, None, r, (trials - 1) * draws, t_prev + t_cur - 2 * t_both, z))
    n = trials * draws
    estimate = kept / (trials * elements)
    mean = sums.ysum / (trials * elements)
    if n:
        low, high = wilson(kept // repeat, n, z)  # counted in independent draws, not the elements they were copied to
        sd = math.sqrt(max(0.0, sums.ysq / (trials * elements) - mean * mean))
        ratio_low, ratio_high = mean - z * sd / math.sqrt(n), mean + z * sd / math.sqrt(n)
    else:  # nothing was drawn: every output is its input, and there is no sampling error to bound
        low = high = estimate
        ratio_low = ratio_high = mean
    fit = binomial_fit(_representatives(sums.counts, shared), trials, probs.p_keep) if drawn else None
    return Stats(
        api=spec.api, rng=rng, call=call, rate=spec.rate, dtype=spec.dtype, shape=tuple(spec.shape),
        run_shape=run_shape, noise_shape=spec.noise_shape, seed=spec.seed, trials=trials, elements=elements, shared_axes=shared,
        draws=draws, per_run=per_run, runs=runs, rate_in_dtype=probs.rate_in_dtype, scale=probs.scale_in_dtype,
        p_keep=probs.p_keep,
        kept=Interval(estimate, low, high, probs.p_keep, n),
        ratio=Interval(mean, ratio_low, ratio_high, probs.expected_output_ratio, n),
        correlations=tuple(correlations), identical=identical, fit=fit, seconds=seconds, drawn=drawn,
        stopped=None if drawn else stopped)


def _correlation(along, axis, r, n, differing, z) -> Correlation:
    low, high = (None if r is None else fisher_band(r, n, z)) or (None, None)
    return Correlation(along, axis, r, low, high, n, differing)


def _representatives(counts: np.ndarray, shared: tuple[int, ...]) -> np.ndarray:
    """One keep count per independent draw: index 0 along every shared axis."""
    index = tuple(slice(0, 1) if a in shared else slice(None) for a in range(counts.ndim))
    return counts[index].ravel()


def binomial_fit(counts: np.ndarray, trials: int, p: float) -> Fit | None:
    """Chi-square of the histogram of keep counts against Binomial(trials, p), small expected bins pooled."""
    if not 0 < p < 1:
        return None
    draws = counts.size
    mean, sd = trials * p, math.sqrt(trials * p * (1 - p))
    lo = max(0, math.floor(mean - TAIL_SD * sd - 1))
    hi = min(trials, math.ceil(mean + TAIL_SD * sd + 1))
    expected = np.zeros(trials + 1)
    expected[lo:hi + 1] = draws * binomial_pmf(trials, p, lo, hi)  # outside: below 1e-300 of a draw
    observed = np.bincount(counts, minlength=trials + 1)
    bins, obs, exp = [], [], []
    start, o, e = 0, 0, 0.0
    first, last = min(lo, int(counts.min())), max(hi, int(counts.max()))  # elsewhere both are 0
    o = int(observed[:first].sum())
    for k in range(first, last + 1):
        o, e = o + int(observed[k]), e + float(expected[k])
        if e >= MIN_EXPECTED:
            bins.append((start, k)), obs.append(o), exp.append(e)
            start, o, e = k + 1, 0, 0.0
    if bins and (o or e):  # what is left past the last full bin joins it
        bins[-1] = (bins[-1][0], trials)
        obs[-1], exp[-1] = obs[-1] + o, exp[-1] + e
    if len(bins) < 2:
        return None
    chi2 = float(sum((ob - ex) ** 2 / ex for ob, ex in zip(obs, exp)))
    dof = len(bins) - 1
    lowest, highest = int(counts.min()), int(counts.max())
    a = max(0, min(lowest, math.floor(mean - SHOWN_SD * sd)))
    b = min(trials, max(highest, math.ceil(mean + SHOWN_SD * sd)))
    histogram = Histogram(a, tuple(observed[a:b + 1].tolist()), tuple(expected[a:b + 1].tolist()))
    return Fit(tuple(bins), tuple(obs), tuple(exp), chi2, dof, chi2_sf(chi2, dof), draws, lowest, highest,
               extremes_p(expected / draws, draws, lowest, highest), histogram)


def extremes_p(pmf: np.ndarray, draws: int, lowest: int, highest: int) -> float:
    """Two-sided P(the smallest of `draws` counts is <= lowest, or the largest >= highest), exactly.

    Pooling merges the tails into their neighbours' bins, so counts of only 0 and T (one mask repeated)
    could pass the chi-square with two bins; these extremes cannot hide there.
    """
    def any_of(q: float) -> float:  # P(at least one of `draws` counts lands where one lands with probability q)
        return 1.0 if q >= 1 else -math.expm1(draws * math.log1p(-q))

    below, above = float(pmf[:lowest + 1].sum()), float(pmf[highest:].sum())
    return min(1.0, 2 * min(any_of(below), any_of(above)))
