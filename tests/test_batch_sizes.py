"""--batch 3,5 with the real TensorFlow: one trace, one call per size, and each call's mask checked here against
plain Keras/TF, built with the same seed and called the same way (one tf.function with a None batch, or eagerly),
on each size in turn, so each call meets the state the program's call met. Nothing is compared with the
program's own replay; its JSON is only read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jsonschema import Draft202012Validator

from inproc import run
from schema_checks import schema

BASE = ["run", "--rate", "0.3", "--shape", "None,4"]


def ran_json(*extra: str) -> dict:
    result = run(*BASE, *extra, "--format", "json")
    assert result.status == 0, result.err
    doc = json.loads(result.out)
    assert not list(Draft202012Validator(schema("run")).iter_errors(doc))
    return doc


def masks_of(doc: dict) -> list[np.ndarray]:
    """Each call's keep mask as the program wrote it, broadcast to that call's run-time shape."""
    out = []
    for c in doc["calls"]:
        t = doc["tensors"][c["keep_mask"]]
        out.append(np.broadcast_to(np.asarray(t["values"], dtype=bool).reshape(t["shape"]), c["run_shape"]))
    return out


def plain(tf, build, sizes: list[int], eager: bool, features: int = 4) -> tuple[list[np.ndarray], int]:
    """(each call's kept-or-not, how often Python traced), from `build()`'s call on range inputs of each size."""
    call = build()
    traced = [0]

    def counted(x):
        traced[0] += 1
        return call(x)

    fn = counted if eager else tf.function(counted, input_signature=[tf.TensorSpec((None, features))],
                                           autograph=False)
    outs = []
    for b in sizes:
        x = tf.constant(np.arange(1, b * features + 1, dtype=np.float32).reshape(b, features))
        outs.append(fn(x).numpy() != 0)  # range inputs have no zeros: nonzero is exactly kept
    return outs, (0 if eager else traced[0])


def keras_layer(keras, **kw):
    def build():
        layer = keras.layers.Dropout(0.3, seed=42, **kw)
        return lambda x: layer(x, training=True)
    return build


def test_one_trace_two_calls_each_mask_as_plain_keras(tf, keras):
    """The issue's check: --rate 0.3 --shape None,4 --batch 3,5 --format json."""
    doc = ran_json("--batch", "3,5")
    assert doc["trace_count"] == 1 and doc["batches"] == [3, 5]
    assert [c["run_shape"] for c in doc["calls"]] == [[3, 4], [5, 4]]
    assert [c["draws"] for c in doc["calls"]] == [12, 20]
    expected, traced = plain(tf, keras_layer(keras), [3, 5], eager=False)
    assert traced == doc["trace_count"] == 1  # the same tf.function did not trace for the second size
    for i, (mine, theirs) in enumerate(zip(masks_of(doc), expected)):
        assert np.array_equal(mine, theirs), f"call {i + 1}"
        assert doc["calls"][i]["kept"] == int(theirs.sum())
    assert all(c["check"] == {"mask_matches": True, "bit_exact": True, "fresh_equal": True} for c in doc["calls"])
    assert doc["check"]["passed"]


def test_eagerly_each_size_is_one_call_and_nothing_is_traced(tf, keras):
    doc = ran_json("--batch", "3,5", "--eager")
    assert doc["trace_count"] == 0 and [c["run_shape"] for c in doc["calls"]] == [[3, 4], [5, 4]]
    expected, _ = plain(tf, keras_layer(keras), [3, 5], eager=True)
    assert all(np.array_equal(a, b) for a, b in zip(masks_of(doc), expected))
    text = run(*BASE, "--batch", "3,5", "--eager").out
    assert "no trace to share" in " ".join(text.split())


def test_a_noise_shape_draws_one_per_row_of_each_size(tf, keras):
    doc = ran_json("--batch", "3,5", "--noise-shape", "None,1")
    assert [c["noise_shape"] for c in doc["calls"]] == [[3, 1], [5, 1]]
    assert [c["draws"] for c in doc["calls"]] == [3, 5]
    expected, traced = plain(tf, keras_layer(keras, noise_shape=(None, 1)), [3, 5], eager=False)
    assert traced == doc["trace_count"]
    assert all(np.array_equal(a, b) for a, b in zip(masks_of(doc), expected))
    words = " ".join(run(*BASE, "--batch", "3,5", "--noise-shape", "None,1").out.split())
    assert "drew 3, then 5 uniforms" in words


def test_calls_play_the_list_in_order_every_call_counted(tf, keras):
    doc = ran_json("--batch", "3,5", "--calls", "2")
    assert [c["run_shape"][0] for c in doc["calls"]] == [3, 5, 3, 5]
    expected, traced = plain(tf, keras_layer(keras), [3, 5, 3, 5], eager=False)
    assert traced == doc["trace_count"] == 1
    states = [c["seed_state_before"] for c in doc["calls"]]
    assert states == [[42, 0], [42, 1], [42, 2], [42, 3]]  # the SeedGenerator moves on with each call
    assert all(np.array_equal(a, b) for a, b in zip(masks_of(doc), expected))


@pytest.mark.parametrize("api, build_name", [("tf-keras", "tf_keras_legacy"), ("tf.nn.dropout", "tf_nn")])
@pytest.mark.parametrize("eager", [False, True])
def test_stateful_apis_each_call_as_the_public_api(tf, api, build_name, eager):
    """The stateful ops: one op seed traced once moves on in the graph; eagerly tf-keras's legacy branch takes a
    new op seed per call. Either way the masks are the public API's, called in the same order."""
    def tf_keras_legacy():
        import tf_keras

        layer = tf_keras.layers.Dropout(0.3, seed=42)
        tf.random.set_seed(42)
        return lambda x: layer(x, training=True)

    def tf_nn():
        tf.random.set_seed(42)
        return lambda x: tf.nn.dropout(x, rate=0.3, seed=42)

    doc = ran_json("--batch", "3,5", "--api", api, *(["--eager"] if eager else []))
    expected, traced = plain(tf, {"tf_keras_legacy": tf_keras_legacy, "tf_nn": tf_nn}[build_name], [3, 5], eager)
    assert doc["trace_count"] == traced
    assert [c["run_shape"] for c in doc["calls"]] == [[3, 4], [5, 4]]
    assert all(np.array_equal(a, b) for a, b in zip(masks_of(doc), expected))


def test_an_unseeded_stateful_op_says_its_calls_are_not_replayed():
    doc = ran_json("--batch", "3,5", "--api", "tf.nn.dropout", "--seed", "none")
    assert [c["check"]["fresh_equal"] for c in doc["calls"]] == [None, None]
    text = " ".join(run(*BASE, "--batch", "3,5", "--api", "tf.nn.dropout", "--seed", "none").out.split())
    assert "not replayed" in text and "check passed" in text


def test_the_text_view_at_80_columns(tf, keras):
    result = run(*BASE, "--batch", "3,5", columns=80)
    assert result.status == 0 and max(len(line) for line in result.out.splitlines()) <= 80
    words = " ".join(result.out.split())
    _, traced = plain(tf, keras_layer(keras), [3, 5], eager=False)
    assert traced == 1
    assert "Python saw x as (None, 4) once, while tracing" in words
    assert "(3, 4), then (5, 4)" in words and "12, then 20 uniforms" in words
    assert "Batches one tf.function, traced once, called on each size" in words
    brief = run(*BASE, "--batch", "3,5", "--brief", columns=80)
    assert len(brief.out.splitlines()) <= 40 and "drew 12, then 20 uniforms" in " ".join(brief.out.split())
