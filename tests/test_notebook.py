"""The notebook API: trace(...) holds the same data as `run --format json` and draws as `run` does."""

import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from rich.console import Console

from dropout_trace import trace
from dropout_trace.cli import main
from dropout_trace.render import make_console, render_trace

# Keras names each new layer dropout, dropout_1, ... per process, and graph tensors carry that name as their
# scope; two runs in one process differ only there. Nothing else in the JSON may differ.
SCOPE = re.compile(r"^[A-Za-z_]+(?:_\d+)*/")


def steady(data):
    """The JSON with the layer scope cut from graph tensor names."""
    if isinstance(data, dict):
        return {k: SCOPE.sub("", v) if k == "graph_tensor" and isinstance(v, str) else steady(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [steady(v) for v in data]
    return data


def cli_json(capsys, *args) -> dict:
    status = main(["run", *args, "--format", "json"])
    out = capsys.readouterr()
    assert status == 0, out.err
    return json.loads(out.out)


CASES = [
    (dict(rate=0.3, shape=(None, 4)), ["--rate", "0.3", "--shape", "None,4"]),
    (dict(rate="0.5", shape="None,3", noise_shape=(None, 1), batch=4, seed=7),
     ["--rate", "0.5", "--shape", "None,3", "--noise-shape", "None,1", "--batch", "4", "--seed", "7"]),
    (dict(rate=0.3, shape=[2, 3], eager=True, dtype="bfloat16"),
     ["--rate", "0.3", "--shape", "2,3", "--eager", "--dtype", "bfloat16"]),
    (dict(rate=0.3, shape=(None, 4), api="tf-keras", rng="stateful", calls=2),
     ["--rate", "0.3", "--shape", "None,4", "--api", "tf-keras", "--rng", "stateful", "--calls", "2"]),
    (dict(shape=(None, 4), api="tf.compat.v1.nn.dropout", keep_prob=0.7),
     ["--shape", "None,4", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0.7"]),
]


@pytest.mark.parametrize("kwargs, argv", CASES)
def test_trace_holds_what_run_json_prints(tf, capsys, kwargs, argv):
    t = trace(**kwargs)
    expected = cli_json(capsys, *argv)
    assert steady(t.data) == steady(expected)
    assert json.loads(t.to_json()) == t.data


def test_the_data_is_the_library_output(tf, keras):
    """Independently: a fresh Keras layer with the same seed gives the output trace() recorded."""
    t = trace(rate=0.3, shape=(None, 4))
    x = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    fresh = keras.layers.Dropout(0.3, seed=42)
    step = tf.function(lambda v: fresh(v, training=True),
                       input_signature=[tf.TensorSpec((None, 4), tf.float32)])
    tensors = t.data["tensors"]
    assert np.array_equal(np.asarray(tensors["output"]["values"], dtype=np.float32), step(x).numpy())
    random = np.asarray(tensors["random"]["values"], dtype=np.float32)
    assert np.array_equal(np.asarray(tensors["keep_mask"]["values"]), random >= np.float32(0.3))


def test_it_draws_in_jupyter_and_in_rich(tf):
    t = trace(rate=0.3, shape=(None, 4))
    html = t._repr_html_()
    assert "<" in html and "check passed" in html and "style=" in html and "<pre" in html
    console = Console(file=io.StringIO(), width=100)
    console.print(t)
    drawn = console.file.getvalue()
    assert "check passed" in drawn
    same = io.StringIO()
    render_trace(t.trace, make_console(same, width=100, color=False))
    assert [line.rstrip() for line in drawn.splitlines()] == same.getvalue().splitlines()  # the text `run` prints
    assert "\n" not in repr(t) and "check passed" in repr(t) and len(repr(t)) < 160


def test_brief_and_stages_draw_too(tf):
    t = trace(rate=0.3, shape=(None, 4), brief=True, stages=("keep_mask", 8))
    console = Console(file=io.StringIO(), width=80)
    console.print(t)
    text = console.file.getvalue()
    assert "\n7 keep_mask" in text and "\n8 output" in text and "\n6 uniform" not in text
    assert "│" not in text and "check passed" in text


CLI_ERRORS = [
    (dict(rate=1, shape=(None, 4)), ["--rate", "1", "--shape", "None,4"]),
    (dict(rate=0.3, shape=(None, 0)), ["--rate", "0.3", "--shape", "None,0"]),
    (dict(rate=0.3, shape="None,4", seed="abc"), ["--rate", "0.3", "--shape", "None,4", "--seed", "abc"]),
    (dict(rate=0.3, shape=(None, 4), noise_shape=(None, 2)),
     ["--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,2"]),
    (dict(rate=0.3, shape=(None, 4), api="tf.nn.dropout", rng="stateless"),
     ["--rate", "0.3", "--shape", "None,4", "--api", "tf.nn.dropout", "--rng", "stateless"]),
    (dict(rate=0.3, shape=(None, 4), stages="mask"), ["--rate", "0.3", "--shape", "None,4", "--stages", "mask"]),
]


@pytest.mark.parametrize("kwargs, argv", CLI_ERRORS)
def test_bad_arguments_raise_the_cli_message(capsys, kwargs, argv):
    status = main(["run", *argv])
    message = capsys.readouterr().err.strip().removeprefix("dropout-trace: error: ")
    assert status == 2
    with pytest.raises(ValueError) as raised:
        trace(**kwargs)
    assert str(raised.value) == message


def test_missing_shape_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        trace(rate=0.3)


def test_import_is_light_and_trace_stays_the_function():
    code = ("import sys; import dropout_trace; from dropout_trace import trace; "
            "import dropout_trace.trace; from dropout_trace.trace import trace_run; "
            "from dropout_trace import trace as again; "
            "assert callable(again) and again is trace and not isinstance(again, type(sys)); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
