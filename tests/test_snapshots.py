"""Recorded snapshots: stages, facts, narration, check and rendering run on them without TensorFlow."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dropout_trace import snapshot_codec as snapshots
from dropout_trace.stages import build_trace

from regen import REGEN

HERE = Path(__file__).parent / "snapshots"
# One per entry point and per kind of run the narration branches on.
RECORDED = {
    "keras_none4": dict(rate="0.3", shape="None,4"),
    "keras_calls3": dict(rate="0.3", shape="None,4", calls=3),
    "keras_eager_bf16": dict(rate="0.3", shape="2,3", eager=True, dtype="bfloat16"),
    "keras_noise_rows": dict(rate="0.5", shape="None,3", noise_shape="None,1", batch=4),
    "keras_rate0": dict(rate="0", shape="None,4"),
    "keras_rate1": dict(rate="1", shape="None,4", calls=2),
    "tf_keras_rate1": dict(rate="1", shape="None,4", api="tf-keras"),
    "keras_random_calls3": dict(rate="0.3", shape="None,4", api="keras.random.dropout", calls=3),
    "tf_keras_stateful": dict(rate="0.3", shape="None,4", api="tf-keras", rng="stateful", calls=2),
    "tf_keras_stateless": dict(rate="0.3", shape="None,4", api="tf-keras", rng="stateless"),
    "tf_keras_legacy": dict(rate="0.3", shape="None,4", api="tf-keras", rng="legacy"),
    "tf_nn": dict(rate="0.3", shape="None,4", api="tf.nn.dropout"),
    "tf_nn_refused": dict(rate="0.3", shape="None,4", api="tf.nn.dropout", noise_shape="None,1"),
    "v1": dict(rate=None, keep_prob="0.7", shape="None,4", api="tf.compat.v1.nn.dropout"),
    "stateless_rate_tensor": dict(rate="0.3", shape="None,4", api="stateless", rate_tensor=True, dtype="float16"),
    "spatial2d": dict(rate="0.5", shape="None,2,2,3", api="spatial2d"),
    "keras_rank3": dict(rate="0.3", shape="None,2,3", batch=2, input="ones"),
    "keras_large": dict(rate="0.3", shape="None,40", batch=30, input="normal"),
    "keras_batches": dict(rate="0.3", shape="None,4", batch="3,5"),
    "keras_grad": dict(rate="0.3", shape="None,4", grad=True, upstream="range"),
    "keras_grad_eager_noise": dict(rate="0.5", shape="None,3", noise_shape="None,1", eager=True, grad=True,
                                   upstream="normal"),
    "keras_grad_f16": dict(rate="0.3", shape="None,4", dtype="float16", grad=True),
    "keras_grad_rate0": dict(rate="0", shape="None,4", grad=True),
    "keras_grad_rate1": dict(rate="1", shape="None,4", grad=True),
    "tf_nn_grad_rate_tensor": dict(rate="0.3", shape="None,4", api="tf.nn.dropout", rate_tensor=True, grad=True),
}


def recorded(name: str):
    """The Trace built from a recorded snapshot: no TensorFlow needed."""
    return build_trace(snapshots.load(path(name)))


def path(name: str) -> Path:
    return HERE / f"{name}.json"


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_snapshot_matches_a_fresh_run(tf, name):
    """A fresh capture builds the same facts as the recorded one; DROPOUT_TRACE_REGEN=1 records anew."""
    from dropout_trace.spec import build_spec
    from dropout_trace.trace import capture

    fresh = capture(build_spec(**RECORDED[name]))
    if REGEN:
        snapshots.save(fresh, path(name))
    assert path(name).exists(), f"no snapshot {name}; record it with DROPOUT_TRACE_REGEN=1"
    old = snapshots.load(path(name))
    if old.versions != fresh.versions:
        message = f"{name} was recorded with {old.versions}; regenerate with DROPOUT_TRACE_REGEN=1"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    a, b = build_trace(old), build_trace(fresh)
    assert a.facts == b.facts
    assert [s.status for s in a.stages] == [s.status for s in b.stages]


PURE = """
import sys
from pathlib import Path
from dropout_trace import narrate, snapshot_codec as snapshot  # narrate too: it must load without TF
from dropout_trace.stages import build_trace
from dropout_trace.render import make_console, render_trace
from dropout_trace.render_json import dumps
import io
for p in sorted(Path(sys.argv[1]).glob("*.json")):
    trace = build_trace(snapshot.load(p))
    render_trace(trace, make_console(io.StringIO(), width=100, color=False))
    dumps(trace)
    refused = trace.facts.refusal is not None
    assert refused or trace.check.passed, p.name  # the bit-exact recomputation is pure numpy
    print(p.stem, "refused" if refused else "passed")
assert "tensorflow" not in sys.modules and "keras" not in sys.modules and "tf_keras" not in sys.modules
"""


def test_narration_and_rendering_need_no_tensorflow():
    result = subprocess.run([sys.executable, "-c", PURE, str(HERE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    done = dict(line.split() for line in result.stdout.splitlines())
    assert set(done) == set(RECORDED)
    assert done["tf_nn_refused"] == "refused" and done["tf_keras_rate1"] == "refused"


