"""explain noise-shape, scaling, v1-vs-v2 and nan: each fact against plain TensorFlow/Keras run here."""

import functools
import inspect
import linecache
import math

import numpy as np
import pytest

from dropout_trace import lessons
from dropout_trace.cli import main

from pages import page

RATE, SEED = 0.3, 42


@functools.cache  # two tests read noise-shape's facts: compute them once
def facts(topic: str, rate: float = RATE):
    return lessons.compute(topic, lessons.Params(rate=rate, seed=SEED)).facts




def kept(y) -> list:
    return (np.asarray(y) != 0).tolist()


# -- noise-shape ------------------------------------------------------------------------------
def test_noise_shape_masks_are_keras_masks(tf, keras, capsys, monkeypatch):
    f = facts("noise-shape")
    ones = tf.ones([3, 4])
    for key, noise in (("element", None), ("feature", (1, 4)), ("sample", (None, 1))):
        y = keras.layers.Dropout(RATE, noise_shape=noise, seed=SEED)(ones, training=True)
        assert getattr(f, key).mask == kept(y), key  # a fresh layer with the same seed draws the same mask
    assert f.element.draws == 12 and f.feature.draws == 4 and f.sample.draws == 3
    assert 0 in f.feature.constant_axes and 1 in f.sample.constant_axes

    y = keras.layers.SpatialDropout1D(RATE, seed=SEED)(tf.ones([3, 3, 4]), training=True)
    assert f.spatial.mask == kept(y)
    assert (np.asarray(y) == np.asarray(y)[:, :1, :]).all()  # whole channels: every timestep alike
    assert f.spatial.noise_runtime == [3, 1, 4] and f.spatial.draws == 12

    text = page("noise-shape", capsys, monkeypatch)
    assert "12 draws for 36 elements" in text and "[3, 1, 4]" in text


def test_noise_shape_none_raises_in_tf_nn_but_not_in_keras(tf, keras, capsys, monkeypatch):
    f = facts("noise-shape")
    spec = [tf.TensorSpec([None, 4], tf.float32)]
    fn = tf.function(lambda x: tf.nn.dropout(x, RATE, noise_shape=[None, 1], seed=SEED), input_signature=spec)
    with pytest.raises(ValueError) as raised:
        fn.get_concrete_function()
    assert f.tf_nn_graph.refusal.type == "ValueError"
    message = str(raised.value).strip().splitlines()[-1].split("ValueError: ")[-1]  # tf.function wraps it
    assert f.tf_nn_graph.refusal.message == message
    assert f.tf_nn_graph.sampler_got_unknown_size

    layer = keras.layers.Dropout(RATE, noise_shape=(None, 1), seed=SEED)
    y = tf.function(lambda x: layer(x, training=True), input_signature=spec)(tf.ones([3, 4])).numpy()
    assert (y == y[:, :1]).all()  # one draw per row, batch filled at run time
    assert f.sample.refusal is None and f.sample.noise_runtime == [3, 1]
    assert f.sample.none_filled_by  # a graph tensor stood where the None was

    text = page("noise-shape", capsys, monkeypatch)
    assert message in text and "Keras accepts it" in text


def test_noise_shape_rate_zero_draws_nothing(capsys, monkeypatch):
    f = facts("noise-shape", 0.0)
    assert f.element.mask is None and f.tf_nn_graph.refusal is None
    assert "nothing is drawn" in page("noise-shape", capsys, monkeypatch, "0")


# -- scaling ----------------------------------------------------------------------------------
def test_scaling_scale_and_expectation(tf, keras, capsys, monkeypatch):
    f = facts("scaling")
    y = tf.nn.experimental.stateless_dropout(tf.ones([64]), RATE, seed=[1, 2]).numpy()
    scale = np.unique(y[y != 0])
    assert scale.tolist() == [f.scale_value] == [float(np.float32(1 / (1 - RATE)))]
    assert f.scale_text == str(scale[0]) == "1.4285715" and f.bit_exact

    x = tf.ones([f.n])
    layer = keras.layers.Dropout(RATE, seed=SEED)
    train = layer(x, training=True).numpy().astype(np.float64)
    assert f.inverted_train.mean == pytest.approx(train.mean(), abs=1e-12)
    se = train.std(ddof=1) / math.sqrt(train.size)
    assert abs(train.mean() - 1) < 4 * se
    unscaled = (train != 0).astype(np.float64)  # the paper's training output on the same mask
    assert f.paper_train.mean == pytest.approx(unscaled.mean(), abs=1e-12)
    assert abs(unscaled.mean() - float(np.float32(1 - RATE))) < 4 * unscaled.std(ddof=1) / math.sqrt(unscaled.size)
    assert f.inference_identity == bool(np.array_equal(layer(x, training=False).numpy(), x.numpy())) is True

    text = page("scaling", capsys, monkeypatch)
    assert "1.4285715" in text and f"{train.mean():.5f}" in text and f"{unscaled.mean():.5f}" in text
    assert "training=False returns x" in text


def test_scaling_rate_zero_has_no_scale(tf, keras, capsys, monkeypatch):
    """At rate 0 the installed _dropout never runs: Dropout.call returns its input first."""
    import sys

    from tensorflow.python.ops import nn_ops

    ran = []
    target = nn_ops._dropout.__code__

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is target:
            ran.append(frame.f_code.co_name)

    layer = keras.layers.Dropout(0.0, seed=SEED)
    sys.setprofile(profile)
    try:
        y = layer(tf.ones([3, 4]), training=True)
    finally:
        sys.setprofile(None)
    assert ran == [] and np.array_equal(np.asarray(y), np.ones([3, 4]))
    lines, start = inspect.getsourcelines(type(layer).call)
    line = next(start + i for i, t in enumerate(lines) if t.strip() == "return inputs")

    f = facts("scaling", 0.0)
    assert f.scale_text is None and (f.inverted_train.mean, f.inverted_train.se) == (1.0, 0.0)
    assert not f.dropped and not f.dropout_ran and f.stopped.line == line
    text = page("scaling", capsys, monkeypatch, "0")
    assert f"_dropout never ran: Dropout.call returned at keras/src/layers/regularization/dropout.py:{line}" in text
    assert "before it computes a scale" not in text and "same mask" not in text


# -- v1-vs-v2 ---------------------------------------------------------------------------------
def test_v1_keep_prob_and_v2_rate_give_the_same_bits(tf, capsys, monkeypatch):
    f = facts("v1-vs-v2")
    assert f.rate_from_keep_prob == 1 - 0.7 == 0.30000000000000004 != RATE
    assert f.v1.rate == 1 - 0.7 and f.v2.rate == RATE
    assert f.v1.rate_in_dtype == f.v2.rate_in_dtype == float(np.float32(RATE))

    x = tf.range(1, f.n + 1, dtype=tf.float32)
    tf.random.set_seed(SEED)
    a = tf.compat.v1.nn.dropout(x, keep_prob=0.7, seed=SEED).numpy()
    tf.random.set_seed(SEED)
    b = tf.nn.dropout(x, rate=RATE, seed=SEED).numpy()
    same = bool(np.array_equal(a.view(np.uint32), b.view(np.uint32)))
    assert f.bit_identical == same and f.kept == int((b != 0).sum())

    text = page("v1-vs-v2", capsys, monkeypatch)
    assert "0.30000000000000004" in text and f"{int((b != 0).sum()):,}" in text
    assert f.keep_prob_text == "0.7" and not f.keep_prob_exact and "No float keep_prob gives back" in text
    assert ("identical bit for bit" in text) == same


def test_v1_keep_prob_is_the_shortest_that_gives_the_rate(tf, capsys, monkeypatch):
    """At rate 0.95, 1 - 0.95 prints as 0.050000000000000044, but keep_prob=0.05 gives 0.95 back exactly."""
    assert 1 - 0.05 == 0.95 and repr(1 - 0.95) == "0.050000000000000044"
    f = facts("v1-vs-v2", 0.95)
    assert f.keep_prob_text == "0.05" and f.keep_prob == 0.05 and f.keep_prob_exact
    assert f.rate_from_keep_prob == 0.95 == f.v1.rate
    x = tf.range(1, f.n + 1, dtype=tf.float32)
    tf.random.set_seed(SEED)
    a = tf.compat.v1.nn.dropout(x, keep_prob=0.05, seed=SEED).numpy()
    tf.random.set_seed(SEED)
    b = tf.nn.dropout(x, rate=0.95, seed=SEED).numpy()
    assert f.bit_identical == bool(np.array_equal(a.view(np.uint32), b.view(np.uint32)))
    assert f.kept == int((b != 0).sum())
    text = page("v1-vs-v2", capsys, monkeypatch, "0.95")  # every line, the Try included, within 80 columns
    assert "tf.compat.v1.nn.dropout(x, keep_prob=0.05)" in text and "Here 1 - 0.05 is exactly 0.95" in text
    assert "--keep-prob 0.05 --shape" in text and "keep_prob=0.050000000000000044" not in text
    assert f"{f.kept:,}" in text


# -- nan --------------------------------------------------------------------------------------
def test_nan_dropped_is_zero_kept_is_nan(tf, keras, capsys, monkeypatch):
    from tensorflow.python.ops import nn_ops

    f = facts("nan")
    src = f.source
    assert src.uses_select == ("where_v2(" in inspect.getsource(nn_ops._dropout))
    for n, text in src.mask_lines:
        assert linecache.getline(inspect.getsourcefile(nn_ops._dropout), n).strip() == text

    values = np.tile(np.array([np.nan, np.inf, -np.inf, 1.0], np.float32), 64)
    y = tf.nn.experimental.stateless_dropout(tf.constant(values), RATE, seed=[SEED, 7]).numpy()
    mask = tf.nn.experimental.stateless_dropout(tf.ones_like(values), RATE, seed=[SEED, 7]).numpy() != 0
    nan = np.isnan(values)
    assert (y[nan & ~mask] == 0).all() and np.isnan(y[nan & mask]).all()
    assert (y[np.isinf(values) & ~mask] == 0).all()
    with np.errstate(invalid="ignore"):
        assert np.isnan((values * mask.astype(np.float32))[nan & ~mask]).all()  # NaN*0 = NaN

    out = keras.layers.Dropout(RATE, seed=SEED)(tf.constant(values), training=True).numpy()
    drop = keras.layers.Dropout(RATE, seed=SEED)(tf.ones_like(values), training=True).numpy() == 0
    rows = {r.input: r for r in f.rows}
    assert rows["nan"].dropped == int((nan & drop).sum()) and rows["nan"].dropped_out == "0.0"
    assert rows["nan"].kept_out == "nan" and rows["inf"].dropped_multiply == "nan"
    assert f.matches_select and not f.matches_multiply
    assert np.isnan(out[nan & ~drop]).all() and (out[drop] == 0).all()

    text = page("nan", capsys, monkeypatch)
    assert "where_v2(keep_mask" in text and f"0.0 ({int((nan & drop).sum())})" in text
    assert "A dropped NaN came out 0 and a kept NaN stayed NaN" in text


def test_nan_at_rate_zero_has_no_mask_and_no_scale(tf, keras, capsys, monkeypatch):
    """Keras returns its input at rate 0: NaN and Inf pass through, and the page claims no mask or scale."""
    values = np.tile(np.array([np.nan, np.inf, -np.inf, 1.0], np.float32), 64)
    layer = keras.layers.Dropout(0.0, seed=SEED)
    out = layer(tf.constant(values), training=True).numpy()
    assert np.array_equal(out, values, equal_nan=True) and not hasattr(layer, "seed_generator")
    lines, start = inspect.getsourcelines(type(layer).call)
    line = next(start + i for i, t in enumerate(lines) if t.strip() == "return inputs")

    f = facts("nan", 0.0)
    assert not f.dropped and f.unchanged and f.stopped.line == line
    assert all(r.dropped == 0 and r.kept == 64 for r in f.rows)
    text = page("nan", capsys, monkeypatch, "0")
    assert f"nothing was drawn: Dropout.call returned at keras/src/layers/regularization/dropout.py:{line}" in text
    assert "There is no mask and no scale" in text and "nan (64)" in text
    assert "the scale 1.0" not in text and "multiply column" not in text and "gives the mask" not in text
