"""Hostile values that reach TensorFlow: rates near 1 in float16 in a fresh process, and a rate that keeps
nothing. The values refused before TensorFlow is imported are in tests/unit/test_hostile_values_refused.py."""

import subprocess
import sys

import numpy as np
import pytest

from dropout_trace.cli import main


# (argv, words the line must hold); the comment says what it ended in before


@pytest.mark.parametrize("rate, scale", [("0.9999", "10000"), ("0.99999", "inf")])
def test_rate_near_1_in_float16_writes_nothing_to_stderr(rate, scale):
    """The issue's command, in a fresh process: the output is right (inf where x * scale overflows) and stderr is
    empty. Past rate ~0.99998 the scale itself is inf in float16: TF's own cast warns, and the trace shows it."""
    done = subprocess.run([sys.executable, "-m", "dropout_trace", "run", "--rate", rate, "--dtype", "float16",
                           "--shape", "None,4"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    assert "check passed" in done.stdout
    with np.errstate(over="ignore"):
        assert np.float16(1 / (1 - float(rate))) == float(scale)  # as numpy casts the Python scale
    assert f"scale = 1/(1-rate) = {scale}" in " ".join(done.stdout.split())


def test_a_valid_rate_that_keeps_nothing_explains_scaling(tf, capsys):
    """explain scaling --rate 0.99999994 (the largest float32 below 1) kept none of its 1,000,000 ones, and the
    page raised TypeError on the mean's missing z-score: exit 1."""
    assert main(["explain", "scaling", "--rate", "0.99999994"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "the training mean is exactly 0, every value alike, not 1" in " ".join(out.split())
