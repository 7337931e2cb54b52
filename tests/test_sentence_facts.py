"""Issue 15's sentences: each fact a sentence rests on, derived here from plain TensorFlow/Keras or the
installed source, then compared with the tool's facts and the words chosen from them."""

import inspect

import numpy as np
import pytest

from dropout_trace import lessons

from pages import page

RATE, SEED = 0.3, 42


def kept(y) -> list:
    return (np.asarray(y) != 0).tolist()


def three_masks(tf, layer) -> list:
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    x = tf.reshape(tf.range(1, 13, dtype=tf.float32), (3, 4))
    return [kept(fn(x)) for _ in range(3)]


# -- explain seeds: tf-keras repeats its mask only on the stateless branch ---------------------------
def test_seeds_tf_keras_default_branch_is_measured_not_assumed(tf, capsys, monkeypatch):
    import tf_keras
    from tf_keras.src import backend

    # The branch a Dropout takes with no rng_type, read from the installed RandomGenerator.
    src = inspect.getsource(backend.RandomGenerator._set_rng_type)
    assert "is_tf_random_generator_enabled()" in src and "RNG_LEGACY_STATEFUL" in src
    default = tf_keras.layers.Dropout(RATE, seed=SEED)
    stateless = tf_keras.layers.Dropout(RATE, seed=SEED, rng_type="stateless")
    default_masks, stateless_masks = three_masks(tf, default), three_masks(tf, stateless)
    branch = default._random_generator._rng_type
    default_repeats = default_masks[0] == default_masks[1] == default_masks[2]
    assert stateless_masks[0] == stateless_masks[1] == stateless_masks[2]

    f = lessons.compute("seeds", lessons.Params(rate=RATE, seed=SEED)).facts
    run = f.constant["tf-keras"]
    assert run.masks_repeat is default_repeats is False  # legacy stateful here: the op's state moves on
    assert {"legacy": backend.RandomGenerator.RNG_LEGACY_STATEFUL}.get(run.rng, run.rng) == branch
    assert f.constant["tf-keras stateless"].masks_repeat is True

    text = page("seeds", capsys, monkeypatch)
    end = text.index("draws the same mask every batch")
    said_same = text[text.rindex("different", 0, end) + len("different"):end]  # after the table's last cell
    # The one sentence naming what repeats names the stateless branch, and never the default one.
    assert 'rng_type="stateless"' in said_same and "default rng" not in said_same
    assert "default rng (legacy): the masks differed between calls" in text


# -- versions: what _get_noise_shape does with tf.shape(x), eagerly and in a graph -----------------
def test_versions_says_what_get_noise_shape_returns_in_each_mode(tf, capsys):
    from tensorflow.python.ops import nn_ops

    from dropout_trace.cli import main
    from dropout_trace.narrate.versions import differences
    from dropout_trace.versions import report

    x = tf.ones((3, 4))
    eager_shape = tf.shape(x)
    eager = nn_ops._get_noise_shape(x, eager_shape)
    kept = []

    @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)])
    def graph(t):
        s = tf.shape(t)
        kept.append(nn_ops._get_noise_shape(t, s) is s)
        return s

    graph.get_concrete_function()
    assert isinstance(eager, tf.TensorShape) and eager.as_list() == [3, 4]  # eagerly: converted
    assert kept == [True]  # in the graph: the Shape tensor itself

    s = report().source
    assert (s.noise_kept_eager, s.noise_kept_graph, s.noise_eager_type) == (False, True, "TensorShape")
    said = next(d.installed for d in differences(report()) if d.topic == "where tf.shape(x) is taken")
    graph_part, eager_part = said.split("inside tf.function")
    assert "returns that tensor unchanged" in graph_part and "TensorShape" in eager_part
    assert main(["versions", "--width", "100"]) == 0
    assert "eagerly it converts it to a TensorShape" in " ".join(capsys.readouterr().out.split())
