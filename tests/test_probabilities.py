"""Exact dropout probabilities per dtype, checked against independent arithmetic and the real TensorFlow."""

import math
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
from hypothesis import strategies as st

from dropout_trace.probabilities import probabilities

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


def test_module_is_pure_numpy():
    # a fresh interpreter: this session has long since imported TensorFlow for other tests
    code = "import sys, dropout_trace.probabilities as p; p.probabilities('float16', 0.3); " \
        "print(sorted(m for m in ('tensorflow', 'keras', 'ml_dtypes') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- casts agree with numpy / ml_dtypes and with TensorFlow ------------------------------------

RATES = [0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1 / 3, 0.123456789, 0.999]


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


