"""run --brief (a projector view), --step (pauses) and --stages (some stage blocks), checked against the trace data."""

import io
import os
import pty
import subprocess
import sys

import numpy as np
import pytest

from dropout_trace import narrate
from dropout_trace.cli import main
from dropout_trace.pause import Quit
from dropout_trace.render import DROPPED, KEPT, make_console, render_trace
from dropout_trace.stages import STAGE_NAMES

from terminal import read_until
from test_snapshots import RECORDED, recorded

WIDTH, MAX_LINES = 80, 40


def brief(trace, width=WIDTH, **options) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False), brief=True, **options)
    return out.getvalue()


def flat(text: str) -> str:
    return " ".join(text.split())


def mask_rows(mask) -> list[str]:
    return [" ".join(KEPT if v else DROPPED for v in row) for row in np.atleast_2d(mask)]


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


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Keys(io.StringIO):
    def isatty(self):
        return True


def test_brief_step_pauses_before_each_stage(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "stdin", Keys("\nq\n"))
    screen = Terminal()
    with pytest.raises(Quit):
        render_trace(recorded("keras_none4"), make_console(screen, width=WIDTH), brief=True, step=True)
    text = screen.getvalue()
    assert text.count("Enter to go on") == 2
    assert "\n1 call" in text and "\n2 seed" not in text and "stopped before stage 2" in text


def run_cli(capsys, *args):
    status = main(["run", "--rate", "0.3", "--shape", "None,4", "--width", str(WIDTH), *args])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("extra, status", [((), 0), (("--eager",), 0), (("--noise-shape", "None,1"), 0),
                                           (("--rate", "0"), 0), (("--calls", "3"), 0),
                                           (("--api", "tf.nn.dropout", "--noise-shape", "None,1"), 4)])
def test_cli_brief_fits_and_keeps_exit_statuses(tf, capsys, extra, status):
    code, _, err = run_cli(capsys, *extra)
    assert code == status, err
    code, text, err = run_cli(capsys, *extra, "--brief")
    assert code == status, err  # the same status as the full view
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES and max(len(line.rstrip()) for line in lines) <= WIDTH
    assert "│" not in text
    if status == 0:
        assert "check passed" in text


def test_cli_stages_by_number_match_names(tf, capsys):
    _, by_name, _ = run_cli(capsys, "--stages", "keep_mask,output")
    _, by_number, _ = run_cli(capsys, "--stages", "7, 8")
    assert by_name == by_number and "7 · keep_mask" in by_name and "\n5 · " not in by_name


def test_bad_stages_fail_before_tensorflow_in_one_line():
    code = ("import sys; from dropout_trace.cli import main; status = main(['run', '--rate', '0.3', '--shape', "
            "'None,4', '--stages', 'keep_mask,mask']); assert 'tensorflow' not in sys.modules; sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "'mask'" in lines[0]
    assert all(name in lines[0] for name in STAGE_NAMES)


def test_step_in_a_real_terminal():
    """Enter shows the next stage; q then Enter quits with status 0."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command on a pseudo-terminal
        os.environ["NO_COLOR"] = "1"
        os.execvp(sys.executable, [sys.executable, "-m", "dropout_trace", "run", "--rate", "0.3", "--shape", "None,4",
                                   "--step"])
    try:
        first = read_until(fd, b"Enter to go on").decode()
        assert "Enter to go on" in first and "Call chain" in first
        assert "1 · The layer call" not in first  # the first pause comes before stage 1
        os.write(fd, b"\n")
        second = read_until(fd, b"stage 2 of 8").decode()
        assert "1 · The layer call" in second and "\n2 · " not in second.split("stage 2 of 8")[0]
        os.write(fd, b"q\n")
        rest = read_until(fd, b"\x00", timeout=20).decode()
        assert "\n2 · " not in rest
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("width", [40, 60, 120])
@pytest.mark.parametrize("name", ["keras_none4", "spatial2d", "keras_large"])
def test_brief_fits_any_width(name, width):
    text = brief(recorded(name), width=width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    assert "check passed" in flat(text)
