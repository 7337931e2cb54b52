"""graph, stats and run call an exception a library refusal (exit 4) only when the library raised it; a failure of
the tool's own code around the call is exit 1, an error of the tool, and never worded as TensorFlow's. The tool's
failures are injected into the tool's own functions (never into TensorFlow or Keras); the library's refusals are
compared with what plain TensorFlow raises for the same call."""

import numpy as np
import pytest

from dropout_trace import capture, graphview, harness
from dropout_trace.errors import ExitStatus

from inproc import run

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4)


def plain_message(tf, call) -> str:
    with pytest.raises(Exception) as raised:
        call()
    return str(raised.value).strip().splitlines()[0]


def one_error_line(ran) -> str:
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in ran.err, ran.err
    return lines[0]


def test_graph_refusal_is_tensorflows_own_message_for_tf_keras(tf):
    import tf_keras

    message = plain_message(tf, lambda: tf.nn.dropout(tf.constant(X), rate=1.0))
    with pytest.raises(ValueError) as raised:  # tf-keras quotes it inside its call-arguments wrapper
        tf_keras.layers.Dropout(1.0)(tf.constant(X), training=True)
    assert str(raised.value).splitlines()[0] != message
    ran = run("graph", "--api", "tf-keras", "--rate", "1", "--shape", "None,4")
    assert ran.status == ExitStatus.REFUSED
    assert one_error_line(ran) == f"dropout-trace: error: the library refused the call: ValueError: {message}"


def test_stats_refusal_is_the_librarys(tf):
    """A noise shape with None in a list: TensorFlow's uniform draw cannot take it (plain tf.nn.dropout says so)."""
    fn = tf.function(lambda x: tf.nn.dropout(x, 0.3, noise_shape=[None, 1]), input_signature=[tf.TensorSpec([None, 4])],
                     autograph=False)
    message = plain_message(tf, lambda: fn.get_concrete_function())
    ran = run("stats", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,1",
              "--trials", "10")
    assert ran.status == ExitStatus.REFUSED
    assert one_error_line(ran).endswith(f"the library refused the call: ValueError: {message}")


def test_a_bad_signature_built_by_the_tool_is_the_tools_error_in_graph(tf, monkeypatch):
    """TensorFlow rejects a signature the tool built wrongly: it raises, but not from the API's call."""
    real = graphview.input_signature
    monkeypatch.setattr(graphview, "input_signature", lambda spec, tf, args: real(spec, tf, args) * 2)
    ran = run("graph", "--shape", "None,4")
    assert ran.status == ExitStatus.ERROR
    line = one_error_line(ran)
    assert "refused" not in line and line.endswith("(run with --debug for the traceback)")


def test_a_failing_recorder_is_the_tools_error_in_stats_and_run(tf, monkeypatch):
    class Broken(capture.Recorder):
        def __enter__(self):
            raise RuntimeError("the recorder broke")

    monkeypatch.setattr(capture, "Recorder", Broken)
    ran = run("stats", "--shape", "None,4", "--trials", "10")
    assert ran.status == ExitStatus.ERROR and "refused" not in one_error_line(ran)
    assert "RuntimeError: the recorder broke" in ran.err


def test_a_failing_probe_after_the_call_is_the_tools_error_in_run(tf, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("a probe broke")

    monkeypatch.setattr(harness, "symbolic_leaves", broken)
    ran = run("run", "--rate", "0.3", "--shape", "None,4")
    assert ran.status == ExitStatus.ERROR
    assert one_error_line(ran) == "dropout-trace: error: RuntimeError: a probe broke (run with --debug for the traceback)"
    plain = run("run", "--api", "tf.nn.dropout", "--rate", "1", "--shape", "None,4")
    assert plain.status == ExitStatus.REFUSED  # the same patch leaves the library's own refusal a refusal
