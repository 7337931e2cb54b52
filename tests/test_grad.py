"""run --grad: the gradient the tool captured equals a plain tf.GradientTape on a fresh layer or function with the
same seed, built here from the public APIs (not from dropout_trace.apis), bit for bit; and the backward facts are
those of the graph TensorFlow built."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inproc import run

tf = pytest.importorskip("tensorflow")

RATE, SEED = 0.3, 42


def _fresh(api: str):
    """The public call a learner writes, fresh, with the run's seed; the global seed set where the API reads it."""
    import keras
    import tf_keras

    tf.random.set_seed(SEED)  # tf.nn.dropout's and tf-keras's default (legacy) branch read the global seed
    if api == "keras":
        layer = keras.layers.Dropout(RATE, seed=SEED)
        return lambda x: layer(x, training=True)
    if api == "tf-keras":
        layer = tf_keras.layers.Dropout(RATE, seed=SEED)
        return lambda x: layer(x, training=True)
    if api == "spatial2d":
        layer = keras.layers.SpatialDropout2D(RATE, seed=SEED)
        return lambda x: layer(x, training=True)
    if api == "keras.random.dropout":
        return lambda x: keras.random.dropout(x, RATE, seed=SEED)
    if api == "stateless":
        return lambda x: tf.nn.experimental.stateless_dropout(x, rate=RATE, seed=[SEED, 0])
    if api == "tf.nn.dropout":
        return lambda x: tf.nn.dropout(x, rate=RATE, seed=SEED)
    return lambda x: tf.compat.v1.nn.dropout(x, keep_prob=1 - RATE, seed=SEED)


def _tape(api: str, shape: tuple, x: np.ndarray, upstream: np.ndarray, eager: bool):
    from dropout_trace.tfstate import isolated

    with isolated():  # the test's own seeds and layers leave the process as it was
        call = _fresh(api)

        def taped(x, u):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = call(x)
                loss = tf.reduce_sum(y * u)
            return tape.gradient(loss, x)

        if not eager:
            spec = tf.TensorSpec(shape, tf.float32)
            taped = tf.function(taped, input_signature=[spec, spec], autograph=False)
        return taped(tf.constant(x, tf.float32), tf.constant(upstream, tf.float32)).numpy()


def _json(*argv: str) -> dict:
    ran = run("run", *argv, "--grad", "--format", "json", "--values", "full")
    assert ran.status == 0, ran.err
    return json.loads(ran.out)


def _tensor(d: dict, name: str) -> np.ndarray:
    t = d["tensors"][name]
    return np.asarray(t["values"], dtype=t["dtype"])


CASES = [("keras", "None,4"), ("tf-keras", "None,4"), ("tf.nn.dropout", "None,4"),
         ("tf.compat.v1.nn.dropout", "None,4"), ("stateless", "None,4"), ("keras.random.dropout", "None,4"),
         ("spatial2d", "None,2,2,3")]


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
@pytest.mark.parametrize("api,shape", CASES)
def test_gradient_equals_a_plain_tape_on_a_fresh_call(api, shape, eager):
    rate = ["--keep-prob", str(1 - RATE)] if api == "tf.compat.v1.nn.dropout" else ["--rate", str(RATE)]
    d = _json("--api", api, *rate, "--shape", shape, "--upstream", "normal", *(["--eager"] if eager else []))
    call = d["calls"][0]
    x, u, g = _tensor(d, "input"), _tensor(d, call["upstream"]), _tensor(d, call["gradient"])
    dims = tuple(None if s == "None" else int(s) for s in shape.split(","))
    expected = _tape(api, dims, x, u, eager)
    assert g.dtype == expected.dtype and g.tobytes() == expected.tobytes()
    # and from the captured mask, by this test's own arithmetic: where(mask, u, 0) * float32(1/(1-rate))
    mask = np.broadcast_to(_tensor(d, call["keep_mask"]), g.shape)
    assert np.array_equal(g, np.where(mask, u, np.float32(0)) * np.float32(1 / (1 - RATE)))
    assert d["check"]["passed"] and call["check"]["gradient_exact"] and call["check"]["fresh_gradient_equal"]


def test_backward_ops_are_the_graphs_own_and_none_is_random():
    """The facts name the ops of the concrete function TensorFlow built: checked against a graph built here."""
    import keras

    d = _json("--rate", "0.3", "--shape", "None,4")
    b = d["backward"]
    layer = keras.layers.Dropout(RATE, seed=SEED)

    @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)] * 2, autograph=False)
    def taped(x, u):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) * u)
        return tape.gradient(loss, x)

    ops = taped.get_concrete_function().graph.get_operations()
    types = [op.type for op in ops]
    # what tape.gradient adds: its gradient_tape/ scope, and the loss's own gradient (ones), a Const before it
    backward = [op for op in ops if op.name.startswith("gradient_tape/") or op.name == "ones"]
    assert [op.type for op in ops if op.name == "ones"] == ["Const"]
    assert b["backward_random_ops"] == [] and not any("Random" in op.type for op in backward)
    assert b["backward_ops"] == len(backward)
    # the keep mask feeds backward SelectV2 ops, as in the graph built here
    greater = [op for op in ops if op.type == "GreaterEqual"]
    readers = [op for op in backward if any(t.op in greater for t in op.inputs)]
    assert len(b["keep_mask_into"]) == len(readers) and {n.rsplit("/", 1)[-1] for n in b["keep_mask_into"]} == \
        {op.name.rsplit("/", 1)[-1] for op in readers}
    assert all(op.type == "SelectV2" for op in readers)
    assert b["keep_mask_read_by"] == ["SelectV2"] and "SelectV2" in types
    fns = {f["function"] for f in b["gradient_functions"]}
    from tensorflow.python.framework import ops as tf_ops

    assert tf_ops._gradient_registry.lookup("SelectV2").__name__ in fns  # found on the installed version
    assert b["sampler_runs"] == 1


@pytest.mark.parametrize("argv,expected", [
    (["--rate", "0"], "upstream"), (["--rate", "0.3", "--no-training"], "upstream"),
    (["--rate", "1"], None)])
def test_no_mask_gives_the_upstream_and_rate_1_no_path(argv, expected):
    d = _json(*argv, "--shape", "None,4", "--upstream", "range")
    call = d["calls"][0]
    if expected is None:  # Keras 3 returns tf.zeros_like(x): nothing connects the output to x
        assert call["gradient"] is None and d["backward"]["no_path"]
    else:
        assert np.array_equal(_tensor(d, call["gradient"]), _tensor(d, call["upstream"]))
    assert d["check"]["passed"]


def test_each_call_uses_its_own_mask():
    d = _json("--rate", "0.3", "--shape", "None,4", "--calls", "2")
    masks = [_tensor(d, c["keep_mask"]) for c in d["calls"]]
    assert not np.array_equal(masks[0], masks[1])
    for c, m in zip(d["calls"], masks):
        assert np.array_equal(_tensor(d, c["gradient"]) != 0, m)


@pytest.mark.parametrize("argv,says", [
    (["--upstream", "ones"], "--upstream ones is the gradient that arrives at the output"),
    (["--grad", "--upstream", "zeros"], "--upstream 'zeros' is not known; choose one of ones, range, normal"),
    (["--grad", "--replicas", "2"], "--grad traces the backward pass of one device's call")])
def test_bad_grad_options_are_one_line(argv, says):
    ran = run("run", "--rate", "0.3", "--shape", "None,4", *argv)
    assert ran.status == 2 and says in ran.err and "Traceback" not in ran.err


@pytest.mark.parametrize("api,shape", [("keras", "None,4"), ("tf.nn.dropout", "None,4"), ("tf-keras", "None,4")])
def test_graph_grad_lists_the_concrete_functions_backward_ops(api, shape):
    """graph --grad: the ops marked backward are the ones tape.gradient adds in a graph built here, in order."""
    import re

    ran = run("graph", "--api", api, "--rate", "0.3", "--shape", shape, "--grad", "--format", "json")
    assert ran.status == 0, ran.err
    d = json.loads(ran.out)
    backward = [op for op in d["ops"] if op["backward"]]
    from dropout_trace.tfstate import isolated

    with isolated():
        call = _fresh(api)

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)] * 2, autograph=False)
        def taped(x, u):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(call(x) * u)
            return tape.gradient(loss, x)

        ops = taped.get_concrete_function().graph.get_operations()
    mine = [op for op in ops if op.name.startswith("gradient_tape/") or op.name == "ones"]
    layer = re.compile(r"dropout(_\d+)?/")  # the layer's name scope takes the next free name in a process
    assert [op["type"] for op in backward] == [op.type for op in mine]
    assert [layer.sub("dropout/", op["name"]) for op in backward] == [layer.sub("dropout/", op.name) for op in mine]
    assert d["backward"]["random_ops"] == [] and not any("Random" in op.type or "Uniform" in op.type for op in mine)
    into = [d["ops"][i] for i in d["backward"]["keep_mask_into"]]
    assert into and all(op["type"] == "SelectV2" for op in into)
    compare = [op["index"] for op in d["ops"] if op["mark"] == "compare" and not op["backward"]]
    assert all(set(op["from_forward"]) & set(compare) for op in into)


def test_what_the_words_say_of_the_gradient_is_what_it_holds():
    """Two runs where 'dropped elements get 0' and 'the upstream itself, unchanged' would be false."""
    d = _json("--rate", "0.99999", "--dtype", "float16", "--shape", "None,4")  # the rate stores as 1 in float16
    g = _tensor(d, d["calls"][0]["gradient"])
    assert np.all(np.isnan(g.astype(np.float64)))  # 0 from SelectV2's gradient, times a scale that is inf there
    text = " ".join(run("run", "--rate", "0.99999", "--dtype", "float16", "--shape", "None,4", "--grad").out.split())
    assert "dropped elements get NaN" in text and "get 0" not in text
    argv = ("--rate", "0", "--shape", "None,4", "--policy", "mixed_float16", "--upstream", "normal")
    d = _json(*argv)
    u, g = _tensor(d, d["calls"][0]["upstream"]), _tensor(d, d["calls"][0]["gradient"])
    assert not np.array_equal(g, u) and np.array_equal(g, u.astype(np.float16).astype(np.float32))
    text = " ".join(run("run", *argv, "--grad").out.split())
    assert "the gradient is the upstream rounded to float16" in text and "the upstream itself, unchanged" not in text
