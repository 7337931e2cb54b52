"""Rate 1 from recorded snapshots, no TensorFlow: each fact is read back from the snapshot's own captures."""

import numpy as np

from dropout_trace import narrate
from dropout_trace.render_json import trace_json

from test_snapshots import recorded

LATER = ("seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask", "output")


def test_keras_rate_one_stops_at_the_backends_return_of_zeros():
    trace = recorded("keras_rate1")
    snap, f, c = trace.snapshot, trace.facts, trace.check
    backend = snap.first("keras.backend.dropout")
    lm = snap.landmarks["keras.backend.dropout"]
    returned = [n for n in backend.lines if n in lm.returns]
    assert f.stopped.line == returned[-1] and "zeros_like" in lm.line(f.stopped.line)
    assert all(trace.stage(k).status == "not_reached" for k in LATER)
    assert snap.first("tf._dropout") is None and snap.first("keras.draw_seed") is None
    for call in snap.calls:  # each call's captured output: zeros in the input's shape and dtype
        assert call.random is None and call.output.shape == snap.input.shape and not call.output.any()
    assert np.array_equal(snap.fresh, snap.calls[0].output)
    assert f.zeroed and not f.dropped and f.zeros_out == snap.calls[0].output.size
    assert c.passed and c.zeroed and c.kept == 0 and c.kept_fraction == 0.0
    words = " ".join(narrate.check_rows(f, c)[1][1].split()) + narrate.in_short(f) + narrate.in_short_brief(f)
    assert "zeros" in words and "unchanged" not in words
    assert trace_json(trace)["check"]["zeroed"] is True


def test_tf_keras_rate_one_is_tensorflows_refusal_in_dropout():
    trace = recorded("tf_keras_rate1")
    r = trace.facts.refusal
    assert r is not None and r.landmark == "tf._dropout" and r.type == "ValueError"
    lm = trace.snapshot.landmarks["tf._dropout"]
    assert "rate >= 1" in lm.line(r.line - 1) and "range [0, 1)" in r.message  # TF's check and its words
    assert "training=" not in r.message  # not tf-keras's wrapper, which ends by listing the call's arguments
    assert trace.check is None and narrate.refusal(trace.facts)[0].startswith("ValueError: `rate`")
