"""The TF-free half of tests/test_probabilities.py: exact dropout probabilities per dtype, checked against independent arithmetic and the real TensorFlow."""

import math
from fractions import Fraction
import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from dropout_trace.probabilities import grid_bits, probabilities
from test_probabilities import DTYPES, NP, RATES, enumerated_p_keep, rates  # noqa: F401  (fixtures among them)


def test_float16_measured_facts():
    p = probabilities("float16", 0.3)
    assert p.rate_in_dtype == 0.300048828125
    assert p.p_keep == 0.69921875
    assert (p.grid_bits, p.grid_size) == (10, 1024)


def test_bfloat16_measured_facts():
    p = probabilities("bfloat16", 0.3)
    assert p.rate_in_dtype == 0.30078125
    assert p.p_keep == 0.6953125
    assert (p.grid_bits, p.grid_size) == (7, 128)


def test_float32_p_keep_matches_enumeration_and_fraction():
    p = probabilities("float32", 0.3)
    assert p.p_keep == enumerated_p_keep("float32", 0.3)
    # by hand: float32(0.3) = 5033165 / 2**24, so the first kept k is ceil(2516582.5) = 2516583
    assert Fraction(p.p_keep) == Fraction(2**23 - 2516583, 2**23)
    assert p.p_keep != 0.7


def test_float64_p_keep_by_bisection():
    p = probabilities("float64", 0.3)
    lo, hi = 0, 2**52  # smallest k with k * 2**-52 >= 0.3, found with float64 comparisons (exact: k < 2**53)
    while lo < hi:
        mid = (lo + hi) // 2
        if mid * 2.0**-52 >= 0.3:
            hi = mid
        else:
            lo = mid + 1
    assert Fraction(p.p_keep) == Fraction(2**52 - lo, 2**52)
    assert p.p_keep == 0.7 and p.rate_in_dtype == 0.3 and p.expected_output_ratio == 1.0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1 / 3])
def test_p_keep_matches_enumeration(dtype, rate):
    assert probabilities(dtype, rate).p_keep == enumerated_p_keep(dtype, rate)


def test_grid_bits():
    assert [grid_bits(d) for d in DTYPES] == [10, 7, 23, 52]
    for bad in ["int32", "float8_e4m3fn", "half", "complex64", ""]:
        with pytest.raises(ValueError):
            grid_bits(bad)


def test_rate_zero_and_out_of_range():
    for dtype in DTYPES:
        p = probabilities(dtype, 0.0)
        assert (p.p_keep, p.scale_in_dtype, p.expected_output_ratio) == (1.0, 1.0, 1.0)
    for bad in [-0.1, 1.0, 1.5, float("nan")]:
        with pytest.raises(ValueError):
            probabilities("float32", bad)


def test_expected_output_ratio():
    p = probabilities("bfloat16", 0.3)
    assert p.expected_output_ratio == 0.6953125 * 1.4296875  # both have 8 significant bits: exact
    assert p.expected_output_ratio < 1  # dropout in bfloat16 at 0.3 is biased low
    assert probabilities("bfloat16", 0.3, rate_is_tensor=True).scale_in_dtype is None
    # a tensor rate rounding to 1.0 keeps nothing: ratio 0, not 0 * inf = nan
    assert probabilities("float16", 0.9999, rate_is_tensor=True).expected_output_ratio == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_rate_and_scale_equal_numpy_casts(dtype):
    for rate in RATES:
        p = probabilities(dtype, rate)
        assert p.rate_in_dtype == float(NP[dtype](rate))
        assert p.scale_in_dtype == float(NP[dtype](1 / (1 - rate)))


def test_draws_argument_counts_off_grid_values():
    on_grid = np.array([0.0, 0.5, 39 / 128, 127 / 128], dtype=ml_dtypes.bfloat16)
    p = probabilities("bfloat16", 0.3, draws=on_grid)
    assert (p.grid_checked_on, p.off_grid) == (4, 0)
    # the stored rate 0.30078125 = 38.5 / 128 is a bfloat16 value but between two grid points
    assert probabilities("bfloat16", 0.3, draws=np.array([0.30078125], dtype=ml_dtypes.bfloat16)).off_grid == 1
    mixed = np.array([[0.0, 0.1], [0.25, 1023 / 1024]], dtype=np.float32)  # float32(0.1) is off the float16 grid
    p = probabilities("float16", 0.3, draws=mixed)
    assert (p.grid_checked_on, p.off_grid) == (3, 1)
    outside = np.array([1.0, -0.5, np.nan, np.inf, 2**-11], dtype=np.float64)
    assert probabilities("float16", 0.3, draws=outside).off_grid == 5
    assert (probabilities("float16", 0.3).grid_checked_on, probabilities("float16", 0.3).off_grid) == (0, 0)


@given(dtype=st.sampled_from(DTYPES), rate=rates, rate_is_tensor=st.booleans())
def test_p_keep_is_a_grid_probability(dtype, rate, rate_is_tensor):
    p = probabilities(dtype, rate, rate_is_tensor=rate_is_tensor)
    assert 0.0 <= p.p_keep <= 1.0
    assert Fraction(p.p_keep) * p.grid_size == int(Fraction(p.p_keep) * p.grid_size)
    assert p.expected_output_ratio >= 0 and not math.isnan(p.expected_output_ratio)


@given(dtype=st.sampled_from(DTYPES), a=rates, b=rates)
def test_p_keep_is_non_increasing_in_rate(dtype, a, b):
    lo, hi = sorted((a, b))
    assert probabilities(dtype, lo).p_keep >= probabilities(dtype, hi).p_keep
