"""stats_math.py and the stats option checks, no TensorFlow: the distributions against closed forms and exact values, the binomial fit, and bad --trials values as one line (the measured masks are in tests/test_stats.py)."""

from __future__ import annotations

import math
import numpy as np
import pytest
from dropout_trace.cli import main
from dropout_trace.stats import (LEVEL, binomial_fit, binomial_pmf, chi2_sf, correlation, gamma_q, normal_quantile)


# -- the distributions ---------------------------------------------------------------------------
@pytest.mark.parametrize("x, dof, expected", [(3.841458820694124, 1, 0.05), (3.84, 1, 0.05004352),
                                              (10, 5, 0.07523524614651217), (6.634896601021214, 1, 0.01)])
def test_chi2_sf_known_values(x, dof, expected):
    assert chi2_sf(x, dof) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 2.9, 3.1, 7.5, 20.0, 60.0, 150.0, 400.0])
@pytest.mark.parametrize("dof", [1, 2, 4, 10, 30, 100])
def test_chi2_sf_against_closed_forms(x, dof):
    """dof 1: erfc(sqrt(x/2)); even dof 2m: exp(-x/2) sum_{i<m} (x/2)^i / i! (both the series and the fraction
    branch of Q(a, x) are hit)."""
    if dof == 1:
        exact = math.erfc(math.sqrt(x / 2))
    elif dof % 2 == 0:
        h = x / 2
        exact = math.exp(-h) * sum(h**i / math.factorial(i) for i in range(dof // 2))
    else:
        pytest.skip("no closed form for odd dof > 1")
    assert chi2_sf(x, dof) == pytest.approx(exact, rel=1e-9, abs=1e-300)


def test_gamma_q_edges():
    assert gamma_q(3.0, 0.0) == 1.0
    assert gamma_q(0.5, 1e-12) == pytest.approx(math.erfc(1e-6), rel=1e-12)  # Q(1/2, x) = erfc(sqrt x)
    assert chi2_sf(1e6, 3) == 0.0
    with pytest.raises(ValueError):
        gamma_q(0.0, 1.0)


def test_normal_quantile():
    z = normal_quantile(1 - (1 - LEVEL) / 2)
    assert 0.5 * math.erfc(z / math.sqrt(2)) == pytest.approx((1 - LEVEL) / 2, rel=1e-9)
    assert z == pytest.approx(3.2905267, abs=1e-6)


def test_binomial_pmf_matches_comb():
    n, p = 12, 0.3
    exact = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    assert binomial_pmf(n, p, 0, n) == pytest.approx(exact, rel=1e-12)
    assert binomial_pmf(100_000, 0.7, 0, 100_000).sum() == pytest.approx(1.0, rel=1e-9)


def test_correlation_exact_values():
    for n, s in ((10, 3), (10**9, 699_999_999), (2**40 + 7, 2**39 + 3)):
        assert correlation(n, s, s, s) == 1.0  # the same sequence twice: exactly 1, not 1 - 1 ulp
        assert correlation(n, s, n - s, 0) == -1.0
    assert correlation(10, 10, 3, 3) is None  # one side never varies


def test_binomial_fit_accepts_binomial_and_rejects_repeats():
    rng = np.random.default_rng(0)
    good = binomial_fit(rng.binomial(200, 0.7, size=2000), 200, 0.7)
    assert good.passed and min(good.expected) >= 5 and sum(good.observed) == 2000
    assert sum(good.expected) == pytest.approx(2000, rel=1e-9)
    repeated = binomial_fit(np.where(rng.random(2000) < 0.7, 200, 0), 200, 0.7)  # one mask, 200 times
    assert not repeated.passed and repeated.p_value < 1e-100
    assert binomial_fit(np.full(10, 50), 50, 1.0) is None


def test_binomial_fit_tests_the_extremes():
    """One mask repeated: counts 0 or T. Two pooled bins can pass the chi-square; the extremes cannot."""
    rng = np.random.default_rng(1)
    counts = np.where(rng.random(12) < 0.7, 1000, 0)
    fit = binomial_fit(counts, 1000, 0.7)
    assert len(fit.bins) == 2 and fit.chi2_passed  # pooling alone would let it through
    assert (fit.lowest, fit.highest) == (0, 1000) and fit.tail_p == 0.0 and not fit.passed
    # the extremes' p against the binomial summed by math.comb: P(min <= lo or max >= hi), two-sided
    n, p, draws = 20, 0.3, 50
    counts = rng.binomial(n, p, size=draws)
    fit = binomial_fit(counts, n, p)
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    low, high = sum(pmf[:counts.min() + 1]), sum(pmf[counts.max():])
    exact = min(1.0, 2 * min(1 - (1 - low) ** draws, 1 - (1 - high) ** draws))
    assert fit.tail_p == pytest.approx(exact, rel=1e-9) and fit.passed


@pytest.mark.parametrize("argv, says", [
    (["--trials", "1"], "--trials 1 is too few"),
    (["--trials", "0"], "--trials 0 is too few"),
    (["--trials", "99999999"], "over the limit"),
    (["--shape", "None,10000", "--batch", "1000", "--trials", "2000"], "over the cap"),
    (["--trials", "lots"], "--trials"),
    (["--rate", "1"], "stats --rate 1: no API draws at a float rate of 1"),
    (["--rate", "1.5"], "--rate 1.5 is outside [0, 1]"),
    (["--api", "nope"], "--api 'nope'"),
    (["--noise-shape", "2,4"], "--noise-shape"),
    (["--format", "xml"], "--format"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, says):
    code = main(["stats", *argv])
    err = capsys.readouterr().err
    assert code == 2 and says in err
    assert err.count("\n") == 1 and "Traceback" not in err
