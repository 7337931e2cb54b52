"""explain: JSON, and the learner's question computed independently (the topic list and unknown topics are
in tests/unit/test_explain_topics.py)."""

import json

import numpy as np

from dropout_trace.cli import main


def test_static_vs_dynamic_against_a_plain_tf_function(tf, keras, capsys):
    assert main(["explain", "static-vs-dynamic", "--format", "json"]) == 0
    facts = json.loads(capsys.readouterr().out)["facts"]
    seen = {}
    layer = keras.layers.Dropout(0.3, seed=42)

    def call(x):  # independently: what the layer sees while tracing, and the noise shape's value at run time
        seen["static"] = x.shape.as_list()
        shape = tf.shape(x)
        seen["known"] = tf.get_static_value(shape)
        return layer(x, training=True), shape

    fn = tf.function(call, input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    x = tf.reshape(tf.range(1, 13, dtype=tf.float32), [3, 4])
    out, shape = fn(x)
    assert facts["input_static_shape"] == seen["static"] == [None, 4]
    assert seen["known"] is None and facts["noise_static"] == [None, 4]  # unknown while tracing
    assert facts["noise_runtime"] == shape.numpy().tolist() == [3, 4]
    assert facts["draws"] == facts["elements"] == 12
    assert np.array_equal(np.asarray(facts["keep_mask"]), out.numpy() != 0)  # range input: nonzero == kept
    assert "Shape" in facts["graph_op_types"]
    assert main(["explain", "static-vs-dynamic"]) == 0
    text = capsys.readouterr().out
    assert len(text.splitlines()) <= 80 and "[None, 4]" in text and "[3, 4]" in text


def test_static_vs_dynamic_at_rate_zero_draws_nothing(tf, keras, capsys):
    """At rate 0 Keras returns before any noise shape exists: the page names the stop, no mask, no shapes."""
    import inspect

    layer = keras.layers.Dropout(0.0, seed=42)
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    ops = {op.type for op in fn.get_concrete_function().graph.get_operations()}
    assert not any("Random" in t for t in ops) and "Shape" not in ops  # nothing drawn, no shape asked for
    lines, start = inspect.getsourcelines(type(layer).call)
    line = next(start + i for i, t in enumerate(lines) if t.strip() == "return inputs")

    assert main(["explain", "static-vs-dynamic", "--rate", "0", "--format", "json"]) == 0
    facts = json.loads(capsys.readouterr().out)["facts"]
    assert facts["dropped"] is False and facts["draws"] == 0 and facts["noise_static"] is None
    assert facts["stopped"]["line"] == line and facts["keep_mask"] is None
    assert main(["explain", "static-vs-dynamic", "--rate", "0"]) == 0
    out = capsys.readouterr().out
    text = " ".join(out.split())
    assert len(out.splitlines()) <= 80 and max(len(x) for x in out.splitlines()) <= 80
    assert f"nothing was drawn: Dropout.call returned at keras/src/layers/regularization/dropout.py:{line}" in text
    assert "noise shape while tracing" not in text and "[]" not in text
    assert "The mask is not built from it" not in text and "none for 12 elements" in text
