"""explain precision, xla, graph-ops and versions: each fact against plain TensorFlow/Keras run here."""

import dataclasses
import inspect
import json
import math
from importlib import metadata

import ml_dtypes
import numpy as np
import pytest

from dropout_trace import lessons
from dropout_trace.cli import main

from pages import page

RATE, SEED = 0.3, 42
NP = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32}


@pytest.fixture(scope="module")
def computed(tf):
    """Each topic's facts, computed once for the module."""
    cache = {}

    def get(topic: str):
        if topic not in cache:
            cache[topic] = lessons.compute(topic, lessons.Params(rate=RATE, seed=SEED)).facts
        return cache[topic]

    return get




def grid_of(tf, dtype: str) -> np.ndarray:
    """The values TensorFlow's own uniform sampler produces in dtype, read from 8192 real draws."""
    u = tf.random.stateless_uniform([8192], seed=[SEED, 0], dtype=getattr(tf, dtype)).numpy().astype(np.float64)
    return np.unique(u)


# -- precision --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, stored, p_keep", [("float16", 0.300048828125, 0.69921875),
                                                   ("bfloat16", 0.30078125, 0.6953125)])
def test_precision_grid_facts(tf, keras, computed, dtype, stored, p_keep):
    rows = {r.layer_dtype: r for r in computed("precision").rows}
    bits = int(ml_dtypes.finfo(NP[dtype]).nmant)
    draws = grid_of(tf, dtype)
    assert np.all(draws * 2**bits == np.floor(draws * 2**bits)) and draws.size <= 2**bits  # TF draws on the grid
    grid = (np.arange(2**bits, dtype=np.float64) / 2**bits).astype(NP[dtype])
    rate_d = NP[dtype](RATE)
    enumerated = float(np.mean(grid >= rate_d))  # every grid value, compared in the dtype itself
    assert float(tf.constant(RATE, dtype=getattr(tf, dtype)).numpy()) == float(rate_d) == stored
    assert enumerated == p_keep
    y = keras.layers.Dropout(RATE, seed=SEED, dtype=dtype)(tf.ones([256], dtype=dtype), training=True).numpy()
    scale = float(np.unique(y[y != 0].astype(np.float64))[0])
    for name in (dtype, f"mixed_{dtype}"):
        row, pr = rows[name], rows[name].probabilities
        assert keras.layers.Dropout(RATE, dtype=name).compute_dtype == row.compute_dtype == dtype
        assert (pr.rate_in_dtype, pr.p_keep, pr.grid_size) == (stored, p_keep, 2**bits)
        assert pr.scale_in_dtype == scale
        assert math.isclose(row.expected_output_ratio, enumerated * scale, rel_tol=1e-12)
    assert rows[f"mixed_{dtype}"].input_dtype == "float32"


def test_precision_measured_bias(tf, keras, computed):
    rows = {r.layer_dtype: r for r in computed("precision").rows}
    for name, dtype in (("bfloat16", "bfloat16"), ("mixed_float16", "float32")):
        row = rows[name]
        x = tf.ones([row.elements], dtype=dtype)
        y = keras.layers.Dropout(RATE, seed=SEED, dtype=name)(x, training=True).numpy().astype(np.float64)
        se = float(np.std(y) / math.sqrt(y.size))
        assert row.measured_ratio == float(np.mean(y))  # a fresh layer, same seed: the same draws
        assert math.isclose(row.standard_error, se, rel_tol=1e-9)
        assert abs(row.measured_ratio - row.expected_output_ratio) < 4 * se
    assert (1 - rows["bfloat16"].expected_output_ratio) / rows["bfloat16"].standard_error > 3
    assert rows["float32"].compute_dtype == "float32" and rows["float32"].probabilities.grid_size == 2**23


def test_precision_page(computed, capsys, monkeypatch):
    rows = {r.layer_dtype: r for r in computed("precision").rows}
    text = page("precision", capsys, monkeypatch)
    for number in ("0.300048828125", "0.69921875", "0.30078125", "0.6953125", "1,024", "128",
                   f"{rows['bfloat16'].measured_ratio:.5f}", f"{rows['bfloat16'].expected_output_ratio:.6f}"):
        assert number in text, number
    assert "bfloat16, mixed_bfloat16: E[output] is" in text and "resolves it" in text
    assert "dropout-trace run --rate 0.3 --shape None,4 --dtype bfloat16" in text


def test_precision_resolves_only_what_was_measured(tf, keras, computed, capsys, monkeypatch):
    """The distance on the page is (1 - measured) / SE from the real layer, not the exact bias over SE."""
    row = {r.layer_dtype: r for r in computed("precision").rows}["bfloat16"]
    y = keras.layers.Dropout(RATE, seed=SEED, dtype="bfloat16")(tf.ones([row.elements], dtype="bfloat16"),
                                                              training=True).numpy().astype(np.float64)
    measured = (1 - y.mean()) / (y.std() / math.sqrt(y.size))
    assert row.z_measured == pytest.approx(measured, rel=1e-9)
    assert f"{row.z_measured:.1f}" != f"{row.z_bias:.1f}"  # the two differ here: the page must pick measured
    text = page("precision", capsys, monkeypatch)
    assert f"resolves it, {measured:.1f} standard errors below 1" in text
    assert f"{row.z_bias:.1f} standard errors" not in text

    from dropout_trace.narrate.precision import page as words

    from dropout_trace.lessons.precision import Precision, Row
    from dropout_trace.probabilities import Probabilities

    # an exact bias of 9 SE, but a measurement only 2 SE below 1: nothing is resolved
    probs = Probabilities(compute_dtype="bfloat16", rate=RATE, rate_in_dtype=0.3, scale_in_dtype=1.4, grid_bits=7,
                          grid_size=128, p_keep=0.7, expected_output_ratio=0.991, grid_checked_on=0, off_grid=0)
    fake = Row(layer_dtype="bfloat16", input_dtype="bfloat16", compute_dtype="bfloat16", probabilities=probs,
               elements=100, output_dtype="bfloat16", measured_ratio=0.998, standard_error=0.001,
               expected_output_ratio=0.991, z_expected=3.0, z_bias=9.0, z_measured=2.0)
    said = " ".join(b.text for b in words(Precision(rate=RATE, rows=[fake]), lessons.Params()) if hasattr(b, "text"))
    assert "resolves" not in said and "does not resolve it: it lies 2.0 standard errors below 1" in said


# -- xla ----------------------------------------------------------------------------------------
def _differ(a, b) -> int:
    return int(np.count_nonzero(np.asarray(a) != np.asarray(b)))


def test_xla_facts(tf, keras, computed):
    f = computed("xla")
    assert f.alg.default == inspect.signature(tf.random.stateless_uniform).parameters["alg"].default
    assert f.alg.value == tf.random.Algorithm.AUTO_SELECT.value and f.alg.name == "AUTO_SELECT"
    assert f.alg.where.startswith("tensorflow/python/ops/stateless_random_ops.py:")

    def uniform(alg, jit):
        return tf.function(lambda: tf.random.stateless_uniform([3, 4], seed=[SEED, 0], alg=alg), jit_compile=jit)()

    def layer_out(jit):
        layer = keras.layers.Dropout(RATE, seed=SEED)
        fn = tf.function(lambda x: layer(x, training=True), jit_compile=jit)
        return fn(tf.ones([3, 4])).numpy(), fn

    try:
        compiled = {alg: uniform(alg, True) for alg in ("auto_select", "philox")}
    except Exception:  # no XLA here: the page must have said so
        assert f.xla_error and f.uniform is None
        return
    assert f.xla_error is None
    for alg in ("auto_select", "philox"):
        n = _differ(uniform(alg, False), compiled[alg])
        u = getattr(f.uniform, alg)
        assert (u.equal, u.differ, u.elements) == (n == 0, n, 12)
    assert f.regular_auto_is_philox == (_differ(uniform("auto_select", False), uniform("philox", False)) == 0)
    (regular, fn), (jitted, _) = layer_out(False), layer_out(True)
    assert f.dropout.differ == _differ(regular, jitted)
    assert f.dropout.regular_mask == (regular != 0).tolist()
    assert f.dropout.compiled_mask == (jitted != 0).tolist()
    assert f.dropout.regular_state == f.dropout.compiled_state == [[SEED, 0], [SEED, 1]]
    graph = fn.get_concrete_function(tf.ones([3, 4])).graph
    op = next(o for o in graph.get_operations() if o.type == "StatelessRandomUniformV2")
    assert f.layer_graph_alg == int(tf.make_ndarray(op.inputs[3].op.get_attr("value")))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(RATE)])
    model.compile()
    assert f.fit_default.jit_compile == bool(model.jit_compile)


def test_xla_page(computed, capsys, monkeypatch):
    f = computed("xla")
    text = page("xla", capsys, monkeypatch)
    assert "AUTO_SELECT" in text and "dropout-trace run --rate 0.3 --shape None,4" in text
    if f.xla_error:
        assert "XLA compile is unavailable here" in text
    else:
        assert f"{f.uniform.auto_select.differ} of 12" in text
        assert f"{f.dropout.differ} of 12 outputs differ" in text


def test_xla_same_mask_from_different_draws(tf, keras, capsys, monkeypatch):
    """At rate 0.95 the layer's uniforms differ under XLA; equal masks must not read as equal draws."""
    rate = 0.95

    def layer_run(jit):  # the layer's output and the uniform op of its own graph, returned as an output
        layer = keras.layers.Dropout(rate, seed=SEED)

        def call(x):
            y = layer(x, training=True)
            op = next(o for o in tf.compat.v1.get_default_graph().get_operations()
                      if o.type == "StatelessRandomUniformV2")
            return y, op.outputs[0]

        return [t.numpy() for t in tf.function(call, jit_compile=jit)(tf.ones([3, 4]))]

    try:
        (out, u), (out_jit, u_jit) = layer_run(False), layer_run(True)
    except Exception:
        pytest.skip("no XLA on this machine")
    f = lessons.compute("xla", lessons.Params(rate=rate, seed=SEED)).facts
    d = f.dropout
    assert d.draws.differ == _differ(u, u_jit) and d.differ == _differ(out, out_jit)
    assert (d.kept.regular, d.kept.compiled) == (int((out != 0).sum()), int((out_jit != 0).sum()))
    assert np.array_equal(out != 0, u >= np.float32(rate))  # the captured draws are the ones the mask came from
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    assert main(["explain", "xla", "--rate", str(rate), "--seed", str(SEED)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"its uniforms different {_differ(u, u_jit)} of 12" in text
    if _differ(out, out_jit) == 0 and _differ(u, u_jit) > 0:
        assert "gave the same mask with and without jit_compile" not in text
        assert f"drew different uniforms under jit_compile ({_differ(u, u_jit)} of 12 differ)" in text
        if not (out != 0).any():
            assert "masks agree only because every element was dropped both ways at rate 0.95" in text


def test_xla_page_without_xla_says_so():
    from dropout_trace.narrate import xla
    from dropout_trace.page import Say, Try

    from dropout_trace.lessons.xla import FirstUniforms, FitDefault, Xla

    facts = Xla(shape=[3, 4], alg=None, xla_error="InvalidArgumentError: no XLA JIT device", layer_graph_alg=None,
                fit_default=FitDefault(False, ["CPU"]), regular_auto_is_philox=True, uniform=None, dropout=None,
                first_uniforms=FirstUniforms([0.5] * 4, None))
    blocks = xla.page(facts, lessons.Params())
    assert any(isinstance(b, Say) and "unavailable" in b.text and "no XLA JIT" in b.text for b in blocks)
    assert isinstance(blocks[-1], Try)


# -- graph-ops ----------------------------------------------------------------------------------
def test_graph_ops_facts(tf, keras, computed):
    f = computed("graph-ops")
    layer = keras.layers.Dropout(RATE, seed=SEED)
    traces = []

    def call(x):
        traces.append(1)
        return layer(x, training=True)

    fn = tf.function(call, input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    types = [op.type for op in fn.get_concrete_function().graph.get_operations()]
    assert [op.type for op in f.ops] == types
    marked = {op.type: op.mark for op in f.ops if op.mark}
    assert marked == {"Shape": "shape", "StatelessRandomUniformV2": "random", "GreaterEqual": "compare",
                      "SelectV2": "select"}
    states, masks = [layer.seed_generator.state.numpy().tolist()], []
    for _ in range(3):
        masks.append((fn(tf.ones([3, 4])).numpy() != 0).tolist())
        states.append(layer.seed_generator.state.numpy().tolist())
    assert len(traces) == 1 == f.run.traces
    assert states == f.run.states == [[SEED, i] for i in range(4)]
    assert masks == f.run.masks and f.run.distinct_masks == len({str(m) for m in masks})
    assert f.run.state_while_tracing == [SEED, 0]


def test_graph_ops_page(computed, capsys, monkeypatch):
    f = computed("graph-ops")
    text = page("graph-ops", capsys, monkeypatch)
    shape = next(op.index for op in f.ops if op.type == "Shape")
    assert f"a graph of {len(f.ops)} ops" in text and f"{shape}:Shape" in text
    assert "[42, 0] -> [42, 1] -> [42, 2] -> [42, 3]" in text and "1 time" in text
    assert "dropout-trace graph --rate 0.3 --shape None,4 --seed 42" in text


# -- versions -----------------------------------------------------------------------------------
def test_versions_facts(tf, keras, computed):
    from tensorflow.python.ops import nn_ops

    f = computed("versions")
    json.dumps(dataclasses.asdict(f))  # JSON-able as it stands
    assert f.versions["tensorflow"] == tf.__version__ and f.versions["keras"] == keras.__version__
    assert f.versions["tf_keras"] == metadata.version("tf-keras")
    points = {d.topic: d for d in f.differences}
    dropout_src = inspect.getsource(nn_ops._dropout)
    assert points["how the mask is applied"].differs == ("where_v2(" in dropout_src)
    assert points["the scale"].differs == ("scale = 1 / keep_prob" not in dropout_src)
    keras3 = tf.keras.layers.Dropout.__module__.startswith("keras.")
    assert points["which Keras tf.keras is"].differs == keras3
    assert f.tf_keras_is.startswith("Keras 3" if keras3 else "Keras 2")
    from keras.src.backend.tensorflow import random as k3random

    noise_src = inspect.getsource(k3random._get_concrete_noise_shape)
    assert points["where tf.shape(x) is taken"].differs == ("tf.shape(inputs)" in noise_src)
    from tf_keras.src import backend as k2

    rg_src = inspect.getsource(k2.RandomGenerator.dropout)
    assert points["Keras 2's RandomGenerator.dropout"].differs == ("RNG_STATEFUL" in rg_src)


def test_versions_page(computed, capsys, monkeypatch):
    f = computed("versions")
    text = page("versions", capsys, monkeypatch)
    for d in f.differences:
        assert f"{'≠' if d.differs else '='} {d.topic}" in text
    n = sum(d.differs for d in f.differences)
    assert f"{n} of {len(f.differences)} points" in text
    assert f.versions["tensorflow"] in text and f.versions["keras"] in text
    assert "dropout-trace versions" in text
