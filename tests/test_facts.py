"""Facts, then words: each sentence the tool used to get wrong, checked against a fact derived independently."""

import io
import json
from fractions import Fraction

import numpy as np
import pytest

from dropout_trace import narrate
from dropout_trace.cli import ExitStatus, main
from dropout_trace.render import make_console, render_trace

from test_trace import bits_equal


def text_of(trace, width=120) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False))
    return " ".join(out.getvalue().split())  # words, whatever the wrapping


def idea(trace, key) -> str:
    return narrate.idea(trace.stage(key), trace.facts)


# 1. While tracing, the seed variable still held [seed, 0]; the state after the run did not exist then.
@pytest.mark.parametrize("options", [dict(), dict(api="tf-keras", rng="stateful")])
def test_state_while_tracing_is_the_state_before_the_run(traced, options):
    trace = traced(rate="0.3", shape="None,4", seed=7, **options)
    stage = trace.stage("seed")
    during = stage.value("state_while_tracing")
    after = stage.value("state_after")
    assert during is not None and after is not None
    assert after.static_shape is None and after.static_value is None  # did not exist while tracing
    if options:  # tf.random.Generator.from_seed(7): its state before any draw, read independently
        import tensorflow as tf

        fresh = tf.random.Generator.from_seed(7, alg=tf.random.Algorithm.AUTO_SELECT).state.numpy()
        assert during.value.tolist() == fresh.tolist()
    else:  # Keras's SeedGenerator starts at [seed, 0]
        assert during.value.tolist() == [7, 0]
    assert not np.array_equal(during.value, after.value)  # the run moved it on


# 2 and 4 (of What to build). Repeated calls, each checked against an independent reference.
def masks(trace):
    return [c.keep_mask for c in trace.calls]


def test_keras_calls_move_the_counter_with_one_trace(tf, traced):
    trace = traced(rate="0.3", shape="None,4", calls=3)
    assert trace.facts.trace_count == 1
    assert [c.state_before.tolist() for c in trace.calls] == [[42, 0], [42, 1], [42, 2]]
    x = tf.constant(trace.tensors["input"])
    for i, c in enumerate(trace.calls):
        expected = tf.nn.experimental.stateless_dropout(x, 0.3, seed=[42, i]).numpy()
        assert bits_equal(expected, c.output)
    assert trace.facts.masks_repeat is False
    assert "[42, 0] → [42, 1] → [42, 2] → [42, 3]" in " ".join(narrate.calls_summary(trace.facts))


def test_keras_random_dropout_with_an_integer_seed_repeats(tf, traced):
    trace = traced(rate="0.3", shape="None,4", calls=3, api="keras.random.dropout")
    expected = tf.nn.experimental.stateless_dropout(tf.constant(trace.tensors["input"]), 0.3, seed=[42, 0]).numpy()
    assert all(bits_equal(expected, c.output) for c in trace.calls)
    assert trace.facts.masks_repeat is True and trace.facts.state_kind == "constant_seed"
    assert [f.function for f in trace.chain if not f.plumbing][:2] == ["dropout", "dropout"]
    assert trace.check.passed


def test_tf_keras_stateless_repeats_and_legacy_does_not(traced):
    stateless = traced(rate="0.3", shape="None,4", calls=3, api="tf-keras", rng="stateless")
    assert all(np.array_equal(m, masks(stateless)[0]) for m in masks(stateless))
    legacy = traced(rate="0.3", shape="None,4", calls=3, api="tf-keras", rng="legacy")
    assert not all(np.array_equal(m, masks(legacy)[0]) for m in masks(legacy))
    assert stateless.check.passed and legacy.check.passed


@pytest.mark.parametrize("eager", [False, True])
def test_tf_nn_dropout_calls_follow_the_ops_own_state(tf, traced, eager):
    trace = traced(rate="0.3", shape="None,4", calls=3, api="tf.nn.dropout", eager=eager)
    tf.random.set_seed(42)  # independently: the same op, called three times
    x = tf.constant(trace.tensors["input"])
    if eager:
        expected = [tf.nn.dropout(x, rate=0.3, seed=42).numpy() for _ in range(3)]
    else:
        fn = tf.function(lambda v: tf.nn.dropout(v, rate=0.3, seed=42),
                         input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        expected = [fn(x).numpy() for _ in range(3)]
    assert all(bits_equal(e, c.output) for e, c in zip(expected, trace.calls))
    assert trace.facts.masks_repeat is False and trace.facts.state_kind == "op_state"


# 3. Eagerly nothing is traced, and nothing may say so.
def test_eager_never_speaks_of_tracing_or_the_graph(traced):
    trace = traced(rate="0.3", shape="None,4", eager=True)
    assert trace.facts.mode == "eager" and trace.facts.trace_count == 0
    words = text_of(trace)
    for phrase in ("while tracing", "graph runs", "graph ran", "traced 1"):
        assert phrase not in words, phrase


# 4 and 6. Where the noise shape comes from, and the "In short" sentence that follows.
@pytest.mark.parametrize("shape, noise, source", [("None,4", None, "shape_op"), ("2,4", None, "constant"),
                                                  ("None,4", "None,1", "list"), ("None,4", "1,4", "static_list")])
def test_noise_shape_source(tf, traced, shape, noise, source):
    options = dict(rate="0.3", shape=shape) | ({"noise_shape": noise} if noise else {})
    trace = traced(**options)
    f = trace.facts
    assert f.noise_source == source
    if source == "constant":  # independently: a graph of known sizes has no Shape op
        from dropout_trace.graphview import graph_view
        from dropout_trace.spec import build_spec

        assert "Shape" not in [op.type for op in graph_view(build_spec(rate="0.3", shape="2,4")).ops]
    says_shape_op = "tf.shape(x): a Shape op" in idea(trace, "noise_shape")
    assert says_shape_op == (source == "shape_op")
    short = narrate.in_short(f)
    assert ("partly known" in short) == (None in (f.noise_static or []))
    if source == "static_list":
        assert "tf.shape(x)" not in short


# 5 and 8. Shared draws: all samples share them along axis 0, and the check counts draws, not elements.
def test_shared_draws_are_said_and_counted(traced):
    rows = traced(rate="0.5", shape="None,4", noise_shape="1,4", batch=6)
    assert rows.facts.shared_axes == (0,) and rows.facts.draws == rows.tensors["random"].size == 4
    assert "every sample in the batch gets its own" not in idea(rows, "uniform")
    assert "every sample in the batch shares the same draws" in idea(rows, "uniform")
    cols = traced(rate="0.5", shape="None,4", noise_shape="None,1", batch=3)
    assert cols.check.draws == 3 and cols.check.total == 12
    assert "for all 3 draws" in text_of(cols) and "for all 12" not in text_of(cols)


# 7. Precision: P(keep) on the sampler's grid, computed here independently from the dtype.
def grid_p_keep(dtype: str, rate: float) -> float:
    import ml_dtypes

    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    bits = {"float16": 10, "bfloat16": 7, "float32": 23}[dtype]
    grid = (np.arange(2**bits, dtype=np.float64) / 2**bits).astype(np_dtype)  # exact in the dtype
    return float(np.mean(grid >= np.asarray(rate).astype(np_dtype)))


@pytest.mark.parametrize("options, dtype", [(dict(dtype="float16"), "float16"), (dict(dtype="bfloat16"), "bfloat16"),
                                            (dict(), "float32"), (dict(policy="mixed_float16"), "float16")])
def test_p_keep_in_the_compute_dtype(traced, options, dtype):
    trace = traced(rate="0.3", shape="None,4", **options)
    p = trace.facts.probabilities
    assert trace.facts.compute_dtype == dtype == trace.tensors["random"].dtype.name
    assert p.p_keep == grid_p_keep(dtype, 0.3)
    if dtype != "float32":
        assert p.p_keep != 0.7 and f"not 1 - rate = 0.7" in idea(trace, "keep_mask")
    assert trace.check.passed


def test_p_keep_known_values(traced):
    assert traced(rate="0.3", shape="None,4", dtype="float16").facts.probabilities.p_keep == 0.69921875
    assert traced(rate="0.3", shape="None,4", dtype="bfloat16").facts.probabilities.p_keep == 0.6953125
    f32 = traced(rate="0.3", shape="None,4").facts.probabilities.p_keep
    assert Fraction(f32) == 1 - Fraction(int(np.ceil(float(np.float32(0.3)) * 2**23)), 2**23)


def test_layer_dtype_none_autocasts_to_the_policy(traced):
    trace = traced(rate="0.3", shape="None,4", dtype="float16", layer_dtype="none")
    assert trace.facts.compute_dtype == "float32"  # Keras cast the float16 input to its float32 policy
    assert "cast x to float32" in " ".join(narrate.notes(trace.facts))
    assert trace.check.passed


# 9. A rate tensor divides; nothing on screen may say it multiplies by scale.
def test_rate_tensor_says_divide(traced):
    trace = traced(rate="0.3", shape="None,4", api="tf.nn.dropout", rate_tensor=True)
    assert trace.facts.rate_is_tensor and trace.stage("rate").value("scale") is None
    for key in ("rate", "output"):
        assert "x / (1 - rate)" in idea(trace, key) and "multiplied by scale" not in idea(trace, key)


# 10. Rate 0: the training flag is on, and the layer still returns its input.
def test_rate_zero_does_not_switch_dropout_on(traced):
    trace = traced(rate="0", shape="None,4")
    assert trace.facts.training is True and not trace.facts.dropped
    assert narrate.value_note(trace.stage("call"), "training", trace.facts) == "on, but rate 0 returns the input"
    assert "rate is 0" in idea(trace, "call")


# 11. graph --no-training: no Shape op because nothing was drawn, not because sizes were known.
def test_graph_without_training_says_nothing_was_drawn(tf, capsys):
    assert main(["graph", "--no-training"]) == 0
    words = " ".join(capsys.readouterr().out.split())
    assert "the call drew nothing" in words and "every size was known" not in words


# 12. compare: spatial1d differs from keras by its noise shape, not its seed.
def test_compare_names_the_noise_shape(tf):
    from dropout_trace.compare import compare
    from dropout_trace.narrate.compare import noise
    from dropout_trace.spec import build_spec

    c = compare(build_spec(rate="0.3", shape="None,2,3", batch=2))
    lines = [narrate.compare_difference(d) for d in c.differences]
    assert not any("seeded differently (seed [42, 0] vs seed [42, 0])" in d for d in lines)
    spatial = next(e for e in c.entries if e.label == "spatial1d")
    keras = next(e for e in c.entries if e.label == "keras")
    assert spatial.noise == (2, 1, 3) and keras.noise == (2, 2, 3)
    assert noise(spatial.noise) == "[2, 1, 3]"
    if not np.array_equal(spatial.mask, keras.mask):
        assert any("different noise shapes" in d for d in lines)


# 13. A landmark the installed version lacks is a state of its own, named with the version; exit 5.
def test_missing_landmark_is_said_and_exits_nonzero(tf, capsys, monkeypatch):
    from dropout_trace import apis
    from dropout_trace.spec import build_spec
    from dropout_trace.trace import trace_run

    table = dict(apis.LANDMARKS, **{"tf._get_noise_shape": ("tensorflow.python.ops.nn_ops", "_renamed_noise")})
    trace = trace_run(build_spec(rate="0.3", shape="None,4"), table)
    stage = trace.stage("noise_shape")
    assert stage.status == "missing" and tf.__version__ in stage.missing
    assert any("_renamed_noise" in m for m in trace.facts.missing)
    monkeypatch.setitem(apis.LANDMARKS, "tf._get_noise_shape", ("tensorflow.python.ops.nn_ops", "_renamed_noise"))
    assert main(["run", "--rate", "0.3", "--shape", "None,4"]) == ExitStatus.MISSING == 5
    assert "missing" in capsys.readouterr().out


def test_versions_lists_every_landmark_and_local(tf, capsys):
    from dropout_trace.apis import LANDMARKS, LOCALS

    assert main(["versions", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    listed = {m["landmark"]: m for m in data["landmarks"]}
    assert set(listed) == set(LANDMARKS)
    assert all(m["found"] for m in listed.values())
    assert [n["name"] for n in listed["tf._dropout"]["locals"]] == list(LOCALS["tf._dropout"])


# 14. Seeds as the library takes them.
def test_seed_beyond_int32_shows_the_floormod(tf, traced):
    trace = traced(rate="0.3", shape="None,4", seed=2147483653)
    expected = 2147483653 % (2**31 - 2)  # _cast_seed: floormod(seed, int32.max - 1)
    assert trace.facts.seed_cast_changed and trace.facts.seed_passed == [expected, 0]
    assert f"2147483653 became {expected}" in idea(trace, "seed")
    assert trace.check.passed


@pytest.mark.parametrize("api", ["keras", "tf.nn.dropout", "tf-keras", "stateless"])
def test_negative_seed_passes_the_check(traced, api):
    assert traced(rate="0.3", shape="None,4", seed=-1, api=api).check.passed


def test_unseeded_layer_replays_from_the_seed_it_drew(traced):
    trace = traced(rate="0.3", shape="None,4", seed="none")
    drawn = int(trace.calls[0].state_before[0])
    assert trace.check.passed and trace.check.fresh_layer_equal and trace.check.reference_seed == drawn
    assert f"seed {drawn}, the one the layer drew" in text_of(trace)


# 15. tf.nn.dropout with noise_shape [None, 1] inside tf.function: TensorFlow's own refusal, explained; exit 4.
def test_library_refusal_is_a_result(tf, capsys):
    status = main(["run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,1"])
    assert status == ExitStatus.REFUSED == 4
    out = " ".join(capsys.readouterr().out.split())
    fn = tf.function(lambda x: tf.nn.dropout(x, 0.3, noise_shape=[None, 1], seed=1),
                     input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    with pytest.raises(ValueError) as raised:  # independently: the same call, outside the tool
        fn.get_concrete_function()
    message = [line.strip() for line in str(raised.value).splitlines() if line.strip()][-1]
    assert message in out  # TensorFlow's own words
    assert "fills a None in noise_shape only from x's static shape" in out
    assert "_get_noise_shape" in out  # the trace up to the refusal is shown
    # Where: the innermost landmark the exception passed through, and its line in the installed file.
    import inspect
    import re

    from tensorflow.python.ops import random_ops

    where = re.search(r"raised in random_uniform at tensorflow/python/ops/random_ops.py:(\d+) `([^`]*)`", out)
    lines, start = inspect.getsourcelines(inspect.unwrap(random_ops.random_uniform))
    assert where and lines[int(where.group(1)) - start].strip() == where.group(2)


def test_json_schema_4(traced):
    from dropout_trace.render_json import trace_json

    data = json.loads(json.dumps(trace_json(traced(rate="0.3", shape="None,4", calls=2))))
    assert data["schema_version"] == 4 and data["tool_version"] and data["trace_count"] == 1
    assert [c["seed_state_before"] for c in data["calls"]] == [[42, 0], [42, 1]]
    assert set(data["probabilities"]) >= {"compute_dtype", "rate_in_dtype", "scale_in_dtype", "p_keep",
                                          "expected_output_ratio"}
    assert {s["status"] for s in data["stages"]} == {"ran"}
    seed, tensors = data["stages"][1]["values"], data["tensors"]
    assert seed["state_after"]["static"] is None
    assert tensors[seed["state_after"]["runtime"]["tensor"]]["values"] == [42, 1]
    assert seed["state_while_tracing"]["static"]["value"] == [42, 0]
    assert [tensors[name]["values"] for name in seed["state_before"]["runtime"]["calls"]] == [[42, 0], [42, 1]]
    stateless = json.loads(json.dumps(trace_json(traced(rate="0.3", shape="None,4", api="stateless", calls=2))))
    assert all(c["seed_state_before"] is None for c in stateless["calls"])


# Found by reading every sentence of a matrix of runs against the installed source.
def test_tf_keras_legacy_eager_hands_out_a_new_op_seed_per_call(traced):
    trace = traced(rate="0.3", shape="None,4", api="tf-keras", rng="legacy", eager=True, calls=3)
    seeds = [c.seed_used.tolist() for c in trace.calls]
    assert seeds == [[42, 42], [42, 43], [42, 44]]  # make_legacy_seed: self._seed += 1 on each eager call
    assert "each call got a new op seed" in " ".join(narrate.calls_summary(trace.facts))


def test_tf_keras_noise_shape_is_a_packed_tensor_not_a_shape_op(traced):
    trace = traced(rate="0.3", shape="None,4", api="tf-keras", noise_shape="None,1")
    assert trace.facts.noise_source == "tensor" and not trace.facts.noise_tensor.startswith("Shape")
    assert "a Shape op" not in idea(trace, "noise_shape") + narrate.in_short(trace.facts)


def test_rate_zero_reference_does_not_speak_of_a_seed_generator(traced, keras):
    trace = traced(rate="0", shape="None,4")
    assert not hasattr(keras.layers.Dropout(0, seed=42), "seed_generator")  # rate 0 builds none
    rows = " ".join(text for _, text in narrate.check_rows(trace.facts, trace.check))
    assert "SeedGenerator" not in rows and "the input, unchanged" in rows


def test_unseeded_stateful_op_shows_no_invented_seed(traced):
    trace = traced(rate="0.3", shape="None,4", api="tf.nn.dropout", seed="none")
    assert trace.check.fresh_layer_equal is None
    used = trace.calls[0].seed_used  # other tests in this process may have set a global seed
    if used is None:
        assert "seed=0, seed2=0" in idea(trace, "seed")
    else:
        assert narrate.listed(used) in idea(trace, "seed") and "global seed" in idea(trace, "seed")
    assert "-1" not in str(used)


def _graph_calls(tf, fn, x, n=3):
    f = tf.function(fn, input_signature=[tf.TensorSpec([None, *x.shape[1:]], x.dtype)])
    return [f(x).numpy() for _ in range(n)]


@pytest.mark.parametrize("group", ["spatial1d", "tf-keras stateless", "tf-keras stateful", "v1", "stateless"])
def test_three_calls_match_an_independent_reference(tf, traced, group):
    """--calls 3 for the other API groups, against the public ops called three times through one tf.function."""
    options = {"spatial1d": dict(api="spatial1d", shape="None,3,4"),
               "tf-keras stateless": dict(api="tf-keras", rng="stateless"),
               "tf-keras stateful": dict(api="tf-keras", rng="stateful"),
               "v1": dict(api="tf.compat.v1.nn.dropout", rate=None, keep_prob="0.7"),
               "stateless": dict(api="stateless")}[group]
    trace = traced(**({"rate": "0.3", "shape": "None,4", "calls": 3} | options))
    x = tf.constant(trace.tensors["input"])
    if group == "spatial1d":  # the SeedGenerator moves per call; the noise shape is (batch, 1, channels)
        expected = [tf.nn.experimental.stateless_dropout(x, 0.3, seed=[42, i], noise_shape=[3, 1, 4]).numpy()
                    for i in range(3)]
    elif group in ("tf-keras stateless", "stateless"):  # a constant seed [42, 0]
        expected = [tf.nn.experimental.stateless_dropout(x, 0.3, seed=[42, 0]).numpy()] * 3
    elif group == "tf-keras stateful":
        gen = tf.random.Generator.from_seed(42, alg=tf.random.Algorithm.AUTO_SELECT)
        expected = _graph_calls(tf, lambda v: tf.nn.experimental.general_dropout(v, 0.3, uniform_sampler=gen.uniform), x)
    else:
        tf.random.set_seed(42)
        expected = _graph_calls(tf, lambda v: tf.compat.v1.nn.dropout(v, keep_prob=0.7, seed=42), x)
    assert all(bits_equal(e, c.output) for e, c in zip(expected, trace.calls))
    repeats = group in ("tf-keras stateless", "stateless")
    assert trace.facts.masks_repeat is repeats and trace.check.passed
