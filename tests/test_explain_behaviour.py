"""explain training-flag, seeds, keras2-vs-keras3 and recurrent: each fact against plain TensorFlow/Keras run here."""

import functools
import json
import os
import random

import numpy as np
import pytest

from dropout_trace import lessons
from dropout_trace.cli import main

from pages import page
from dropout_trace.lessons.seeds import restored_seeds

RATE, SEED = 0.3, 42


@functools.cache  # each topic runs once per session; tests only read its facts
def facts(topic: str, rate: float = RATE):
    return lessons.compute(topic, lessons.Params(rate=rate, seed=SEED)).facts




def changed(y, x) -> bool:
    return bool(np.any(np.asarray(y) != np.asarray(x)))


def kept(y) -> list:
    return (np.asarray(y) != 0).tolist()


# -- training-flag ----------------------------------------------------------------------------
def test_training_flag_matches_keras_and_tf_keras(tf, keras, capsys, monkeypatch):
    import tf_keras

    f = facts("training-flag")
    x = np.ones((4, 8), "float32")
    layer = keras.layers.Dropout(RATE, seed=SEED)
    assert f.direct_default is changed(layer(x), x) is False
    assert f.direct_training is changed(layer(x, training=True), x) is True

    got = []

    class Spy(keras.layers.Layer):
        def call(self, inputs, training=None):
            got.append(training)
            return inputs

    inp = keras.Input((8,))
    model = keras.Model(inp, keras.layers.Dense(1)(Spy()(inp)))
    model.compile(optimizer="sgd", loss="mse")
    got.clear()
    model.predict(x, verbose=0)
    assert f.flags["model.predict"] == sorted(set(got)) == [False]
    got.clear()
    model.fit(x, np.zeros((4, 1)), batch_size=4, verbose=0)
    assert f.flags["model.fit"] == sorted(set(got)) == [True]

    for lib, recipe in ((keras, f.keras), (tf_keras, f.tf_keras)):
        inp = lib.Input((8,))
        mc = lib.Model(inp, lib.layers.Dropout(RATE, seed=SEED)(inp, training=True))
        assert recipe.predict == changed(mc.predict(x, verbose=0), x), lib.__name__
        assert recipe.call_training == changed(mc(x, training=True), x) is True
    assert f.keras.predict is False and f.tf_keras.predict is True  # DESIGN.md, measured here

    text = page("training-flag", capsys, monkeypatch)
    assert f"Keras {keras.__version__}: predict() passes training=False" in text
    assert f"tf-keras {tf_keras.__version__} (Keras 2) keeps" in text
    assert "What keeps dropout on: model(x, training=True)." in text


def test_training_flag_words_follow_the_measurement():
    from dropout_trace.lessons.training_flag import Recipe, TrainingFlag
    from dropout_trace.narrate.training_flag import page as words

    flags = {"model(x)": [None], "model.fit": [True], "model.evaluate": [False], "model.predict": [True]}
    f = TrainingFlag(rate=0.3, direct_default=False, direct_training=True, flags=flags,
                     keras=Recipe(predict=True, call=True, call_training=True), keras_version="9",
                     tf_keras=None, tf_keras_error="ModuleNotFoundError: no")
    said = " ".join(b.text for b in words(f, lessons.Params()) if hasattr(b, "text"))
    assert "Keras 9: predict() kept dropout on" in said and "passes training=False" not in said
    assert "tf-keras could not be imported" in said


# -- seeds ------------------------------------------------------------------------------------
def test_seeds_counter_and_constant_seed(tf, keras, capsys, monkeypatch):
    f = facts("seeds")
    layer = keras.layers.Dropout(RATE, seed=SEED)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    x = tf.reshape(tf.range(1, 13, dtype=tf.float32), (3, 4))
    states, masks = [], []
    for _ in range(3):
        states.append(layer.seed_generator.state.numpy().tolist())
        masks.append(kept(fn(x)))
    lay = f.layer
    assert [c.state_before for c in lay.calls] == states == [[SEED, 0], [SEED, 1], [SEED, 2]]
    assert lay.masks == masks and lay.trace_count == 1
    assert lay.masks_repeat is (masks[0] == masks[1] == masks[2]) is False

    constant = [kept(keras.random.dropout(x, RATE, seed=SEED)) for _ in range(3)]
    assert f.constant["keras.random.dropout"].masks == constant
    assert f.constant["keras.random.dropout"].masks_repeat is True
    assert f.constant["tf-keras stateless"].masks_repeat is True

    text = page("seeds", capsys, monkeypatch)
    assert "[42, 1]" in text and "[42, 2]" in text and "[42, 0] each call" in text


def test_seeds_global_seeds_and_shared_seed(tf, keras):
    f = facts("seeds")
    x = np.ones((4, 32), "float32")

    def fresh(setter):
        setter(SEED)
        d = keras.layers.Dropout(RATE)
        return d.seed_generator.state.numpy().tolist(), kept(d(x, training=True))

    with restored_seeds(tf, keras):
        (ka, km), (kb, kmb) = fresh(keras.utils.set_random_seed), fresh(keras.utils.set_random_seed)
        random.seed()
        (ta, tm), (tb, tmb) = fresh(tf.random.set_seed), fresh(tf.random.set_seed)
    u = f.unseeded
    assert u["keras.utils.set_random_seed"].starts == [ka, kb] and ka == kb and km == kmb
    assert u["keras.utils.set_random_seed"].same_mask is True
    assert u["tf.random.set_seed"].same_mask is (tm == tmb) is False and ta != tb
    assert u["random.seed"].starts == [ka, kb]

    a, b = (keras.layers.Dropout(RATE, seed=SEED)(x, training=True) for _ in range(2))
    assert f.same_seed.same_mask is (kept(a) == kept(b)) is True


def test_seeds_leave_no_global_seed_behind(tf, keras):
    from tensorflow.python.eager import context

    before = context.global_seed()
    lessons.compute("seeds", lessons.Params(rate=RATE, seed=SEED))  # not the cached facts: run it again
    assert context.global_seed() == before


# -- keras2-vs-keras3 -------------------------------------------------------------------------
def test_keras2_vs_keras3_page(tf, keras, capsys, monkeypatch, tmp_path):
    import tf_keras

    from test_json_schema import check_document

    k3 = keras.layers.Dropout(0.5)
    k2 = tf_keras.layers.Dropout(0.5)
    assert hasattr(k3, "seed_generator") and hasattr(k2, "_random_generator")
    exported = tmp_path / "keras2-vs-keras3.json"  # its JSON from the same run, checked as every command's is
    text = page("keras2-vs-keras3", capsys, monkeypatch, export=exported)  # one run: it spawns one interpreter per environment
    data = json.loads(exported.read_text())
    check_document("explain", data)
    assert data["topic"] == "keras2-vs-keras3"
    assert f"keras keras {keras.__version__} seed_generator" in text
    assert f"tf_keras tf_keras {tf_keras.__version__} _random_generator" in text
    assert f"TF_USE_LEGACY_KERAS=1 tf_keras {tf_keras.__version__} _random_generator" in text
    if os.environ.get("TF_USE_LEGACY_KERAS") is None:  # this process sees the default tf.keras
        assert tf.keras.layers.Dropout is keras.layers.Dropout
        assert f"tf.keras keras {keras.__version__} seed_generator" in text
    assert f"Keras 3 {type(k3).__module__}.Dropout calls keras.src.backend.tensorflow.random.dropout" in text
    assert f"Keras 2 {type(k2).__module__}.Dropout calls tf_keras.src.backend.RandomGenerator.dropout" in text


def test_keras2_vs_keras3_at_rate_zero_returns_early(tf, keras, capsys, monkeypatch):
    """The children get --rate and --seed; at rate 0 each Dropout.call returns where the source says."""
    import inspect

    import tf_keras

    from dropout_trace.lessons.keras2_vs_keras3 import CHILD

    assert "K.layers.Dropout(0.25, seed=-7)" in CHILD.format(reach="", rate=0.25, seed=-7)
    x = tf.ones([2, 3])
    line = {}
    for major, layer, source in ((3, keras.layers.Dropout(0.0, seed=SEED), "return inputs"),
                                 (2, tf_keras.layers.Dropout(0.0, seed=SEED), "return tf.identity(inputs)")):
        y = layer(x, training=True)
        assert np.array_equal(np.asarray(y), x.numpy())
        lines, start = inspect.getsourcelines(type(layer).call)
        line[major] = next(start + i for i, t in enumerate(lines) if t.strip() == source)
    text = page("keras2-vs-keras3", capsys, monkeypatch, rate=0.0)  # its interpreters, at rate 0
    assert f"Dropout(0, seed={SEED}) built" in text
    assert f"dropout.py:{line[3]}, `return inputs`, the very object it was given" in text
    assert f"dropout.py:{line[2]}, `return tf.identity(inputs)`, a new tensor with the input's values" in text
    assert "calls its dropout" not in text and "hands it as seed=" not in text


# -- recurrent --------------------------------------------------------------------------------
def test_recurrent_masks_are_reused_per_call(tf, keras, capsys, monkeypatch):
    f = facts("recurrent")
    x = np.ones((2, 5, 4), "float32")
    runs = {(r.layer, r.recurrent_dropout > 0): r for r in f.runs}
    counters = {}
    for kind, per_read in (("LSTM", 4), ("GRU", 3)):
        layer = getattr(keras.layers, kind)(3, dropout=RATE, recurrent_dropout=RATE, seed=SEED)
        layer(x, training=True)
        moved = counters[kind] = layer.cell.seed_generator.state.numpy().tolist()
        layer(x, training=False)
        moved_off = layer.cell.seed_generator.state.numpy()[1] - moved[1]
        run = runs[(kind, True)]
        assert run.counter == [[SEED, 0], moved] and moved[1] == 2 * per_read
        assert run.inference_counter[1][1] - run.inference_counter[0][1] == moved_off
        for m in (run.masks.input, run.masks.recurrent):
            assert m.per_read == per_read and m.same_every_step

    cell = keras.layers.LSTMCell(3, dropout=RATE, seed=SEED)
    first = cell.get_dropout_mask(x[:, 0, :])
    assert np.array_equal(first, cell.get_dropout_mask(x[:, 3, :]))  # another step: the cached mask
    assert sorted(np.unique(first).tolist()) == pytest.approx(runs[("LSTM", False)].masks.input.values)
    cell.reset_dropout_mask()
    assert not np.array_equal(first, cell.get_dropout_mask(x[:, 0, :]))  # reset: a new draw

    text = page("recurrent", capsys, monkeypatch)
    assert f"[42, 0] -> [42, {counters['LSTM'][1]}]" in text and "Every step read the very same masks" in text
    assert "dropout_rnn_cell.py:" in text


def test_recurrent_at_rate_zero_draws_nothing(tf, keras, capsys, monkeypatch):
    layer = keras.layers.LSTM(3, dropout=0.0, seed=SEED)
    layer(np.ones((2, 5, 4), "float32"), training=True)
    assert layer.cell.seed_generator.state.numpy().tolist() == [SEED, 0]
    assert "drew no dropout mask" in page("recurrent", capsys, monkeypatch, rate=0.0)


def test_keras2_vs_keras3_shows_a_failed_import():
    from dropout_trace.lessons.keras2_vs_keras3 import Keras2VsKeras3, Returned, Way, WayFailed
    from dropout_trace.narrate.keras2_vs_keras3 import page as words
    from dropout_trace.page import Table

    dropout = "keras.src.backend.tensorflow.random.dropout"
    k3 = Way(code="import keras as K", legacy_env=None, python=1,
             cls="keras.src.layers.regularization.dropout.Dropout", package="keras", version="3.1",
             seed_generator=True, random_generator=False, callees=[dropout], seed_args={dropout: "SeedGenerator"},
             rng_type=None, returned=Returned(), output_equals_input=False,
             kept=4, elements=6, major=3, calls_into=[dropout])
    failed = WayFailed(code="import tf_keras as K", legacy_env=None, python=1,
                       error="ModuleNotFoundError: No module named 'tf_keras'")
    ways = {"keras": k3, "tf.keras": k3, "tf_keras": failed, "tf.keras, TF_USE_LEGACY_KERAS=1": failed}
    blocks = words(Keras2VsKeras3(rate=0.3, seed=42, ways=ways), lessons.Params())
    table = next(b for b in blocks if isinstance(b, Table))
    assert ("tf_keras", "failed", "-", "-") in table.rows
    said = " ".join(b.text for b in blocks if hasattr(b, "text"))
    assert "tf_keras failed: ModuleNotFoundError" in said and "Keras 2" not in said
