"""explain print-vs-tf-print: what print() and tf.print write, against the learner's layer run here by plain
TensorFlow/Keras, with both outputs caught at the file descriptors (pytest's capfd), call by call."""

import json

import pytest

from dropout_trace.lessons.print_vs_tf_print import BATCHES, CODE

from inproc import run


def test_print_writes_while_tracing_and_tf_print_on_every_call(tf, keras, capfd):
    class Mine(keras.layers.Layer):  # the question's layer, written here: not the tool's copy
        def __init__(self):
            super().__init__()
            self.dropout = keras.layers.Dropout(0.3, seed=42)

        def call(self, inputs, training=None):
            print(inputs.shape)
            tf.print(tf.shape(inputs))
            return self.dropout(inputs, training=training)

    layer = Mine()
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4])])
    plain = []
    capfd.readouterr()
    for batch in BATCHES:
        fn(tf.ones([batch, 4]))
        out, err = capfd.readouterr()
        plain.append((out.splitlines(), err.splitlines()))
    assert plain[0][0] == ["(None, 4)"] and all(not printed for printed, _ in plain[1:])
    assert [tf_printed for _, tf_printed in plain] == [[f"[{b} 4]"] for b in BATCHES]

    assert "print(inputs.shape)" in CODE and "tf.print(tf.shape(inputs))" in CODE
    ran = run("explain", "print-vs-tf-print", "--format", "json")
    assert ran.status == 0, ran.err
    facts = json.loads(ran.out)["facts"]
    assert facts["traces"] == 1 and facts["signature"] == [None, 4]
    assert [(c["printed"], c["tf_printed"]) for c in facts["calls"]] == plain
    assert [c["output_shape"] for c in facts["calls"]] == [[b, 4] for b in BATCHES]
    text = " ".join(run("explain", "print-vs-tf-print", columns=200).out.split())
    assert "print() ran once, during call 1, while tf.function traced the Python" in text
    assert "printed tf.shape(inputs) with that call's batch: [3 4], then [5 4]" in text


@pytest.mark.parametrize("rate", ["0", "1"])
def test_the_topic_at_rate_0_and_1_still_shows_both_prints(tf, rate):
    """Dropout returns early at those rates, but call() runs its two prints before it: they show as ever."""
    ran = run("explain", "print-vs-tf-print", "--rate", rate, "--format", "json")
    assert ran.status == 0, ran.err
    calls = json.loads(ran.out)["facts"]["calls"]
    assert calls[0]["printed"] == ["(None, 4)"] and [c["tf_printed"] for c in calls] == [["[3 4]"], ["[5 4]"]]


def test_the_page_fits_80_columns(tf):
    ran = run("explain", "print-vs-tf-print", columns=80)
    assert ran.status == 0 and "this view needs" not in ran.out + ran.err
    assert max(len(line) for line in ran.out.splitlines()) <= 80
