"""The run view on recorded snapshots, no TensorFlow: golden text at a pinned width, each backed by checks
against the trace data; plumbing frames; large tensors summarised. tests/test_render.py runs the real
program."""

import io
import os
from pathlib import Path

import numpy as np
import pytest

from dropout_trace.render import DROPPED, KEPT, make_console, render_trace

from regen import REGEN
from test_snapshots import recorded

GOLDEN = Path(__file__).parent.parent / "golden"  # tests/golden
WIDTH = 100
CASES = {"none4": "keras_none4", "noise_rows": "keras_noise_rows", "rate0": "keras_rate0",
         "eager_bf16": "keras_eager_bf16", "rank3": "keras_rank3", "batches": "keras_batches"}


def render(trace, width=WIDTH, plumbing=False) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False), plumbing=plumbing)
    return out.getvalue()


def header(trace) -> str:
    v = trace.versions
    return (f"# golden for TensorFlow {v['tensorflow']} / Keras {v['keras']} / Python {v['python']}; "
            "regenerate: DROPOUT_TRACE_REGEN=1\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    trace = recorded(CASES[name])
    text = header(trace) + "\n".join(line.rstrip() for line in render(trace).splitlines()) + "\n"
    path = GOLDEN / f"run_{name}.txt"
    if REGEN:
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; make it with DROPOUT_TRACE_REGEN=1 python -m pytest"
    expected = path.read_text()
    if expected.splitlines()[0] != header(trace).rstrip():
        message = (f"{path.name} was made with other releases ({expected.splitlines()[0][2:]}); the test extra "
                   "pins them. Regenerate with DROPOUT_TRACE_REGEN=1 after an intended upgrade")
        if os.environ.get("CI"):  # CI installs the pinned releases: a mismatch there is a failure
            pytest.fail(message)
        pytest.skip(message)
    assert text == expected


def mask_rows(mask: np.ndarray) -> list[str]:
    return [" ".join(KEPT if v else DROPPED for v in row) for row in np.atleast_2d(mask)]


@pytest.mark.parametrize("name", ["none4", "noise_rows"])
def test_rendering_shows_the_captured_data(name):
    """What the golden text must contain, derived from the trace data rather than from the rendering."""
    trace = recorded(CASES[name])
    text = render(trace)
    lines = [line.strip() for line in text.splitlines()]
    for row in mask_rows(trace.tensors["keep_mask"]):
        assert row in lines
    chain = [f.function for f in trace.chain if not f.plumbing]
    positions = [text.index(f"→ {name}") for name in chain[1:]]
    assert positions == sorted(positions)
    assert "(None, " in text and f"{trace.run_shape[0]}, " in text
    assert "check passed" in text
    kept = int(trace.tensors["keep_mask"].sum()) * (trace.run_shape[1] if name == "noise_rows" else 1)
    assert f"kept {kept} of {int(np.prod(trace.run_shape))}" in text
    draws = trace.tensors["random"].size  # the answer counts the draws the sampler really made
    assert f"drew {draws:,} uniforms" in " ".join(text.split())


def test_plumbing_frames_fold_and_unfold():
    trace = recorded("keras_none4")
    folded, shown = render(trace), render(trace, plumbing=True)
    assert "error_handler" not in folded and "error_handler" in shown
    assert "plumbing frames" in folded


def test_large_tensors_are_summarised():
    trace = recorded("keras_large")
    text = render(trace, width=80)
    assert "⋮" in text and "…" in text and "summarised" in text
    small = render(recorded("keras_none4"), width=80)
    assert len(text.splitlines()) - len(small.splitlines()) < 30  # 1,200 values, a few more lines
    assert max(len(line) for line in text.splitlines()) <= 80
