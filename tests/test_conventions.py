"""The conventions of a polished CLI that need TensorFlow: --version names the libraries without importing
them, and every status a command returns is one its --help lists. The help and completion checks are in
tests/unit/test_cli_help.py."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dropout_trace.cli import ExitStatus, main

ROOT = Path(__file__).resolve().parents[1]


def test_version_names_the_tool_and_the_libraries_without_importing_them(tf, keras):
    code = ("import sys; from dropout_trace.cli import main; status = main(['--version']); "
            "assert 'tensorflow' not in sys.modules, 'imported TF'; sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    own = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), flags=re.M).group(1)
    line = result.stdout.strip()
    assert line.startswith(f"dropout-trace {own} ")
    assert f"tensorflow {tf.__version__}" in line and f"keras {keras.__version__}" in line
    assert "Python " + ".".join(map(str, sys.version_info[:3])) in line


@pytest.mark.parametrize("args, command", [
    # the library itself refuses a noise shape with None in graph mode: exit 4
    (["run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,1"], "run"),
    (["graph", "--api", "tf.nn.dropout", "--shape", "None,4", "--noise-shape", "None,1"], "graph"),
    (["stats", "--api", "tf.nn.dropout", "--shape", "None,4", "--noise-shape", "None,1", "--trials", "2"], "stats"),
])
def test_a_status_seen_is_a_status_listed(tf, capsys, args, command):
    """The statuses in --help are not decoration: one a command really returns is listed in its help."""
    status = main(args)
    capsys.readouterr()
    assert status == ExitStatus.REFUSED
    main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"{int(status)} the library refused the call" in text


