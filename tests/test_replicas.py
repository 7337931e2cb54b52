"""`run --replicas N` and `explain replicas`: each replica's mask, checked against plain MirroredStrategy runs.

TensorFlow splits the CPU into logical devices only before it starts, and this session's TensorFlow
has started with one, so the replica runs happen in fresh processes, all launched at once.
"""

import json
import os
import subprocess
import sys

import pytest

from dropout_trace.cli import main

RATE, SEED = "0.3", "42"

# Plain TensorFlow/Keras, no dropout_trace: the masks each replica draws under MirroredStrategy.
# The start of a fresh process with TensorFlow's CPU split into two logical devices, and a strategy over them.
TWO_DEVICES = """
import contextlib, io, json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, tf_keras
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
"""

REFERENCE = TWO_DEVICES + """
x = tf.ones((3, 4))

def masks(make):
    with strategy.scope():
        layer = make()
    @tf.function
    def step(x):
        return strategy.run(lambda v: layer(v, training=True), args=(x,))
    return [(t.numpy() != 0).tolist() for t in strategy.experimental_local_results(step(x))]

out = {"keras": masks(lambda: keras.layers.Dropout(0.3, seed=42))}
for rng in ("stateless", "stateful", "legacy_stateful"):
    tf.random.set_seed(42)  # as the tool's tf-keras call does
    out[rng] = masks(lambda: tf_keras.layers.Dropout(0.3, seed=42, rng_type=rng))
from keras.src.backend.tensorflow.random import _get_concrete_noise_shape
for key, noise in (("noise_none", None), ("noise_batch", (1, 4)), ("noise_rows", (None, 1))):
    out[key] = masks(lambda: keras.layers.Dropout(0.3, noise_shape=noise, seed=42))
    # The noise shape each replica's Keras fills in at run time: its axis 0 is the draws down the rows.
    shape = tf.function(lambda x: strategy.run(lambda v: tf.convert_to_tensor(_get_concrete_noise_shape(v, noise)), args=(x,)))(x)
    out[key + "_shape"] = [t.numpy().tolist() for t in strategy.experimental_local_results(shape)]
print(json.dumps(out))
"""

NOISE = {"noise_none": [], "noise_batch": ["--noise-shape", "1,4"], "noise_rows": ["--noise-shape", "None,1"]}
RUNS = {  # name -> extra `run` options; each replica gets 3 rows, as the reference's x has
    "keras": ["--format", "json"],
    "stateless": ["--format", "json", "--api", "tf-keras", "--rng", "stateless"],
    "stateful": ["--format", "json", "--api", "tf-keras", "--rng", "stateful"],
    "legacy": ["--format", "json", "--api", "tf-keras", "--rng", "legacy"],
    "text": [],
    **{name: noise for name, noise in NOISE.items() if noise},  # as text, for the independent-mask count
    **{name + "_json": ["--format", "json", *noise] for name, noise in NOISE.items()},
}

# The tool's own CLI, several runs in one fresh process: its first `run --replicas 2` splits the CPU.
DRIVER = """
import contextlib, io, json, sys
from dropout_trace.cli import main
out = {}
for name, args in json.loads(sys.argv[1]).items():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(args)
    out[name] = [status, buf.getvalue()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def runs():
    """Two fresh processes at once: the plain-TensorFlow reference, and the tool's runs."""
    env = {**os.environ, "COLUMNS": "80", "TF_CPP_MIN_LOG_LEVEL": "3"}
    common = ["run", "--replicas", "2", "--rate", RATE, "--seed", SEED, "--shape", "None,4", "--batch", "3"]
    args = json.dumps({name: common + extra for name, extra in RUNS.items()})
    procs = {name: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for name, cmd in (("reference", [sys.executable, "-c", REFERENCE]),
                               ("tool", [sys.executable, "-c", DRIVER, args]))}
    done = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        done[name] = json.loads(stdout)
    return {"reference": done["reference"], **done["tool"]}


def _json(runs, name):
    status, stdout = runs[name]
    assert status == 0, stdout
    return json.loads(stdout)


def test_masks_match_plain_mirrored_strategy(runs):
    reference = runs["reference"]
    for name, ref in (("keras", "keras"), ("stateless", "stateless"), ("stateful", "stateful"),
                      ("legacy", "legacy_stateful")):
        data = _json(runs, name)
        reps = data["replicas"]
        assert [r["replica"] for r in reps] == [0, 1]
        assert [data["tensors"][r["keep_mask"]]["values"] for r in reps] == reference[ref], name
        assert all(r["check"]["passed"] and r["check"]["bit_exact"] for r in reps), name
        agree = reference[ref][0] == reference[ref][1]
        assert data["replicas_agree"] is agree
        assert [r["same_mask_as_replica_0"] for r in reps] == [True, agree]


def test_replicas_json_matches_its_schema(runs):
    """Each --replicas run's JSON, as the fresh process printed it: the run schema, identifier keys, the header."""
    from test_json_schema import check_document

    for name in ("keras", "stateless", "stateful", "legacy"):
        data = _json(runs, name)
        check_document("run", data)
        assert len(data["replicas"]) == 2 and all(data["tensors"][r["keep_mask"]] for r in data["replicas"])


def test_keras3_replicas_read_the_same_seed_state(runs):
    data = _json(runs, "keras")
    reps = data["replicas"]
    assert data["replicas_agree"] is True and data["replica_reason"] == "same_state"
    for r in reps:  # each replica's copy of the mirrored SeedGenerator state, and the seed it passed on
        assert r["seed_state_before"] == [42, 0] and r["seed_state_after"] == [42, 1]
        assert r["seed_used"] == [42, 0]
    assert data["tensors"][reps[1]["input"]]["values"][0][0] == 13.0  # replica 1 got rows 4-6: other samples


def test_tf_keras_legacy_hands_each_replica_its_own_op_seed(runs):
    data = _json(runs, "legacy")
    reps = data["replicas"]
    assert data["replica_reason"] == "op_seeds_differ"
    assert reps[0]["seed_used"] != reps[1]["seed_used"]
    assert [r["legacy_seed"] for r in reps] == [r["seed_used"][1] for r in reps]  # the op seed it handed out


def test_tf_keras_stateful_hashes_the_replica_into_its_key(runs):
    data = _json(runs, "stateful")
    reps = data["replicas"]
    assert data["replica_reason"] == "replica_key"
    assert reps[0]["key_in"] == reps[1]["key_in"] and reps[0]["key_out"] != reps[1]["key_out"]
    assert not reps[1]["same_draws_as_replica_0"]


def test_text_shows_every_replica(runs):
    status, stdout = runs["text"]
    assert status == 0, stdout
    block = stdout[stdout.index("Replicas"):stdout.index("In short")]
    assert "CPU:0" in block and "CPU:1" in block and "same" in block
    assert "share a mask" in block and "[42, 0]" in block
    assert max(len(line) for line in stdout.splitlines()) <= 80


@pytest.mark.parametrize("name", list(NOISE))
def test_independent_masks_of_the_global_batch_follow_noise_shape_and_replicas(runs, name):
    """Counted from plain MirroredStrategy: the draws down one replica's rows (axis 0 of the noise shape Keras
    fills in), once for all replicas when they drew the same masks, else once per replica."""
    import re

    ref, shapes = runs["reference"][name], runs["reference"][name + "_shape"]
    assert len({str(s) for s in shapes}) == 1
    same = all(m == ref[0] for m in ref)
    expected = shapes[0][0] * (1 if same else len(ref))
    data = _json(runs, name + "_json")
    reps = data["replicas"]
    assert [len(data["tensors"][r["keep_mask"]]["values"]) for r in reps] == [shapes[0][0]] * len(reps)
    assert [r["mask_rows"] for r in reps] == [shapes[0][0]] * len(reps)
    status, text = runs[name] if name in runs else runs["text"]
    assert status == 0, text
    said = re.search(r"only (\d+) independent masks? for its (\d+) samples", " ".join(text.split()))
    assert same and said is not None, text  # Keras 3's replicas share a mask, so the lesson is said
    assert (int(said[1]), int(said[2])) == (expected, 3 * len(ref))


def _glyphs(row) -> str:
    return "".join("●" if v else "○" for v in row)


def test_explain_replicas_page(tf, runs, capsys, tmp_path):
    from test_json_schema import check_document

    reference = runs["reference"]
    exported = tmp_path / "replicas.json"  # its JSON from the same run, checked as every command's is
    assert main(["explain", "replicas", "--export", str(exported)]) == 0
    text = capsys.readouterr().out
    data = json.loads(exported.read_text())
    check_document("explain", data)
    assert data["topic"] == "replicas"
    lines = text.splitlines()
    assert len(lines) <= 80 and max(len(line) for line in lines) <= 80
    # side by side: each replica's Keras 3 and tf-keras (default branch) mask rows, as plain TF drew them
    legacy = reference["legacy_stateful"]
    for keras_mask, tf_keras_mask in zip(reference["keras"], legacy):
        for a, b in zip(keras_mask, tf_keras_mask):
            assert any(_glyphs(a) in line and _glyphs(b) in line.split(_glyphs(a), 1)[1] for line in lines)
    assert "Both replicas drew the same mask" in text  # Keras 3, as the reference shows
    assert reference["keras"][0] == reference["keras"][1]
    assert ("replica 1 differs from replica 0" in text) == (legacy[0] != legacy[1])
    assert "[42, 0]" in text and "all 4 checks passed" in text


def test_usage_errors_are_one_line(tf, capsys):
    for extra, said in ((["--replicas", "1"], "outside 2..8"), (["--replicas", "9"], "outside 2..8"),
                        (["--replicas", "2", "--eager"], "--eager does not apply")):
        assert main(["run", "--rate", RATE, "--shape", "None,4", *extra]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1


def test_started_tensorflow_gives_a_clear_error(tf, capsys):
    """This session's TensorFlow has one CPU device: --replicas cannot split it now, and says so."""
    assert len(tf.config.list_logical_devices("CPU")) == 1
    assert main(["run", "--rate", RATE, "--shape", "None,4", "--replicas", "2"]) == 1
    err = capsys.readouterr().err
    assert "fresh process" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_without_replicas_nothing_changes(traced):
    from dropout_trace.render_json import trace_json

    trace = traced(rate=RATE, shape="None,4")
    data = trace_json(trace)
    assert data["replicas"] is None and data["replicas_agree"] is None
    assert trace.snapshot.replicas == () and trace.facts.replicas == ()
