"""Every command on a stream that cannot encode the symbols (latin-1, cp1252), in a real process. The
fallback itself is tested without TensorFlow in tests/unit/test_streams_ascii.py."""

import os
import subprocess
import sys

import pytest



DRIVER = """
import sys
from dropout_trace.cli import main
for line in sys.argv[1:]:
    status = main(line.split())
    sys.stdout.flush()
    sys.stdout.write(f"\\n=== {line}: {status}\\n")
"""
COMMANDS = ["run --rate 0.3 --shape None,4", "run --rate 0.3 --shape None,4 --brief --calls 2",
            "chain --api tf-keras --rate 0.3 --shape None,4", "graph --rate 0.3 --shape None,4",
            "compare --rate 0.3 --shape None,4", "versions", "stats --rate 0.3 --shape None,8 --trials 20",
            "explain", "explain noise-shape", "walkthrough"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_commands_on_a_non_utf8_stream(encoding):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env["PYTHONIOENCODING"] = encoding
    result = subprocess.run([sys.executable, "-c", DRIVER, *COMMANDS], capture_output=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    text = result.stdout.decode(encoding)  # strict: every byte is valid in the stream's encoding
    assert "Error" not in result.stderr.decode(errors="replace")
    for command in COMMANDS:
        assert f"=== {command}: 0" in text, text[-2000:]
    assert "->" in text and "check passed" in text and "Walkthroughs" in text


def test_help_on_a_non_utf8_stream():
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    result = subprocess.run([sys.executable, "-m", "dropout_trace", "run", "--help"], capture_output=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    result.stdout.decode("latin-1")


