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
    assert html.startswith("<style>") and html.count('<div class="dt">') == 1 and "check passed" in html
    assert html.count("<table") == 4  # input, uniforms, mask and output: each a real table
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
    (dict(rate=1.5, shape=(None, 4)), ["--rate", "1.5", "--shape", "None,4"], ValueError,
     "rate=1.5 is outside [0, 1]; it is the probability of dropping each element, e.g. 0.3"),
    (dict(rate=0.3, shape=(None, 0)), ["--rate", "0.3", "--shape", "None,0"], ValueError,
     "shape=(None, 0): size 0 is not positive; give positive sizes, or None where the size is unknown while "
     "tracing, e.g. (None, 4)"),
    (dict(rate=0.3, shape="None,4", seed="abc"), ["--rate", "0.3", "--shape", "None,4", "--seed", "abc"], TypeError,
     "seed='abc' is a str, not an int: give an int such as 42, or None for an unseeded call"),
    (dict(rate=0.3, shape=(None, 4), noise_shape=(None, 2)),
     ["--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,2"], ValueError,
     "noise_shape=(None, 2) cannot broadcast to the input at dimension 1: noise size 2 vs input size 4; each noise "
     "dimension must be 1 (one draw shared along that axis), None (same as the input) or equal to the input's size"),
    (dict(rate=0.3, shape=(None, 4), api="tf.nn.dropout", rng="stateless"),
     ["--rate", "0.3", "--shape", "None,4", "--api", "tf.nn.dropout", "--rng", "stateless"], ValueError,
     "rng selects tf-keras's RandomGenerator branch; it does not apply to api='tf.nn.dropout' (use api='tf-keras', "
     "rng='stateless', 'stateful' or 'legacy')"),
    (dict(rate=0.3, shape=(None, 4), stages="mask"), ["--rate", "0.3", "--shape", "None,4", "--stages", "mask"],
     ValueError, "stages='mask': 'mask' is not a stage; give names or numbers from: 1 call, 2 seed, 3 dropout_op, "
     "4 rate, 5 noise_shape, 6 uniform, 7 keep_mask, 8 output"),
]


WRONG_TYPES = [
    ("eager", dict(eager="False")), ("training", dict(training="False")), ("rate_tensor", dict(rate_tensor=1)),
    ("plumbing", dict(plumbing="yes")), ("brief", dict(brief=None)), ("seed", dict(seed=True)),
    ("seed", dict(seed="7")), ("seed", dict(seed=1.5)), ("batch", dict(batch=True)), ("batch", dict(batch="3")),
    ("calls", dict(calls=2.0)), ("replicas", dict(replicas="2")), ("max_elements", dict(max_elements=True)),
    ("rate", dict(rate=True)), ("rate", dict(rate=[0.3])), ("rate", dict(rate=1j)),
    ("keep_prob", dict(rate=None, keep_prob=False, api="tf.compat.v1.nn.dropout")),
    ("shape", dict(shape={"None": 4})), ("shape", dict(shape=(None, "4"))), ("shape", dict(shape=(None, True))),
    ("shape", dict(shape=(None, 4.0))), ("noise_shape", dict(noise_shape=(None, 1.0))), ("dtype", dict(dtype=float)),
    ("api", dict(api=None)), ("input", dict(input=1)), ("rng", dict(api="tf-keras", rng=1)),
    ("layer_dtype", dict(layer_dtype=16)), ("policy", dict(policy=True)), ("stages", dict(stages=True)),
    ("stages", dict(stages=(1.5,))), ("stages", dict(stages={"uniform"})), ("max_memory", dict(max_memory=1.5)),
]


BAD_VALUES = [
    (dict(rate=1.5), "rate=1.5 is outside [0, 1]"), (dict(rate="abc"), "rate='abc' is not a number"),
    (dict(rate=None, keep_prob=1.5, api="tf.compat.v1.nn.dropout"), "keep_prob=1.5 is outside [0, 1]"),
    (dict(rate=None), "missing rate: the drop probability in [0, 1], e.g. rate=0.3"),
    (dict(calls=11), "calls=11 is outside 1..10"), (dict(batch=0), "batch=0 is not positive"),
    (dict(replicas=9), "replicas=9 is outside 2..8"), (dict(replicas=2, eager=True), "replicas runs the call"),
    (dict(dtype="float8"), "dtype='float8' is not supported"), (dict(stages=9), "stages=9: '9' is not a stage"),
    (dict(stages=("keep_mask", 9)), "stages=('keep_mask', 9): '9' is not a stage"),
    (dict(seed=2**64), "seed=18446744073709551616 is outside the 64-bit integers"),
    (dict(api="tf.nn.dropout", training=False), "training=False applies to layers"),
    (dict(api="stateless", seed=None), "seed=None: stateless dropout needs an explicit seed"),
    (dict(api="spatial2d"), "api='spatial2d' needs a rank-4 input (batch, rows, cols, channels); shape=(None, 4) "
                            "has rank 2"),
    (dict(shape=()), "shape=() is empty"), (dict(shape=[1] * 9), "shape=[1, 1, 1, 1, 1, 1, 1, 1, 1] has rank 9"),
    (dict(max_elements=5), "shape=(None, 4) with batch=3 is (3, 4) at run time, 12 elements, over the cap of 5; "
                           "use a smaller shape or raise max_elements"),
    (dict(max_memory=1), "more than the max_memory of 1 B; use a smaller shape, or raise the cap with max_memory, "
                         "e.g. max_memory='1G'"),
]


def test_python_values_of_the_right_type_are_taken(tf):
    """Integral numpy scalars are ints; stages=5 is stage 5; a list shape is a shape."""
    t = trace(rate=np.float64(0.3), shape=[None, 4], seed=np.int64(7), calls=np.int32(2), batch=2, stages=5,
              training=True, eager=False)
    assert t.passed and t.stages == ("noise_shape",) and t.data["seed"] == 7 and len(t.data["calls"]) == 2


def test_import_is_light_and_trace_stays_the_function():
    code = ("import sys; import dropout_trace; from dropout_trace import trace; "
            "import dropout_trace.trace; from dropout_trace.trace import trace_run; "
            "from dropout_trace import trace as again; "
            "assert callable(again) and again is trace and not isinstance(again, type(sys)); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
