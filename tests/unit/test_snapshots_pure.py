"""The TF-free half of tests/test_snapshots.py: recorded snapshots: stages, facts, narration, check and rendering run on them without TensorFlow."""

import pytest
from dropout_trace import snapshot_codec as snapshots
from dropout_trace.stages import build_trace
from test_snapshots import RECORDED, path  # noqa: F401  (fixtures among them)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_facts_from_a_recording(name):
    """Facts that follow from the recorded options alone, checked on the snapshot without running TF."""
    trace = build_trace(snapshots.load(path(name)))
    f, options = trace.facts, RECORDED[name]
    assert f.mode == ("eager" if options.get("eager") else "graph")
    sizes = len(str(options.get("batch", 3)).split(","))  # --batch 3,5: one call per size, --calls times over
    assert len(trace.calls) == options.get("calls", 1) * sizes or f.refusal is not None
    if f.mode == "graph" and f.refusal is None:
        assert f.trace_count >= 1
    if f.dropped:
        assert f.draws == trace.tensors["random"].size
        assert f.compute_dtype == trace.tensors["random"].dtype.name


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_a_recording_reads_back_to_the_text_it_was_read_from(name):
    """The JSON decodes and encodes to the same text: every array restored bit for bit (the writer checks
    each one), every record rebuilt from its class name."""
    text = path(name).read_text(encoding="utf-8")
    assert snapshots.dumps(snapshots.loads(text)) == text
