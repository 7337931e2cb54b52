"""Every Dropout entry point, in graph and eager mode, checked against its own public API."""

import numpy as np
import pytest

from dropout_trace.render_json import trace_json

from test_trace import STAGES, bits_equal

# (api options, landmark functions the chain must contain, shape)
CASES = {
    "keras": (dict(api="keras"), ["Dropout.call", "stateless_dropout", "_dropout"], "None,4"),
    "tf-keras": (dict(api="tf-keras"), ["RandomGenerator.dropout", "dropout_v2", "_dropout"], "None,4"),
    "tf-keras-stateless": (dict(api="tf-keras", rng="stateless"),
                           ["RandomGenerator.dropout", "stateless_dropout", "_dropout"], "None,4"),
    "tf-keras-stateful": (dict(api="tf-keras", rng="stateful"),
                          ["RandomGenerator.dropout", "general_dropout", "_dropout"], "None,4"),
    "tf-keras-legacy": (dict(api="tf-keras", rng="legacy"),
                        ["RandomGenerator.dropout", "dropout_v2", "_dropout"], "None,4"),
    "tf.nn.dropout": (dict(api="tf.nn.dropout"), ["dropout_v2", "_dropout"], "None,4"),
    "v1": (dict(api="tf.compat.v1.nn.dropout"), ["dropout", "dropout_v2", "_dropout"], "None,4"),
    "stateless": (dict(api="stateless"), ["stateless_dropout", "_dropout"], "None,4"),
    "spatial1d": (dict(api="spatial1d"), ["BaseSpatialDropout.call", "stateless_dropout", "_dropout"], "None,3,4"),
    "spatial2d": (dict(api="spatial2d"), ["BaseSpatialDropout.call", "stateless_dropout", "_dropout"],
                  "None,2,2,3"),
    "spatial3d": (dict(api="spatial3d"), ["BaseSpatialDropout.call", "stateless_dropout", "_dropout"],
                  "None,2,2,2,3"),
}


def reference(tf, keras, trace, options):
    """Each API's deterministic reference, called here through its public API, independently of the tool.

    Every path has one: Keras 3 and the spatial layers restart their SeedGenerator at [seed, 0];
    stateless dropout is a pure function of its seed; tf-keras stateless uses the constant seed
    [seed, 0]; tf-keras stateful builds tf.random.Generator.from_seed(seed); the stateful ops
    (tf.nn.dropout, v1 and tf-keras legacy) are reproducible once tf.random.set_seed(seed) resets
    the global seed and so the op's seed pair.
    """
    import tf_keras

    x = tf.constant(trace.tensors["input"])
    rate, seed, api = trace.rate, trace.seed, options["api"]
    if api == "keras":
        return keras.layers.Dropout(rate, seed=seed)(x, training=True)
    if api.startswith("spatial"):
        return getattr(keras.layers, f"SpatialDropout{api[7]}D")(rate, seed=seed)(x, training=True)
    if api == "tf-keras":
        rng = {"stateless": "stateless", "stateful": "stateful"}.get(options.get("rng"), "legacy_stateful")
        tf.random.set_seed(seed)
        return tf_keras.layers.Dropout(rate, seed=seed, rng_type=rng)(x, training=True)
    if api == "tf.nn.dropout":
        tf.random.set_seed(seed)
        return tf.nn.dropout(x, rate=rate, seed=seed)
    if api == "tf.compat.v1.nn.dropout":
        tf.random.set_seed(seed)
        return tf.compat.v1.nn.dropout(x, keep_prob=1 - rate, seed=seed)
    return tf.nn.experimental.stateless_dropout(x, rate=rate, seed=[seed, 0])


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_api_trace(tf, keras, traced, case, eager):
    options, landmarks, shape = CASES[case]
    trace = traced(rate="0.3", shape=shape, eager=eager, **options)
    data = trace_json(trace)
    assert [s["name"] for s in data["stages"]] == STAGES
    t = trace.tensors
    # The JSON invariants of the core: keep_mask == random >= rate, and the output recomputes bit-exact.
    rate = float(np.asarray(data["stages"][3]["values"]["rate"]["runtime"]["python"]))
    keep = t["random"] >= np.asarray(rate, dtype=t["random"].dtype)
    assert np.array_equal(t["keep_mask"], keep)
    scale = np.asarray(1 / (1 - rate), dtype=t["input"].dtype)
    expected = np.where(np.broadcast_to(keep, t["input"].shape), t["input"] * scale, 0).astype(t["input"].dtype)
    assert bits_equal(expected, t["output"])
    assert data["check"]["bit_exact"] and data["check"]["passed"]
    # The chain holds this API's landmark functions from the installed version, in order.
    names = [f["function"] for f in data["chain"]]
    positions = [names.index(n) for n in landmarks]
    assert positions == sorted(positions), names
    # The public API, called again from scratch, gives the same output.
    assert bits_equal(reference(tf, keras, trace, options).numpy(), t["output"])
    # Stateless paths carry the [2] seed; stateful ones the global and op seeds.
    if options["api"] in ("tf.nn.dropout", "tf.compat.v1.nn.dropout") or options.get("rng") in (None, "legacy") \
            and options["api"] == "tf-keras":
        assert data["tensors"]["global_seed"]["values"] == 42 and data["tensors"]["op_seed"]["values"] == 42
    elif options.get("rng") != "stateful":
        assert data["tensors"]["seed"]["values"] == [42, 0]
    if not eager:
        assert trace.stage("noise_shape").static_shape[0] is None


@pytest.mark.parametrize("api, axes", [("spatial1d", (1,)), ("spatial2d", (1, 2)), ("spatial3d", (1, 2, 3))])
def test_spatial_mask_is_constant_across_spatial_axes(traced, api, axes):
    shape = {"spatial1d": "None,5,4", "spatial2d": "None,3,3,4", "spatial3d": "None,2,3,2,4"}[api]
    trace = traced(rate="0.5", shape=shape, api=api, batch=4)
    mask = trace.tensors["keep_mask"]
    for axis in axes:
        assert mask.shape[axis] == 1  # one draw per (sample, channel), shared along the spatial axes
    stage = trace.stage("noise_shape")
    assert [stage.dynamic_shape[a] for a in axes] == [1] * len(axes)
    assert any(v.key == "layer_noise_shape" for v in stage.values)  # the layer computed it


@pytest.mark.parametrize("api", ["keras", "tf-keras", "tf.nn.dropout", "tf.compat.v1.nn.dropout", "stateless"])
def test_rate_zero_fast_path(traced, api):
    trace = traced(rate="0", shape="None,4", api=api)
    assert bits_equal(trace.tensors["output"], trace.tensors["input"])
    assert not trace.stage("uniform").reached and trace.check.passed
    where = trace.stage("output").stopped  # a fact: the last `return` that ran, read from the snapshot
    if api in ("keras", "tf-keras"):
        assert where.function == "Dropout.call"  # the layer's own shortcut
    else:
        assert where.function == "_dropout" and where.source == "return x"  # _dropout's fast path


@pytest.mark.parametrize("api", ["keras", "tf-keras", "spatial1d"])
def test_no_training_returns_the_input(traced, api):
    shape = "None,3,4" if api == "spatial1d" else "None,4"
    trace = traced(rate="0.5", shape=shape, api=api, training=False)
    assert bits_equal(trace.tensors["output"], trace.tensors["input"])
    assert trace.stage("call").reached and not trace.stage("seed").reached
    assert trace.stage("seed").status == "not_reached" and trace.stage("seed").stopped.function.endswith("call")
    assert trace.check.passed


@pytest.mark.parametrize("api", ["tf.nn.dropout", "tf.compat.v1.nn.dropout", "stateless"])
@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_rate_tensor_takes_the_tensor_branch(tf, traced, api, eager):
    trace = traced(rate="0.3", shape="None,4", api=api, rate_tensor=True, eager=eager, dtype="float16")
    rate = trace.stage("rate").value("rate")
    assert rate.dtype == "float16"  # a tensor, cast to x's dtype
    assert trace.stage("rate").value("scale") is None  # the float branch's scale never ran
    t = trace.tensors
    r = rate.value
    expected = np.where(t["keep_mask"], t["input"] / (np.float16(1) - r), 0).astype(np.float16)
    assert bits_equal(expected, t["output"]) and trace.check.passed


def test_v1_keep_prob_becomes_rate(traced):
    trace = traced(rate=None, keep_prob="0.7", shape="None,4", api="tf.compat.v1.nn.dropout")
    stage = trace.stage("call")
    assert stage.value("keep_prob").data == 0.7
    assert stage.value("rate_from_keep_prob").data == 1.0 - 0.7  # 0.30000000000000004, in Python floats
    assert trace.check.passed
