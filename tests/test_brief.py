"""run --brief (a projector view), --step (pauses) and --stages (some stage blocks), checked against the trace data."""

import io
import subprocess
import sys

import numpy as np
import pytest

from dropout_trace.cli import main
from dropout_trace.render import DROPPED, KEPT, make_console, render_trace
from dropout_trace.stages import STAGE_NAMES


WIDTH, MAX_LINES = 80, 40


def brief(trace, width=WIDTH, **options) -> str:
    out = io.StringIO()
    render_trace(trace, make_console(out, width=width, color=False), brief=True, **options)
    return out.getvalue()


def flat(text: str) -> str:
    return " ".join(text.split())


def mask_rows(mask) -> list[str]:
    return [" ".join(KEPT if v else DROPPED for v in row) for row in np.atleast_2d(mask)]


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Keys(io.StringIO):
    def isatty(self):
        return True


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


