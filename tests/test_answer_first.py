"""The answer on the first screen: in a real 80x24 terminal, the first 24 lines of `run` hold the static shape
while tracing, the run-time shape and where the mask's shape came from, each found here by plain TensorFlow/Keras
for the same call (issue 16's first check, for the default run, --eager, a noise shape, known sizes, tf-keras)."""

from __future__ import annotations

import pytest

from layout_checks import ANSI
from test_layout import run_in_terminal

BASE = ["run", "--rate", "0.3", "--shape", "None,4"]


def plain_facts(tf, keras, eager: bool, dims: list, noise: tuple | None) -> dict:
    """What the library itself shows for a Keras Dropout on x: x.shape inside call, and the noise shape it used."""
    from keras.src.backend.tensorflow.random import _get_concrete_noise_shape

    seen = {}

    def call(x):
        seen["static"] = tuple(x.shape)
        shape = tf.convert_to_tensor(_get_concrete_noise_shape(x, noise))  # the backend's own noise shape
        seen["known"] = tf.get_static_value(shape)
        return shape

    x = tf.ones([3 if d is None else d for d in dims])
    if eager:
        runtime = call(x)
    else:
        runtime = tf.function(call, input_signature=[tf.TensorSpec(dims)], autograph=False)(x)
    return {"static": seen["static"], "runtime": runtime.numpy().tolist(),
            "known_while_tracing": seen["known"] is not None}


def shape_words(dims) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ")"


@pytest.mark.parametrize("extra,dims,noise", [
    ([], [None, 4], None),
    (["--eager"], [None, 4], None),
    (["--noise-shape", "None,1"], [None, 4], (None, 1)),
    (["--shape", "2,4"], [2, 4], None),
    (["--api", "tf-keras"], [None, 4], None),
], ids=["default", "eager", "noise-shape", "known-shape", "tf-keras"])
def test_the_first_screen_answers_for_this_run(tf, keras, extra, dims, noise):
    eager = "--eager" in extra
    plain = plain_facts(tf, keras, eager, dims, noise)
    raw = run_in_terminal(BASE + extra, 80, rows=24)
    first = " ".join(" ".join(ANSI.sub("", raw).splitlines()[:24]).split())
    runtime = "[" + ", ".join(map(str, plain["runtime"])) + "]"
    assert "The answer" in first and runtime in first, first
    if eager:
        assert f"x was {shape_words(plain['static'])} from the start, with nothing traced" in first
        assert "Eagerly the noise shape was concrete" in first
        return
    assert f"While tracing, x was {shape_words(plain['static'])}" in first
    if plain["known_while_tracing"]:
        assert "Every size was known while tracing: the noise shape was the constant" in first
    elif noise is None:
        assert "The noise shape was a Shape op" in first  # tf.shape(x), whose value the graph knows only at run time
    else:
        assert "The noise shape was a list from tf.shape(x)" in first


def test_the_answer_of_a_refused_run_says_the_graph_never_ran(tf):
    """TensorFlow refuses a float rate of 1 while the function is traced: no call of the graph ran."""
    from inproc import run

    fn = tf.function(lambda x: tf.nn.dropout(x, rate=1.0), input_signature=[tf.TensorSpec([None, 4])])
    with pytest.raises(ValueError):
        fn.get_concrete_function()  # refused while tracing, so there is no graph to run
    text = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "1", "--shape", "None,4", columns=80).out.split())
    answer = text[text.index("The answer"):text.index("Call chain")]
    assert "the graph never ran" in answer and "when the graph ran" not in answer


def test_the_answer_at_a_rate_tensor_of_one_says_every_output_is_zero(tf):
    from inproc import run

    fn = tf.function(lambda x, r: tf.nn.dropout(x, rate=r), input_signature=[tf.TensorSpec([None, 4]),
                                                                              tf.TensorSpec([])])
    assert not fn(tf.ones([3, 4]), tf.constant(1.0)).numpy().any()
    ran = run("run", "--api", "tf.nn.dropout", "--rate", "1", "--rate-tensor", "--shape", "None,4", columns=80)
    lines = ran.out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The answer"))
    body = lines[start + 1:lines.index("", start)]
    assert len(body) <= 4 and "every output is 0" in " ".join(" ".join(body).split())
