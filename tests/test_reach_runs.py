"""Sentences of `run`, `stats` and `graph` that the recorded runs and the fact matrix's JSON do not print: each is
printed here by a real run, and the fact it rests on is found independently, by plain TensorFlow/Keras or the
installed source (never by the tool's own words)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from dropout_trace.errors import ExitStatus

from inproc import run

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
BIG = 2**40


def words(*argv: str) -> str:
    ran = run(*argv, columns=200)
    assert ran.status == ExitStatus.OK, ran.err
    return " ".join(ran.out.split())


def graph_ops(tf, fn, *specs) -> set[str]:
    return {op.type for op in tf.function(fn, input_signature=list(specs), autograph=False)
            .get_concrete_function().graph.get_operations()}


def test_rate_zero_returns_x_before_any_draw(tf):
    ops = graph_ops(tf, lambda x: tf.nn.dropout(x, 0.0, seed=42), tf.TensorSpec([None, 4]))
    assert not ops & {"RandomUniform", "StatelessRandomUniformV2"}  # the library: no random op at rate 0
    full = words("run", "--api", "tf.nn.dropout", "--rate", "0", "--shape", "None,4")
    assert "rate is the Python number 0: _dropout returns x at once, before any draw." in full
    brief = words("run", "--api", "tf.nn.dropout", "--rate", "0", "--shape", "None,4", "--brief")
    assert "rate 0: _dropout returns x before any draw" in brief and "rate 0: only get_seed ran; no random op" in brief


def test_unseeded_keras_random_dropout_uses_the_global_seed_generator(tf, keras):
    from keras.src.random import seed_generator

    draw = inspect.getsource(seed_generator.draw_seed)
    assert "global_seed_generator().next(ordered=False)" in draw
    assert "(seed_state + 1) * 5387 % 933199" in inspect.getsource(seed_generator.SeedGenerator.next)
    full = words("run", "--api", "keras.random.dropout", "--rate", "0.3", "--shape", "None,4", "--seed", "none")
    assert ("No seed: Keras uses its global SeedGenerator, seeded at random, and SeedGenerator.next(ordered=False) "
            "scrambles its state on every call: (state + 1) * 5387 % 933199.") in full
    brief = words("run", "--api", "keras.random.dropout", "--rate", "0.3", "--shape", "None,4", "--seed", "none",
                  "--brief")
    assert "no seed: Keras's global SeedGenerator gave [" in brief


def test_a_seed_beyond_int32_is_truncated_by_get_seed_and_cast_by_keras(tf, keras):
    from keras.src.backend.tensorflow.random import _cast_seed
    from tensorflow.python.framework import random_seed

    truncated = random_seed._truncate_seed(BIG)  # the library's own arithmetic
    full = words("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--seed", str(BIG))
    assert f"get_seed truncates every seed to seed % (2**31 - 1): the op seed given became {truncated}." in full
    brief = words("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--seed", str(BIG), "--brief")
    assert f"get_seed truncated the op seed to {truncated}" in brief
    cast = int(_cast_seed(tf.constant([BIG, 0], tf.int64)).numpy()[0])
    keras_brief = words("run", "--api", "keras", "--rate", "0.3", "--shape", "None,4", "--seed", str(BIG), "--brief")
    assert f"_cast_seed: {BIG} became {cast}" in keras_brief


def test_an_unseeded_op_seeds_itself(tf):
    from tensorflow.python.framework import random_seed

    with tf.Graph().as_default():  # no global seed in a fresh graph: get_seed gives (None, None)
        assert random_seed.get_seed(None) == (None, None)
    brief = words("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--seed", "none", "--brief")
    assert "no seed: the op seeds itself at random" in brief


def test_v1_turns_a_keep_prob_tensor_into_rate_with_a_tensor_op(tf):
    ops = graph_ops(tf, lambda x, k: tf.compat.v1.nn.dropout(x, keep_prob=k), tf.TensorSpec([None, 4]),
                    tf.TensorSpec([]))
    assert "Sub" in ops  # rate = 1 - keep_prob, computed in the graph
    full = words("run", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0.7", "--shape", "None,4", "--rate-tensor")
    assert "the v1 function turns it into rate = 1 - keep_prob, here a tensor op in the tensor's dtype" in full


def test_training_false_returns_the_input_and_draws_nothing(tf, keras):
    layer = keras.layers.Dropout(0.3, seed=42)
    assert np.array_equal(layer(tf.constant(X), training=False).numpy(), X)
    ops = graph_ops(tf, lambda x: layer(x, training=False), tf.TensorSpec([None, 4]))
    assert not any("Random" in t for t in ops)
    brief = words("run", "--rate", "0.3", "--shape", "None,4", "--no-training", "--brief")
    assert "training=False: returns its input, draws nothing" in brief


def test_a_stateful_op_moves_on_every_call(tf):
    tf.random.set_seed(42)
    fn = tf.function(lambda x: tf.nn.dropout(x, 0.3, seed=42), input_signature=[tf.TensorSpec([None, 64])])
    masks = [(fn(tf.ones([3, 64])).numpy() != 0).tolist() for _ in range(3)]
    assert masks[0] != masks[1] != masks[2]  # one op seed pair, three different masks: its stream moved
    full = words("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--calls", "3")
    assert "the stateful op keeps its own position in the random stream and moves it on every call" in full


def test_a_noise_shape_of_known_sizes_is_known_while_tracing(tf):
    from tensorflow.python.ops import nn_ops

    seen = {}

    def call(x):
        seen["noise"] = nn_ops._get_noise_shape(x, [3, 1])
        return x

    tf.function(call, input_signature=[tf.TensorSpec([3, 4])]).get_concrete_function()
    assert isinstance(seen["noise"], tf.TensorShape) and seen["noise"].as_list() == [3, 1]
    brief = words("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "3,4", "--noise-shape", "3,1", "--brief")
    assert "The noise shape was the list [3, 1], known while tracing" in brief


def test_stats_with_every_axis_shared_says_no_option_adds_a_draw(tf, keras):
    out = keras.layers.Dropout(0.3, noise_shape=(1, 1), seed=7)(tf.ones([5, 4]), training=True).numpy()
    assert len(np.unique(out)) == 1  # one draw serves every element
    text = words("stats", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "1,1", "--trials", "20")
    assert "every axis shares one draw, so no larger --shape or --batch adds one" in text


@pytest.mark.parametrize("shape,unknown", [("2,None", [1]), ("None,4", [0])])
def test_graph_names_the_axes_the_shape_op_brings_in(tf, keras, shape, unknown):
    """The Shape op's value reaches the random op's shape where an axis was unknown while tracing."""
    dims = [None if d == "None" else int(d) for d in shape.split(",")]
    layer = keras.layers.Dropout(0.3, seed=42)
    graph = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec(dims)]) \
        .get_concrete_function().graph
    draw = next(op for op in graph.get_operations() if op.type.startswith("StatelessRandomUniform"))
    assert [i for i, d in enumerate(draw.outputs[0].shape.as_list()) if d is None] == unknown
    text = words("graph", "--shape", shape)
    said = "the batch size enters here" if unknown == [0] else "axis 1's size enters here"
    assert f"Shape: {said}, when the graph runs" in text
