"""Rate 1, a rate tensor for keras.random.dropout, and the calls table's states, against the real library.

Every expectation is computed here by plain TensorFlow/Keras calls (or read from the installed source), not taken
from the tool's sentences.
"""

import inspect
import json

import numpy as np
import pytest

from dropout_trace.apis import APIS
from dropout_trace.errors import ExitStatus

from inproc import run
from test_json_schema import check_document

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4)  # the tool's "range" input for (None, 4) with --batch 3
ZEROING = [name for name, a in APIS.items() if a.zeros_at_rate_one]
REFUSING = [name for name, a in APIS.items() if not a.zeros_at_rate_one]


def shape_for(name):
    rank = APIS[name].rank
    return "None,4" if rank is None else ",".join(["None"] + ["2"] * (rank - 2) + ["4"])


def library_message(tf, keras):
    """TensorFlow's own words for rate 1, from its _dropout (through the public tf.nn.dropout)."""
    with pytest.raises(ValueError) as raised:
        tf.nn.dropout(tf.constant(X), rate=1.0)
    return str(raised.value)


def test_the_installed_source_says_which_apis_zero_and_which_refuse(tf, keras):
    """The registry's split is the installed code's: Keras's backend tests rate == 1.0 before _dropout, which raises."""
    from keras.src.backend.tensorflow import random as backend
    from tensorflow.python.ops import nn_ops

    source = inspect.getsource(backend.dropout)
    assert source.index("rate == 1.0") < source.index("zeros_like") < source.index("stateless_dropout")
    assert "rate >= 1" in inspect.getsource(nn_ops._dropout)
    assert {"keras", "keras.random.dropout"} <= set(ZEROING) and "tf.nn.dropout" in REFUSING


@pytest.mark.parametrize("name", ZEROING)
@pytest.mark.parametrize("eager", [False, True])
def test_rate_one_traces_for_keras3(tf, keras, name, eager):
    shape = shape_for(name)
    argv = ["run", "--api", name, "--rate", "1", "--shape", shape, "--format", "json", "--values", "full"]
    ran = run(*argv, *(["--eager"] if eager else []))
    assert ran.status == ExitStatus.OK, ran.err
    data = json.loads(ran.out)
    check_document("run", data)
    out = np.asarray(data["tensors"]["output"]["values"], dtype=np.float32)
    x = tf.constant(np.asarray(data["tensors"]["input"]["values"], dtype=np.float32))
    if name == "keras.random.dropout":
        fresh = keras.random.dropout(x, 1.0, seed=42)
    else:
        rank = APIS[name].rank
        layer = keras.layers.Dropout if rank is None else getattr(keras.layers, f"SpatialDropout{rank - 2}D")
        fresh = layer(1.0, seed=42)(x, training=True)
    assert np.array_equal(out, tf.zeros_like(x).numpy()) and np.array_equal(out, fresh.numpy())
    c = data["check"]
    assert c["passed"] and c["zeroed"] and c["kept"] == 0 and c["draws"] == 0 and data["refusal"] is None
    reached = {s["name"]: s["status"] for s in data["stages"]}
    assert reached["call"] == "ran" and all(reached[k] == "not_reached" for k in
                                            ("seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask",
                                             "output"))


def test_rate_one_stop_and_sentences_follow_the_source(tf, keras):
    """The stop is the backend's own `return` of zeros, read from the installed lines; the text says zeros."""
    from keras.src.backend.tensorflow import random as backend

    lines, first = inspect.getsourcelines(backend.dropout)
    zeros_line = first + next(i for i, t in enumerate(lines) if "zeros_like" in t)
    text = " ".join(run("run", "--rate", "1", "--shape", "None,4", "--calls", "3", columns=200).out.split())
    assert f"random.py:{zeros_line}" in text
    assert "rate 0" not in text and "the input, unchanged" not in text
    assert "every one is 0" in text and "check passed" in text
    brief = " ".join(run("run", "--rate", "1", "--shape", "None,4", "--brief", columns=200).out.split())
    assert "output == 0" in brief and "returns its input" not in brief


@pytest.mark.parametrize("argv", [
    ["--api", "tf-keras"], ["--api", "tf-keras", "--rng", "stateful"], ["--api", "tf-keras", "--rng", "stateless"],
    ["--api", "tf.nn.dropout"], ["--api", "stateless"], ["--api", "tf.nn.dropout", "--eager"],
])
def test_rate_one_is_refused_by_tensorflow(tf, keras, argv):
    ran = run("run", *argv, "--rate", "1", "--shape", "None,4", "--format", "json")
    assert ran.status == ExitStatus.REFUSED, ran.err
    check_document("run", json.loads(ran.out))
    refusal = json.loads(ran.out)["refusal"]
    assert refusal["function"] == "_dropout" and refusal["type"] == "ValueError"
    assert refusal["message"] == library_message(tf, keras)


def test_keep_prob_zero_is_rate_one_refused_by_tensorflow(tf, keras):
    with pytest.raises(ValueError) as raised:
        tf.compat.v1.nn.dropout(tf.constant(X), keep_prob=0.0)
    ran = run("run", "--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0", "--shape", "None,4", "--format", "json")
    assert ran.status == ExitStatus.REFUSED, ran.err
    assert json.loads(ran.out)["refusal"]["message"] == str(raised.value)


def test_tf_keras_refusal_is_tensorflows_message_not_the_layers_wrapper(tf, keras):
    """tf-keras wraps the error in its own (layer name, call arguments); the line shown is TensorFlow's."""
    import tf_keras

    with pytest.raises(ValueError) as raised:
        tf_keras.layers.Dropout(1.0)(tf.constant(X), training=True)
    assert str(raised.value) != library_message(tf, keras)  # the wrapper, whose last line names an argument
    text = " ".join(run("run", "--api", "tf-keras", "--rate", "1", "--shape", "None,4", columns=200).out.split())
    assert library_message(tf, keras) in text


@pytest.mark.parametrize("command", [["compare"], ["stats", "--trials", "10"], ["explain", "seeds"],
                                     ["explain", "noise-shape"], ["explain", "scaling"], ["explain", "nan"]])
def test_commands_with_nothing_to_show_at_rate_one_say_so(command):
    ran = run(*command, "--rate", "1")
    assert ran.status == ExitStatus.USAGE and ran.err.count("\n") == 1 and "Traceback" not in ran.err
    assert "rate 1" in ran.err and "[0, 1)" in ran.err


@pytest.mark.parametrize("command", [["chain", "--shape", "None,4"], ["graph", "--shape", "None,4"],
                                     ["explain", "static-vs-dynamic"], ["explain", "xla"]])
def test_commands_that_trace_at_rate_one_run(tf, command):
    ran = run(*command, "--rate", "1")
    assert ran.status == ExitStatus.OK, ran.err


def test_explain_precision_at_rate_one_measures_zeros(tf, keras):
    ran = run("explain", "precision", "--rate", "1", "--format", "json")
    assert ran.status == ExitStatus.OK, ran.err
    check_document("explain", json.loads(ran.out))
    rows = json.loads(ran.out)["facts"]["rows"]
    y = keras.layers.Dropout(1.0, seed=42, dtype="bfloat16")(tf.ones([8], "bfloat16"), training=True)
    assert float(tf.reduce_max(tf.abs(tf.cast(y, "float32")))) == 0.0
    for r in rows:
        assert r["zeroed"] and r["probabilities"] is None
        assert r["expected_output_ratio"] == 0.0 and r["measured_ratio"] == 0.0
    text = " ".join(run("explain", "precision", "--rate", "1", columns=200).out.split())
    assert "returns its input" not in text and "returns zeros" in text


def test_keras_random_rate_tensor_eagerly_traces(tf, keras):
    """Eagerly the backend's `rate == 1.0` has a value: a tensor rate works, as it does in plain Keras."""
    expected = keras.random.dropout(tf.constant(X), tf.constant(0.3), seed=42).numpy()
    ran = run("run", "--api", "keras.random.dropout", "--rate", "0.3", "--rate-tensor", "--eager", "--shape",
              "None,4", "--format", "json", "--values", "full")
    assert ran.status == ExitStatus.OK, ran.err
    data = json.loads(ran.out)
    assert np.array_equal(np.asarray(data["tensors"]["output"]["values"], np.float32), expected)
    assert data["check"]["passed"]


def test_keras_random_rate_tensor_in_graph_is_the_librarys_refusal(tf, keras):
    """In a tf.function the tensor is symbolic: the backend's first Python test of it raises, where it stands."""
    from keras.src.backend.tensorflow import random as backend

    fn = tf.function(lambda x, r: keras.random.dropout(x, r, seed=42), autograph=False)
    with pytest.raises(Exception) as raised:
        fn(tf.constant(X), tf.constant(0.3))
    lines, first = inspect.getsourcelines(backend.dropout)
    test_line = first + next(i for i, t in enumerate(lines) if "rate == 1.0" in t)
    ran = run("run", "--api", "keras.random.dropout", "--rate", "0.3", "--rate-tensor", "--shape", "None,4",
              "--format", "json")
    assert ran.status == ExitStatus.REFUSED, ran.err
    refusal = json.loads(ran.out)["refusal"]
    assert refusal["type"] == type(raised.value).__name__ and refusal["line"] == test_line
    assert refusal["message"] in str(raised.value)


def test_keras_random_rate_tensor_of_one_eagerly_returns_zeros(tf, keras):
    assert not keras.random.dropout(tf.constant(X), tf.constant(1.0), seed=42).numpy().any()
    ran = run("run", "--api", "keras.random.dropout", "--rate", "1", "--rate-tensor", "--eager", "--shape", "None,4",
              "--format", "json")
    assert ran.status == ExitStatus.OK, ran.err
    assert json.loads(ran.out)["check"]["zeroed"]


def test_unseeded_keras_random_calls_table_reads_the_global_seed_generator(traced):
    """State after each call is the global SeedGenerator's, as Keras keeps it; before call n+1 is after call n."""
    trace = traced(rate="0.3", shape="None,4", api="keras.random.dropout", seed="none", calls=3)
    calls = trace.facts.calls
    assert all(c.state_after is not None for c in calls)
    assert [c.state_before for c in calls[1:]] == [c.state_after for c in calls[:-1]]
    # what each later call's stateless op received is the state read before it (SeedGenerator.next returns it)
    assert [c.seed_used for c in calls[1:]] == [c.state_before for c in calls[1:]]
    # the library's own rule for the unordered global generator: (state + 1) * 5387 % 933199
    for c in calls:
        assert c.state_after == [(s + 1) * 5387 % 933199 for s in c.seed_used]


def test_unseeded_tf_keras_stateful_is_not_called_reproducible(tf, keras):
    """tf-keras's _create_seed picks an unseeded generator's seed at random: two layers draw different masks."""
    import tf_keras

    masks = [tf_keras.layers.Dropout(0.5, rng_type="stateful")(tf.ones([64]), training=True).numpy() != 0
             for _ in range(2)]
    assert not np.array_equal(*masks)
    text = " ".join(run("run", "--api", "tf-keras", "--rng", "stateful", "--seed", "none", "--rate", "0.3",
                        "--shape", "None,4", columns=200).out.split())
    assert "reproducible" not in text and "not replayed" in text


def test_plumbing_subtitle_only_where_the_chain_has_plumbing(traced):
    """At rate 1 keras.random.dropout's chain ends in Keras's backend, with no TensorFlow dispatch frames."""
    from io import StringIO

    from rich.console import Console

    from dropout_trace.render import render_trace

    seen = set()
    for rate in ("1", "0.3"):
        trace = traced(rate=rate, shape="None,4", api="keras.random.dropout")
        for plumbing in (False, True):
            console = Console(file=StringIO(), width=100, color_system=None)
            render_trace(trace, console, plumbing=plumbing)
            has = any(f.plumbing for f in trace.chain)
            assert ("plumbing frames" in console.file.getvalue()) == has
            seen.add(has)
    assert seen == {False, True}  # both cases were met


# A fresh process: TensorFlow splits the CPU into logical devices only before it starts. It runs plain
# MirroredStrategy with Keras's Dropout(1.0), then the tool's `run --replicas 2 --rate 1`, text and JSON.
REPLICAS = """
import contextlib, io, json, sys
from dropout_trace.cli import main
out = {}
for name, args in (("json", ["--format", "json"]), ("text", ["--width", "200"])):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(["run", "--replicas", "2", "--rate", "1", "--shape", "None,4", *args])
    out[name] = [status, buf.getvalue()]
import tensorflow as tf, keras
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    layer = keras.layers.Dropout(1.0, seed=42)
step = tf.function(lambda x: strategy.run(lambda v: layer(v, training=True), args=(x,)))
out["plain"] = [t.numpy().tolist() for t in strategy.experimental_local_results(step(tf.ones((6, 4))))]
print(json.dumps(out))
"""


def test_rate_one_under_replicas_is_zeros_on_every_replica():
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", REPLICAS], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert all(not np.asarray(rep).any() for rep in out["plain"])  # plain Keras: every replica returns zeros
    status, text = out["json"]
    data = json.loads(text)
    assert status == 0 and data["check"]["zeroed"] and data["check"]["passed"]
    assert all(r["check"]["passed"] for r in data["replicas"])
    status, text = out["text"]
    assert status == 0 and "replica 1: its output is all zeros" in " ".join(text.split())


RATE_TENSOR_OF_ONE = [  # (argv, the rate TensorFlow's _dropout compares with, the dtype, mode): 1 in that dtype
    (["--api", "tf.nn.dropout", "--rate", "1"], 1.0, "float32", "graph"),
    (["--api", "tf.nn.dropout", "--rate", "1", "--eager"], 1.0, "float32", "eager"),
    (["--api", "stateless", "--rate", "1"], 1.0, "float32", "graph"),
    (["--api", "tf.nn.dropout", "--rate", "0.9999", "--dtype", "float16"], 0.9999, "float16", "graph"),
    (["--api", "stateless", "--rate", "0.9999", "--dtype", "bfloat16", "--eager"], 0.9999, "bfloat16", "eager"),
    (["--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0"], 1.0, "float32", "graph"),
    (["--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0.00001", "--dtype", "float16"], 1 - 0.00001, "float16",
     "graph"),
]


def plain_rate_tensor_call(tf, rate, dtype, mode):
    """TensorFlow's own answer for a rate tensor: (the output, x / (1 - rate) as _dropout computes it, no error)."""
    d = tf.as_dtype(dtype)
    x = tf.constant(X, d)
    r = tf.cast(tf.constant(rate, tf.float64), d)  # the rate as _dropout holds it: a tensor in x's dtype
    call = lambda x, r: tf.nn.dropout(x, rate=r, seed=42)  # noqa: E731
    if mode == "graph":
        call = tf.function(call, input_signature=[tf.TensorSpec([None, 4], d), tf.TensorSpec([], d)])
    out = call(x, r)
    divided = tf.math.truediv(x, tf.constant(1, d) - r)
    return np.asarray(tf.cast(out, tf.float64)), np.asarray(tf.cast(divided, tf.float64)), float(tf.cast(r, tf.float64))


@pytest.mark.parametrize("argv,rate,dtype,mode", RATE_TENSOR_OF_ONE)
def test_a_rate_tensor_of_one_in_its_dtype_traces_as_tensorflow_runs_it(tf, argv, rate, dtype, mode):
    """TensorFlow refuses only a Python rate of 1: a tensor one passes, x / (1 - rate) is x / 0, and where() keeps
    none of it, so the output is all zeros. The tool traces it (exit 0) instead of refusing it."""
    out, divided, rate_d = plain_rate_tensor_call(tf, rate, dtype, mode)
    assert rate_d == 1.0 and not out.any() and np.isinf(divided).all()  # the library's facts, found here
    ran = run("run", *argv, "--rate-tensor", "--shape", "None,4", "--format", "json", "--values", "full")
    assert ran.status == ExitStatus.OK, ran.err
    doc = json.loads(ran.out)
    check_document("run", doc)
    assert doc["check"]["passed"] and doc["refusal"] is None
    assert np.array_equal(np.asarray(doc["tensors"]["output"]["values"], np.float64), out)
    assert not np.asarray(doc["tensors"]["keep_mask"]["values"]).any()
    assert doc["probabilities"]["rate_in_dtype"] == rate_d and doc["probabilities"]["p_keep"] == 0
    assert doc["probabilities"]["expected_output_ratio"] == 0  # every output is 0, not 0 * inf


def test_a_rate_tensor_of_one_is_worded_by_what_tensorflow_computes(tf):
    """The words follow the facts found by plain TF: x / 0 is inf, no draw in [0, 1) is at least 1, so the count of
    kept elements is certain and no 'small sample' caveat applies; at rate 0.3 the tensor branch reads as before."""
    _, divided, _ = plain_rate_tensor_call(tf, 1.0, "float32", "graph")
    draws = tf.random.uniform([100000], seed=1).numpy()
    assert np.isinf(divided).all() and not (draws >= 1).any()
    text = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "1", "--rate-tensor", "--shape", "None,4",
                        columns=200).out.split())
    assert "1 - rate is 0, so it is x / 0" in text and "small sample" not in text
    assert "kept 0 of 12 = 0.0% (expected P(keep) = 0; no draw in [0, 1) reaches a rate of 1)" in text
    brief = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "1", "--rate-tensor", "--shape", "None,4",
                         "--brief", columns=200).out.split())
    assert "kept 0 of 12 = 0.0%" in brief and "small sample" not in brief
    usual = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--rate-tensor", "--shape", "None,4",
                         columns=200).out.split())
    assert "x / 0" not in usual and "small sample" in usual


def test_explain_pages_that_take_rate_one_say_what_the_library_did(tf, keras):
    """static-vs-dynamic and xla at rate 1, each against plain Keras: the layer returns zeros before any draw, with
    and without jit_compile, at the backend line that calls tf.zeros_like."""
    from keras.src.backend.tensorflow import random as backend

    layer = keras.layers.Dropout(1.0, seed=42)
    x = tf.constant(X)
    regular = tf.function(lambda x: layer(x, training=True))(x).numpy()
    compiled = tf.function(lambda x: layer(x, training=True), jit_compile=True)(x).numpy()
    assert not regular.any() and not compiled.any()
    lines, first = inspect.getsourcelines(backend.dropout)
    zeros_line = first + next(i for i, t in enumerate(lines) if "zeros_like" in t)
    static = " ".join(run("explain", "static-vs-dynamic", "--rate", "1", columns=200).out.split())
    assert f"random.py:{zeros_line}, `return tf.zeros_like(inputs)`" in static
    assert "At rate 1 nothing was drawn" in static and "try a rate above 0" not in static
    xla = " ".join(run("explain", "xla", "--rate", "1", columns=200).out.split())
    assert "At rate 1 the Keras layer returns zeros before it draws" in xla and "not captured" not in xla


def test_a_rate_tensor_of_one_says_what_another_call_or_seed_changes(tf):
    """At P(keep) 0 the mask is all dropped whatever the seed and on every call, so the seed stage says new
    uniforms, not a new mask, and the check says its seed row tests nothing; the mode line names the rate tensor as
    the function's second argument, as the tool's tf.function takes it."""
    d = tf.float32
    fn = tf.function(lambda x, r: tf.nn.dropout(x, rate=r), input_signature=[tf.TensorSpec([None, 4], d),
                                                                              tf.TensorSpec([], d)])
    one = tf.constant(1.0, d)
    assert not any(fn(tf.constant(X), one).numpy().any() for _ in range(3))  # every call: all dropped
    assert not tf.nn.dropout(tf.constant(X), rate=one, seed=1).numpy().any()  # any seed: the same zeros
    assert not tf.nn.dropout(tf.constant(X), rate=one, seed=2).numpy().any()
    text = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "1", "--rate-tensor", "--shape", "None,4",
                        columns=200).out.split())
    assert ("input_signature=[tf.TensorSpec((None, 4), tf.float32), tf.TensorSpec((), tf.float32)]), the rate "
            "tensor passed as its second argument") in text
    assert "calling it again gives new uniforms, though at P(keep) 0 the mask stays all dropped" in text
    assert "a new mask" not in text and "so this row does not test the seeds" in text
    usual = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", columns=200).out.split())
    assert "calling it again gives a new mask" in usual and "does not test the seeds" not in usual
    assert "tf.TensorSpec((), " not in usual


def test_a_refusal_at_rate_one_marks_only_the_stage_that_raised(tf):
    """_dropout raises at its rate check, above the lines of the keep mask and the output (read from the installed
    source): those stages were not reached, and no sentence says 'rate 0' of a call refused at rate 1."""
    from tensorflow.python.ops import nn_ops

    lines, first = inspect.getsourcelines(nn_ops._dropout)
    at = {key: first + next(i for i, t in enumerate(lines) if text in t)
          for key, text in (("raise", "raise ValueError"), ("keep_mask", "keep_mask = random_tensor >= rate"),
                            ("output", "array_ops.where_v2(keep_mask"))}
    assert at["raise"] < at["keep_mask"] < at["output"]
    ran = run("run", "--api", "tf.nn.dropout", "--rate", "1", "--shape", "None,4", "--format", "json")
    assert ran.status == ExitStatus.REFUSED
    doc = json.loads(ran.out)
    status = {s["name"]: s["status"] for s in doc["stages"]}
    assert doc["refusal"]["line"] == at["raise"] and status["rate"] == "raised"
    assert [status[k] for k in ("noise_shape", "uniform", "keep_mask", "output")] == ["not_reached"] * 4
    for api in ("tf.nn.dropout", "tf-keras"):
        for view in ([], ["--brief"]):
            text = " ".join(run("run", "--api", api, "--rate", "1", "--shape", "None,4", *view, columns=200).out.split())
            assert "rate 0" not in text and "the library raised here" in text, (api, view)
            assert text.count("the library raised here") == 1, (api, view)


def test_a_float_rate_the_dtype_stores_as_one_keeps_none_without_dividing_by_zero(tf):
    """--rate 0.9999 --dtype float16: a Python float below 1, so TensorFlow's float branch scales by 1/(1-rate),
    a finite number, and compares with the rate in float16, which is 1: nothing is kept, and no x / 0 exists."""
    x = tf.constant(X, tf.float16)
    assert float(tf.constant(0.9999, tf.float16)) == 1.0
    assert not tf.nn.dropout(x, rate=0.9999, seed=42).numpy().any()
    text = " ".join(run("run", "--api", "tf.nn.dropout", "--rate", "0.9999", "--dtype", "float16", "--shape",
                        "None,4", columns=200).out.split())
    assert "where() keeps none of x * scale" in text and "x / 0" not in text
    assert "no draw in [0, 1) reaches the rate, 0.9999 stored as 1 in float16" in text
    assert "none reaches the rate, 0.9999 stored as 1 in float16: every output is 0" in text
