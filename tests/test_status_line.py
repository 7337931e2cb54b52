"""No silent waits, on a real pseudo-terminal: a command that loads TensorFlow says so on stderr at once, a topic
that starts child Pythons shows their progress, and neither line is left on the screen (pyte shows what stays)."""

import subprocess
import sys

from terminal import Stepped
from test_step_keys import plain, screen_of

COLUMNS, ROWS = 100, 30


def first_output(stepped: Stepped) -> bytes:
    return stepped.output.split(b"\r\n", 1)[0]


def never(i, label):
    return b" "


def test_run_says_it_is_loading_tensorflow_before_anything_else_and_erases_it():
    stepped = Stepped(["run", "--rate", "0.3", "--shape", "None,4", "--brief"], COLUMNS, ROWS, never)
    assert stepped.status == 0
    first = plain(first_output(stepped))
    assert first.startswith("loading TensorFlow")  # before a single line of output
    shown = screen_of(stepped.output)
    assert not any("loading TensorFlow" in line or "recorder…" in line for line in shown)
    assert any("check passed" in line for line in shown)


def test_a_refusal_after_loading_leaves_no_status_behind():
    stepped = Stepped(["run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,3", "--noise-shape",
                       "None,1", "--brief"], COLUMNS, ROWS, never)
    assert stepped.status == 4
    assert "loading TensorFlow" in plain(stepped.output)
    shown = screen_of(stepped.output)
    assert any(line.startswith("The library refused the call") for line in shown)
    assert not any("loading" in line or "recorder…" in line for line in shown)


def test_a_topic_with_child_pythons_shows_their_progress():
    stepped = Stepped(["explain", "keras2-vs-keras3"], COLUMNS, ROWS, never, timeout=240)
    assert stepped.status == 0
    said = plain(stepped.output)
    assert "measuring in 2 fresh Pythons at once (each loads TensorFlow): 0 of 2 done" in said
    assert "1 of 2 done" in said
    assert not any("fresh Pythons at once" in line for line in screen_of(stepped.output))


def test_piped_stderr_gets_no_status():
    done = subprocess.run([sys.executable, "-m", "dropout_trace", "run", "--rate", "0.3", "--shape", "None,4",
                           "--brief"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
