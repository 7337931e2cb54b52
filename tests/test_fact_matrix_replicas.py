"""The fact matrix's --replicas runs: every layer API and RNG branch × noise shapes (none, shared batch, shared
feature) under `--replicas 2`, each fact the Replicas section words recomputed from plain MirroredStrategy.

TensorFlow splits the CPU into logical devices only before it starts, so all of it runs in one fresh process:
for each case, the tool (`run ... --format json`, in process) and then the same layer built and called by plain
TensorFlow/Keras under a MirroredStrategy over two CPU devices. The features are 64 wide and each replica gets 32
rows, so two independent draws give the same mask with a chance under 1e-7: equal masks mean equal draws.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from matrix_cases import replica_cases
from test_replicas import TWO_DEVICES

WIDTH, ROWS = 64, 32
CASES = replica_cases()


def wide(argv: list[str]) -> list[str]:
    """The case's command with a last axis of WIDTH (rank-2 layers) and ROWS rows per replica."""
    out = list(argv)
    for flag in ("--shape", "--noise-shape"):
        if flag in out:
            i = out.index(flag) + 1
            dims = out[i].split(",")
            if len(dims) == 2 and dims[-1] == "4":
                out[i] = ",".join([dims[0], str(WIDTH)])
    return out + ["--batch", str(ROWS), "--values", "full", "--format", "json"]


def _noise(case) -> list | None:
    _, noise = case.shapes()
    if noise is None:
        return None
    dims = [None if d == "None" else int(d) for d in noise.split(",")]
    return dims[:-1] + [WIDTH] if len(dims) == 2 and dims[-1] == 4 else dims


def _shape(case) -> list:
    dims = [None if d == "None" else int(d) for d in case.shapes()[0].split(",")]
    return [ROWS, *dims[1:-1], WIDTH if len(dims) == 2 else dims[-1]]


# One fresh process: for each case, the tool in process, then plain MirroredStrategy (no dropout_trace in it).
DRIVER = TWO_DEVICES + """
from dropout_trace.cli import main

SPATIAL = {"spatial1d": keras.layers.SpatialDropout1D, "spatial2d": keras.layers.SpatialDropout2D,
           "spatial3d": keras.layers.SpatialDropout3D}

def make(api, rng, noise):
    if api == "keras":
        return keras.layers.Dropout(0.3, noise_shape=noise and tuple(noise), seed=42)
    if api in SPATIAL:
        return SPATIAL[api](0.3, seed=42)
    tf.random.set_seed(42)  # as the tool's tf-keras call does
    extra = {"rng_type": "legacy_stateful" if rng == "legacy" else rng} if rng else {}
    return tf_keras.layers.Dropout(0.3, noise_shape=noise and tuple(noise), seed=42, **extra)

def states(layer):
    gen = getattr(layer, "seed_generator", None)
    if gen is None:
        return None
    var = gen.state.value  # the Keras Variable's tf.Variable: a MirroredVariable, one copy per replica
    return [v.numpy().tolist() for v in strategy.experimental_local_results(var)]

def plain(api, rng, noise, shape):
    with strategy.scope():
        layer = make(api, rng, noise)
    before = states(layer)
    step = tf.function(lambda x: strategy.run(lambda v: layer(v, training=True), args=(x,)))
    outs = strategy.experimental_local_results(step(tf.ones(shape)))
    return {"masks": [(t.numpy() != 0).tolist() for t in outs], "before": before, "after": states(layer)}

out = []
for case in json.loads(sys.argv[1]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(case["argv"])
    out.append({"status": status, "doc": buf.getvalue(),
                "plain": plain(case["api"], case["rng"], case["noise"], case["shape"])})
print(json.dumps(out))
"""

AGREE_REASONS = {"same_state", "constant_seed", "same_op_seeds", "same_draws"}
DIFFER_REASONS = {"replica_key", "op_seeds_differ", "unseeded_ops", "different_draws"}


@pytest.fixture(scope="module")
def ran(tf):
    cases = [{"argv": wide(c.argv()), "api": c.api, "rng": c.rng, "noise": _noise(c), "shape": _shape(c)}
             for c in CASES]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(cases)], capture_output=True, text=True,
                          env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_replica_matrix_has_every_layer_branch_and_noise_shape():
    assert len(CASES) >= 15
    assert {(c.api, c.rng) for c in CASES} >= {("keras", None), ("tf-keras", "legacy"), ("tf-keras", "stateful"),
                                                ("tf-keras", "stateless")}
    assert {c.noise for c in CASES if c.api == "keras"} == {"none", "batch", "feature"}


def disagreements(case, got) -> list[str]:
    """Every replica fact of one run the tool states otherwise than plain MirroredStrategy measured."""
    if got["status"] != 0:
        return [f"exit {got['status']}: {got['doc'][-500:]}"]
    doc, plain = json.loads(got["doc"]), got["plain"]
    reps, masks = doc["replicas"], [np.asarray(m) for m in plain["masks"]]
    wrong = []

    def eq(what, tool, measured):
        if tool != measured:
            wrong.append(f"{what}: tool {tool!r}, measured {measured!r}")

    eq("replicas", [r["replica"] for r in reps], list(range(len(masks))))
    noise = _noise(case)
    rows = 1 if noise is not None and noise[0] == 1 else ROWS  # the draws down one replica's rows
    for r, mask in zip(reps, masks):
        drawn = np.asarray(doc["tensors"][r["keep_mask"]]["values"], dtype=bool)
        eq(f"replica {r['replica']}: keep mask, broadcast", np.broadcast_to(drawn, mask.shape).tolist(), mask.tolist())
        eq(f"replica {r['replica']}: mask rows as drawn", r["mask_rows"], rows)
        same = bool((mask == masks[0]).all())
        eq(f"replica {r['replica']}: same mask as replica 0", r["same_mask_as_replica_0"], same)
        eq(f"replica {r['replica']}: same draws as replica 0", r["same_draws_as_replica_0"], same)
        eq(f"replica {r['replica']}: check passed", bool(r["check"] and r["check"]["passed"]), True)
    agree = all((m == masks[0]).all() for m in masks)
    eq("replicas agree", doc["replicas_agree"], agree)
    eq("the reason is one for agreeing masks", doc["replica_reason"] in AGREE_REASONS, agree)
    eq("the reason is one for differing masks", doc["replica_reason"] in DIFFER_REASONS, not agree)
    if plain["before"] is not None:  # a Keras 3 layer: each replica's copy of the mirrored SeedGenerator state
        eq("seed state before, per replica", [r["seed_state_before"] for r in reps], plain["before"])
        eq("seed state after, per replica", [r["seed_state_after"] for r in reps], plain["after"])
    return wrong


def test_replica_facts_agree_with_plain_mirrored_strategy(ran):
    """One test for all the runs: they share one fresh process, which a worker would otherwise start again."""
    found = {case.command: wrong for case, got in zip(CASES, ran) if (wrong := disagreements(case, got))}
    assert not found, "\n".join(f"{command}\n  " + "\n  ".join(lines) for command, lines in found.items())
    assert len({(r["doc"]) for r in ran}) == len(CASES)  # each run printed its own document
