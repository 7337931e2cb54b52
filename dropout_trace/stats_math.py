"""The distributions `stats` tests against, in numpy and math only (scipy is not a dependency): quantiles,
the regularised gamma function, chi-square tails, Wilson and Fisher intervals, binomial probabilities."""

from __future__ import annotations

import math

import numpy as np


def normal_quantile(q: float) -> float:
    """z with P(Z <= z) = q, by bisection on erfc: 0.5 * erfc(-z / sqrt 2) = q."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _gamma_p_series(a: float, x: float) -> float:
    """P(a, x) = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n)); converges fast for x < a + 1."""
    term = total = 1.0 / a
    n = a
    for _ in range(10_000):
        n += 1
        term *= x / n
        total += term
        if abs(term) < abs(total) * 1e-16:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction (modified Lentz); converges fast for x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-16:
            break
    return h * math.exp(-x + a * math.log(x) - math.lgamma(a))


def gamma_q(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a)."""
    if a <= 0:
        raise ValueError(f"gamma_q needs a > 0, got {a}")
    if x <= 0:
        return 1.0
    if x < a + 1:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return _gamma_q_fraction(a, x)


def chi2_sf(x: float, dof: int) -> float:
    """P(chi-square with dof degrees of freedom > x) = Q(dof / 2, x / 2)."""
    return gamma_q(dof / 2.0, x / 2.0)


def wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k / n."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def correlation(n: int, sa: int, sb: int, sab: int) -> float | None:
    """Pearson r of two 0/1 sequences from exact integer sums; None when either never varies."""
    va, vb = n * sa - sa * sa, n * sb - sb * sb
    if va <= 0 or vb <= 0:
        return None
    # identical sequences have va == vb: divide by va itself, so r is exactly 1.0, not 1 - 1 ulp
    den = va if va == vb else math.sqrt(va) * math.sqrt(vb)
    return max(-1.0, min(1.0, (n * sab - sa * sb) / den))


def fisher_band(r: float, n: int, z: float) -> tuple[float, float] | None:
    """The interval for r from Fisher's z = atanh(r) with standard error 1 / sqrt(n - 3)."""
    if n < 4:
        return None
    if abs(r) >= 1.0:
        return r, r
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def binomial_pmf(trials: int, p: float, lo: int, hi: int) -> np.ndarray:
    """P(K = k) for K ~ Binomial(trials, p), k = lo .. hi, from log-gamma (no overflow for large trials)."""
    k = np.arange(lo, hi + 1)
    lg = np.vectorize(math.lgamma, otypes=[float])
    logp = (math.lgamma(trials + 1) - lg(k + 1) - lg(trials - k + 1)
            + k * math.log(p) + (trials - k) * math.log1p(-p))
    return np.exp(logp)
