"""compare and versions: grouping and explanations checked against the public APIs and the installed source."""

import inspect
import json

import numpy as np

from dropout_trace.cli import main
from dropout_trace import narrate
from dropout_trace.compare import compare
from dropout_trace.spec import build_spec


def test_compare_groups_masks_by_sampler_and_seed(tf):
    c = compare(build_spec(rate="0.3", shape="None,4", seed=42))
    groups = {g.labels: g for g in c.groups}
    stateless = ("keras", "tf-keras stateless", "stateless")
    stateful = ("tf-keras legacy", "tf.nn.dropout", "tf.compat.v1.nn.dropout")
    assert set(stateless) <= set(next(k for k in groups if "keras" in k))
    assert set(stateful) <= set(next(k for k in groups if "tf.nn.dropout" in k))
    masks = {e.label: e.mask for e in c.entries if e.mask is not None}
    # Independently of the tool: the stateless sampler with seed [42, 0], and the stateful one after set_seed.
    expected = tf.random.stateless_uniform([3, 4], seed=[42, 0]).numpy() >= np.float32(0.3)
    assert np.array_equal(masks["keras"], expected)
    tf.random.set_seed(42)
    expected = tf.random.uniform([3, 4], seed=42).numpy() >= np.float32(0.3)
    assert np.array_equal(masks["tf.nn.dropout"], expected)
    assert not np.array_equal(masks["keras"], masks["tf.nn.dropout"])
    reasons = " ".join(narrate.compare_reason(g) for g in c.groups)
    assert "seed [42, 0]" in reasons and "(global, op) seeds (42, 42)" in reasons
    assert any(d.kind == "sampler" for d in c.differences)
    assert {e.label for e in c.entries if e.skipped} == {"spatial1d", "spatial2d", "spatial3d"}


def test_compare_includes_spatial_for_its_rank(tf):
    c = compare(build_spec(rate="0.5", shape="None,2,3", batch=2))
    spatial = next(e for e in c.entries if e.label == "spatial1d")
    assert spatial.mask is not None and (spatial.mask == spatial.mask[:, :1, :]).all()


def test_compare_cli_json(capsys):
    assert main(["compare", "--rate", "0.5", "--seed", "7", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(e["check"] for e in data["entries"] if e["check"] is not None)
    assert data["groups"] and data["differences"]


def test_versions_reads_the_installed_source(tf, capsys):
    from tensorflow.python.ops import nn_ops

    assert main(["versions", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["versions"]["tensorflow"] == tf.__version__
    assert all(a["available"] for a in data["apis"])
    mask = next(d for d in data["differences"] if d["topic"] == "how the mask is applied")
    uses_where = "where_v2(keep_mask" in inspect.getsource(inspect.unwrap(nn_ops._dropout))
    assert mask["differs"] == uses_where and ("where_v2" in mask["installed"]) == uses_where
    assert main(["versions"]) == 0
    assert "Compared with the TF 2.9" in capsys.readouterr().out


def test_versions_says_which_keras_tf_keras_is(tf, capsys):
    assert main(["versions", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    which = next(d for d in data["differences"] if d["topic"] == "which Keras tf.keras is")
    module = tf.keras.layers.Dropout.__module__  # independently: where tf.keras's Dropout lives
    assert module in which["installed"] and which["differs"] == module.startswith("keras.")
