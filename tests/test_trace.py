"""The core trace against the real library: every captured value is checked independently."""

import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropout_trace.render_json import trace_json

from strategies import batches, dims_text, dtypes, rates, seeds, shapes

JSON_KEYS = {"api", "rate", "seed", "shape", "run_shape", "versions", "chain", "stages", "tensors", "check"}
STAGE_KEYS = {"name", "function", "file", "line", "static_shape", "dynamic_shape", "dtype"}
TENSOR_KEYS = {"input", "seed", "random", "keep_mask", "output"}
STAGES = ["call", "seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask", "output"]


def bits_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def check_against_library(tf, keras, trace, rate, seed, dtype, run_noise):
    """Reproduce the traced call through the public APIs, outside the tool, and compare bit for bit."""
    t = trace.tensors
    x = tf.constant(t["input"])
    assert x.dtype.name == dtype
    fresh = keras.layers.Dropout(rate, noise_shape=trace.noise_shape, seed=seed, dtype=dtype)
    assert bits_equal(fresh(x, training=True).numpy(), t["output"])
    if rate == 0:
        assert bits_equal(t["output"], t["input"])
        assert t["random"] is None and t["keep_mask"] is None
        return
    # Keras starts its SeedGenerator at [seed, 0] and casts it to int32 by floormod(int32.max - 1).
    assert t["seed"].tolist() == [seed % (2**31 - 2), 0]
    noise = run_noise or trace.run_shape
    uniform = tf.random.stateless_uniform(noise, seed=t["seed"], dtype=dtype).numpy()
    assert bits_equal(uniform, t["random"])
    assert np.array_equal(t["keep_mask"], t["random"] >= np.asarray(rate, dtype=t["random"].dtype))
    public = tf.nn.experimental.stateless_dropout(x, rate, seed=t["seed"], noise_shape=noise).numpy()
    assert bits_equal(public, t["output"])
    assert trace.check.passed and trace.check.bit_exact


@pytest.mark.parametrize("shape", ["None,4", "None,None,8", "None", "5", "2,3"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_grid_reproduces_the_library(tf, keras, traced, shape, dtype):
    trace = traced(rate="0.3", shape=shape, dtype=dtype)
    check_against_library(tf, keras, trace, 0.3, 42, dtype, None)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes, rate=rates, dtype=dtypes, seed=seeds, batch=batches, eager=st.booleans())
def test_property_reproduces_the_library(tf, keras, traced, shape, rate, dtype, seed, batch, eager):
    trace = traced(rate=str(rate), shape=dims_text(shape), dtype=dtype, seed=seed, batch=batch, eager=eager)
    check_against_library(tf, keras, trace, rate, seed, dtype, None)
    assert trace.run_shape == tuple(batch if d is None else d for d in shape)


@pytest.mark.parametrize("eager", [False, True])
def test_none_batch_is_static_none_and_dynamic_three(traced, eager):
    trace = traced(rate="0.3", shape="None,4", eager=eager)
    for key in ("uniform", "keep_mask", "output", "noise_shape"):
        stage = trace.stage(key)
        assert stage.dynamic_shape == [3, 4]
        assert stage.static_shape == ([3, 4] if eager else [None, 4]), key
    noise = trace.stage("noise_shape").value("noise_shape")
    if eager:  # an eager shape tensor is concrete, so _get_noise_shape turns it into a TensorShape
        assert noise.data == [3, 4]
    else:  # a Shape op: its value is unknown while tracing, known when the graph runs
        assert noise.symbolic.endswith("Shape:0")
        assert noise.static_value == [None, 4]
        assert noise.value.tolist() == [3, 4]


def test_chain_is_captured_from_the_real_stack(traced):
    from tensorflow.python.ops import nn_ops

    trace = traced(rate="0.3", shape="None,4")
    names = [f.function for f in trace.chain if not f.plumbing]
    assert names[-1] == "_dropout"
    order = [names.index(n) for n in ("Dropout.call", "stateless_dropout", "_dropout")]
    assert order == sorted(order)
    assert any(f.plumbing for f in trace.chain)  # error handlers and dispatch are there, folded
    # File and line come from the installed source, found here independently.
    lines, start = inspect.getsourcelines(inspect.unwrap(nn_ops._dropout))
    def_line = start + next(i for i, text in enumerate(lines) if text.lstrip().startswith("def "))
    last = trace.chain[-1]
    assert last.file == "tensorflow/python/ops/nn_ops.py" and last.line == def_line
    assert trace.stage("rate").function.line == def_line


def test_stage_source_lines_are_the_installed_ones(traced):
    import linecache

    trace = traced(rate="0.3", shape="None,4")
    seen = []
    for stage in trace.stages:
        for ex in stage.excerpts:
            for line in ex.lines:
                path = next(p for p in __import__("sys").path if p and linecache.getline(
                    f"{p}/{ex.function.file}", line.lineno))
                assert linecache.getline(f"{path}/{ex.function.file}", line.lineno).rstrip("\n") == line.text
                seen.append(line.text.strip())
    assert "keep_mask = random_tensor >= rate" in seen  # as written in the installed nn_ops.py


@pytest.mark.parametrize("noise, axis", [("None,1", 1), ("1,4", 0)])
def test_noise_shape_mask_is_constant_along_the_broadcast_axis(tf, keras, traced, noise, axis):
    trace = traced(rate="0.5", shape="None,4", noise_shape=noise, batch=6)
    run_noise = (6, 1) if noise == "None,1" else (1, 4)
    check_against_library(tf, keras, trace, 0.5, 42, "float32", run_noise)
    mask = trace.tensors["keep_mask"]
    assert mask.shape == run_noise
    kept = trace.tensors["output"] != 0  # range input has no zeros, so nonzero == kept
    assert (kept == kept.take([0], axis=axis)).all()
    assert trace.stage("noise_shape").dynamic_shape == list(run_noise)
    assert trace.stage("noise_shape").static_shape == ([None, 1] if noise == "None,1" else [1, 4])


def test_rate_zero_stops_at_the_layer(traced):
    trace = traced(rate="0", shape="None,4")
    assert trace.stage("call").reached
    assert not any(trace.stage(k).reached for k in STAGES[1:])
    assert "return inputs" in trace.stage("output").stopped.source
    assert trace.check.passed


def test_seed_state_advances(traced):
    stage = traced(rate="0.3", shape="None,4", seed=7).stage("seed")
    assert stage.value("state_before").value.tolist() == [7, 0]
    assert stage.value("state_after").value.tolist() == [7, 1]
    assert stage.value("seed_passed_on").dtype == "int32"


@pytest.mark.parametrize("options", [dict(rate="0.3", shape="None,4"), dict(rate="0", shape="None"),
                                     dict(rate="0.5", shape="2,3", eager=True, dtype="bfloat16")])
def test_json_has_the_documented_keys(traced, options):
    import json

    data = json.loads(json.dumps(trace_json(traced(**options))))
    assert JSON_KEYS <= set(data)
    assert set(data["versions"]) >= {"tensorflow", "keras", "python"}
    assert [s["name"] for s in data["stages"]] == STAGES
    for stage in data["stages"]:
        assert STAGE_KEYS <= set(stage)
    for frame in data["chain"]:
        assert {"function", "file", "line"} <= set(frame)
    tensors = data["tensors"]  # every array once; the run's own under these names
    assert set(tensors) >= (TENSOR_KEYS if options["rate"] != "0" else {"input", "output"})
    assert isinstance(data["check"]["bit_exact"], bool)
    assert data["shape"] == [None if d == "None" else int(d) for d in options["shape"].split(",")]
    if options["rate"] != "0":
        assert tensors["seed"]["shape"] == [2] and np.asarray(tensors["seed"]["values"]).shape == (2,)
        assert tensors["keep_mask"]["dtype"] == "bool"
        assert np.asarray(tensors["keep_mask"]["values"]).dtype == bool
