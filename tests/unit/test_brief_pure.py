"""The TF-free half of tests/test_brief.py: run --brief (a projector view), --step (pauses) and --stages (some stage blocks), checked against the trace data."""

import io
import sys
import numpy as np
import pytest
from dropout_trace import narrate
from dropout_trace.pause import Quit
from dropout_trace.render import DROPPED, KEPT, make_console, render_trace
from dropout_trace.steps import ERASE_LINE
from test_snapshots import RECORDED, recorded
from test_brief import MAX_LINES, WIDTH, Keys, Terminal, brief, flat, mask_rows  # noqa: F401  (fixtures among them)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_brief_fits_a_screen_with_no_source(name):
    text = brief(recorded(name))
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES, f"{name}: {len(lines)} lines"
    assert max(len(line.rstrip()) for line in lines) <= WIDTH
    assert "│" not in text  # no source excerpts


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_every_brief_row_is_narrated_from_the_facts(name):
    trace = recorded(name)
    f, text = trace.facts, flat(brief(trace))
    for stage in trace.stages:
        if stage.status in ("ran", "raised"):
            assert flat(narrate.brief(stage, f, trace.check)) in text
    if f.refusal is None:
        assert flat(narrate.in_short_brief(f) or "") in text
        assert ("check passed" in text) == trace.check.passed
    else:
        assert f.refusal.message.split()[0] in text and "check passed" not in text


def test_brief_shows_the_captured_values():
    trace = recorded("keras_none4")
    text = brief(trace)
    lines = [line.strip() for line in text.splitlines()]
    for row in mask_rows(trace.tensors["keep_mask"]):
        assert row in lines
    names = [fr.function for fr in trace.chain if not fr.plumbing]
    positions = [flat(text).index(("→ " if i else "") + n) for i, n in enumerate(names)]
    assert positions == sorted(positions)  # the chain, in order, in a line or two
    assert "(None, 4) → (3, 4)" in text
    f, c = trace.facts, trace.check
    assert f"P(keep) = {narrate.num(f.probabilities.p_keep)}" in text
    assert f"scale = 1/(1-rate) = {narrate.num(f.probabilities.scale_in_dtype)}" in text
    assert f"kept {int(trace.tensors['keep_mask'].sum())} of {trace.tensors['output'].size}" in text
    assert f"{narrate.listed(f.calls[0].state_before)} → {narrate.listed(f.calls[0].state_after)}" in text
    first = np.format_float_positional(float(trace.tensors["random"][0, 0]), precision=4, trim="-")
    assert first in text  # the uniforms' grid


def test_brief_stays_true_for_other_runs():
    eager = brief(recorded("keras_eager_bf16"))
    assert "eager" in eager and "traced → run" not in eager and "bfloat16" in eager
    rows = flat(brief(recorded("keras_noise_rows")))
    assert "4 draws, each shared along axis 1" in rows
    rate0 = recorded("keras_rate0")
    text = flat(brief(rate0))
    assert "2–8 not reached" in text and "uniform" in text and "check passed" in text
    calls = recorded("keras_calls3")
    text = brief(calls)
    for c in calls.calls:  # each call's mask, one word of ●/○ per sample
        assert " ".join("".join(KEPT if v else DROPPED for v in row) for row in c.keep_mask) in text
    refused = flat(brief(recorded("tf_nn_refused")))
    assert "never ran" in refused and "The library refused the call" in refused


def test_stages_pick_blocks_and_keep_header_answer_and_check():
    trace = recorded("keras_none4")
    out = io.StringIO()
    render_trace(trace, make_console(out, width=100, color=False), stages=("keep_mask", "output"))
    text = out.getvalue()
    headings = [line.split(" · ")[0] for line in text.splitlines() if line[:1].isdigit() and " · " in line]
    assert headings == ["7", "8"] and "7 · keep_mask" in text and "8 · The output" in text
    assert "dropout-trace" in text and "Call chain" in text and "In short" in text and "check passed" in text
    short = brief(trace, stages=("keep_mask",))
    assert "\n7 keep_mask" in short and "\n6 uniform" not in short and "check passed" in short


def test_step_without_a_terminal_never_waits():
    trace = recorded("keras_none4")
    for opts in ({}, {"brief": True}):
        plain, stepped = io.StringIO(), io.StringIO()
        render_trace(trace, make_console(plain, width=WIDTH, color=False), **opts)
        render_trace(trace, make_console(stepped, width=WIDTH, color=False), step=True, **opts)
        assert stepped.getvalue() == plain.getvalue()


def test_brief_step_pauses_before_each_stage(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("LINES", "60")
    screen = Terminal()
    with pytest.raises(Quit):
        render_trace(recorded("keras_none4"), make_console(screen, width=WIDTH), brief=True, step=True,
                     stdin=Keys(" q"))
    text = screen.getvalue()
    assert text.count("── next: ") == 2 and "── next: stage 1 of 8, call" in text
    assert ERASE_LINE + "1 call" in text and "2 seed" not in text and "stopped before stage 2 of 8, seed" in text


@pytest.mark.parametrize("width", [40, 60, 120])
@pytest.mark.parametrize("name", ["keras_none4", "spatial2d", "keras_large"])
def test_brief_fits_any_width(name, width):
    text = brief(recorded(name), width=width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    assert "check passed" in flat(text)
