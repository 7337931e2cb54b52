"""The real program's terminal output: piped output plain and TensorFlow quiet, JSON the same trace, --help
without TensorFlow, one line for bad input, colour only on a terminal. Golden text on recorded snapshots
is in tests/unit/test_render_run.py."""

import io
import os
import re
import subprocess
import sys


from dropout_trace.render import make_console, render_trace

from test_snapshots import recorded

WIDTH = 100

# golden name -> recorded snapshot (tests/snapshots): rendering needs no TensorFlow


def run_cli(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "NO_COLOR"))}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "dropout_trace", *args], capture_output=True, text=True, env=env)


def test_cli_piped_output_is_plain_and_tensorflow_is_quiet():
    result = run_cli("run", "--rate", "0.3", "--shape", "None,4")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no C++ log lines, no oneDNN notice
    assert "\x1b[" not in result.stdout
    assert "check passed" in result.stdout


def test_cli_json_is_the_same_trace():
    import json

    result = run_cli("run", "--rate", "0.3", "--shape", "None,4", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["check"]["bit_exact"] is True
    assert data["shape"] == [None, 4] and data["run_shape"] == [3, 4]


def test_help_does_not_import_tensorflow():
    code = ("import sys; from dropout_trace.cli import main; status = main(['run', '--help']); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--rate" in result.stdout


def test_bad_input_in_a_real_process_is_one_line():
    result = run_cli("run", "--rate", "1.5", "--shape", "None,4")
    assert result.returncode == 2
    assert result.stdout == ""
    assert re.fullmatch(r"dropout-trace: error: [^\n]+\n", result.stderr)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    trace = recorded("keras_none4")
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = FakeTerminal()
    render_trace(trace, make_console(tty, width=WIDTH))
    assert "\x1b[" in tty.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    tty = FakeTerminal()
    render_trace(trace, make_console(tty, width=WIDTH))
    assert "\x1b[" not in tty.getvalue()
    piped = io.StringIO()
    monkeypatch.delenv("NO_COLOR")
    render_trace(trace, make_console(piped, width=WIDTH))
    assert "\x1b[" not in piped.getvalue()
