"""Output in a real process: a reader that stops early is not an error, and colour forced through a pipe.
The export path itself is tested on a recorded snapshot in tests/unit/test_output_export.py."""

import os
import subprocess
import sys

import pytest




# Exports no one can write, root included (root passes permission bits and access() says yes): procfs and
# sysfs refuse new files whatever the caller, and a 256-byte name is over NAME_MAX (255) on every Linux file system.


def cli(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    return subprocess.run([sys.executable, "-m", "dropout_trace", *args], capture_output=True, text=True,
                          env=base | env)


def test_force_color_keeps_colour_through_a_pipe_and_no_color_wins():
    assert "\x1b[" in cli("explain", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in cli("explain", env={"CLICOLOR_FORCE": "1"}).stdout
    assert "\x1b[" not in cli("explain", env={}).stdout
    assert "\x1b[" not in cli("explain", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_a_reader_that_stops_early_is_not_an_error():
    result = subprocess.run(f"{sys.executable} -m dropout_trace versions | head -1; exit ${{PIPESTATUS[0]}}",
                            shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("args", [
    # JSON larger than a pipe's buffer, so the writer is still writing when head has gone
    "run --rate 0.3 --shape None,1024 --batch 64 --format json --values full",
    "graph --format dot",
])
def test_a_reader_that_stops_early_is_not_an_error_for_raw_output_either(args):
    result = subprocess.run(f"{sys.executable} -m dropout_trace {args} | head -2; exit ${{PIPESTATUS[0]}}",
                            shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
