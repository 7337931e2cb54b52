"""Exact dropout probabilities per dtype, checked against independent arithmetic and the real TensorFlow."""

import math
import subprocess
import sys
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropout_trace.probabilities import grid_bits, probabilities

DTYPES = ["float16", "bfloat16", "float32", "float64"]
NP = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64}


def band(p, n, sigmas=5.0):
    """(low, high) of a sigmas-wide binomial band around p for n trials."""
    half = sigmas * math.sqrt(p * (1 - p) / n)
    return p - half, p + half


def enumerated_p_keep(dtype, rate):
    """P(keep) by building every grid value k / 2**bits in the dtype itself and comparing there."""
    bits = {"float16": 10, "bfloat16": 7, "float32": 23}[dtype]
    grid = (np.arange(2**bits, dtype=np.float64) / 2**bits).astype(NP[dtype])
    return float(np.mean(grid >= NP[dtype](rate)))


# --- measured facts ---------------------------------------------------------------------------


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


def test_module_is_pure_numpy():
    # a fresh interpreter: this session has long since imported TensorFlow for other tests
    code = "import sys, dropout_trace.probabilities as p; p.probabilities('float16', 0.3); " \
        "print(sorted(m for m in ('tensorflow', 'keras', 'ml_dtypes') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- casts agree with numpy / ml_dtypes and with TensorFlow ------------------------------------

RATES = [0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1 / 3, 0.123456789, 0.999]


@pytest.mark.parametrize("dtype", DTYPES)
def test_rate_and_scale_equal_numpy_casts(dtype):
    for rate in RATES:
        p = probabilities(dtype, rate)
        assert p.rate_in_dtype == float(NP[dtype](rate))
        assert p.scale_in_dtype == float(NP[dtype](1 / (1 - rate)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rate_and_scale_equal_tensorflow_casts(tf, dtype):
    for rate in RATES:
        p = probabilities(dtype, rate)
        assert p.rate_in_dtype == float(tf.constant(rate, dtype=dtype).numpy())
        assert p.scale_in_dtype == float(tf.constant(1 / (1 - rate), dtype=dtype).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rate_is_tensor", [False, True])
def test_kept_values_equal_tensorflow_dropout_output(tf, dtype, rate_is_tensor):
    p = probabilities(dtype, 0.3, rate_is_tensor=rate_is_tensor)
    rate = tf.constant(0.3, dtype=dtype) if rate_is_tensor else 0.3
    out = tf.nn.experimental.stateless_dropout(tf.ones([10_000], dtype), rate=rate, seed=[3, 4])
    kept = out.numpy().astype(np.float64)
    kept = kept[kept != 0]
    assert kept.size > 0 and set(kept.tolist()) == {p.expected_output_ratio / p.p_keep}


def test_float16_tensor_rate_rounds_twice(tf):
    # x / (1 - rate) in float16: 1 - 0.300048828125 = 0.699951171875 rounds to 0.7001953125 first,
    # so ones come out as 1.427734375, not round(1 / 0.699951171875) = 1.4287109375
    p = probabilities("float16", 0.3, rate_is_tensor=True)
    assert p.expected_output_ratio / p.p_keep == 1.427734375
    assert probabilities("float16", 0.3).scale_in_dtype == 1.4287109375


# --- the sampler grid, checked against real TensorFlow draws ------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensorflow_draws_lie_on_the_grid(tf, dtype):
    draws = tf.random.stateless_uniform([1_000_000], seed=[11, 12], dtype=dtype).numpy()
    bits = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}[dtype]
    wide = draws.astype(np.float64)
    assert np.all(wide * 2.0**bits == np.floor(wide * 2.0**bits)) and wide.min() >= 0 and wide.max() < 1
    p = probabilities(dtype, 0.3, draws=draws)
    assert (p.grid_checked_on, p.off_grid) == (1_000_000, 0)
    if bits <= 10:  # 1M draws over at most 1024 values: every one appears (expected >= 976 each)
        assert np.unique(wide).size == 2**bits


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


def _kept_fraction(tf, dtype, n, chunk=2**24):
    """Fraction of n stateless uniform draws (fixed seeds) with draw >= rate, compared in dtype like TF."""
    rate = tf.constant(0.3, dtype=dtype)
    kept = 0
    for i in range(n // chunk):
        draws = tf.random.stateless_uniform([chunk], seed=[2024, i], dtype=dtype)
        kept += int(tf.math.count_nonzero(draws >= rate))
    return kept / n


@pytest.mark.parametrize(
    "dtype, n",
    # the gap to the naive 0.7 is 0.0046875 (bfloat16) and 0.00078125 (float16); n is chosen so the gap
    # is > 10 sigma, so the two 5-sigma bands do not overlap (200_000 draws would not separate either)
    [("bfloat16", 2**21), ("float16", 2**26)],
)
def test_empirical_keep_fraction_matches_exact_not_naive(tf, dtype, n):
    p = probabilities(dtype, 0.3)
    observed = _kept_fraction(tf, dtype, n, chunk=min(n, 2**24))
    low, high = band(p.p_keep, n)
    assert low <= observed <= high
    naive_low, naive_high = band(0.7, n)
    assert not naive_low <= observed <= naive_high
    assert high < naive_low  # the bands are disjoint, so the above is not luck


def test_keras_dropout_bfloat16_chain(tf):
    import keras

    p = probabilities("bfloat16", 0.3)
    out = keras.layers.Dropout(0.3, seed=1, dtype="bfloat16")(tf.ones([1000, 100], tf.bfloat16), training=True)
    assert out.dtype == tf.bfloat16
    values = np.asarray(out).astype(np.float64)
    assert set(values[values != 0].tolist()) == {p.scale_in_dtype} == {1.4296875}
    low, high = band(p.p_keep, values.size)
    assert low <= np.count_nonzero(values) / values.size <= high


# --- properties -------------------------------------------------------------------------------

rates = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


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
