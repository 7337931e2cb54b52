"""Ctrl-C and SIGTERM, sent to real processes: the command stops with one line and 130 or 143, and leaves
nothing behind (no temporary file, no half export, no hidden cursor, no child process)."""

import glob
import os
import pty
import re
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from dropout_trace.cli import ExitStatus, main
from dropout_trace.pause import Terminated, held, signals_raise

from terminal import read_until

ROOT = Path(__file__).resolve().parents[1]
LINE = {signal.SIGINT: "dropout-trace: error: interrupted", signal.SIGTERM: "dropout-trace: error: terminated"}
STATUS = {signal.SIGINT: ExitStatus.INTERRUPTED, signal.SIGTERM: ExitStatus.TERMINATED}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# The CLI in a child process that stops at one point of its work, says so (a marker file) and sleeps there
# until the test's signal arrives. Only the tool's own code is wrapped; TensorFlow runs as it is.
AT_POINT = r"""
import importlib, os, sys, time
marker, point, argv = sys.argv[1], sys.argv[2], sys.argv[3:]

def stop_here():
    open(marker, "w").close()
    time.sleep(120)  # the signal arrives in here

output, trace = (importlib.import_module(f"dropout_trace.{name}") for name in ("output", "trace"))
if point == "trace":  # before the trace: no export drawn yet
    real_trace = trace.trace_run
    trace.trace_run = lambda spec: (stop_here(), real_trace(spec))[1]
elif point == "record":  # drawing the export, before any file exists
    real_record = output.Output._recorded
    output.Output._recorded = lambda self, text, suffix: (stop_here(), real_record(self, text, suffix))[1]
elif point == "rename":  # the temporary file is written in full, not yet renamed over the target
    real_replace = os.replace
    def replace(src, dst, **kw):
        if os.path.basename(str(src)).startswith(".dropout-trace-"):
            stop_here()
        return real_replace(src, dst, **kw)
    os.replace = replace
from dropout_trace.cli import main
sys.exit(main(argv))
"""


def env():
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "NO_COLOR", "FORCE_COLOR"))}
    return {**kept, "COLUMNS": "100", "PYTHONPATH": str(ROOT)}


def wait_for(predicate, timeout: float, what: str, child=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        if child is not None and child.poll() is not None:
            pytest.fail(f"the command ended ({child.returncode}) before {what}")
        time.sleep(0.05)
    pytest.fail(f"no {what} within {timeout} s")


def leftovers(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("point, target, signum", [
    ("trace", "x.svg", signal.SIGTERM),
    ("record", "x.svg", signal.SIGTERM),
    ("rename", "x.svg", signal.SIGTERM),
    ("rename", "x.json", signal.SIGTERM),
    ("rename", "x.json", signal.SIGINT),
    ("rename", "deck/", signal.SIGTERM),  # a deck of slides: its temporary folder, in full, not yet renamed
    ("rename", "deck/", signal.SIGINT),
])
def test_a_signal_during_an_export_leaves_no_file(tmp_path, point, target, signum):
    folder, marker = tmp_path / "out", tmp_path / "marker"
    folder.mkdir()
    argv = ["run", "--rate", "0.3", "--shape", "None,4", "--export", f"{folder}/{target}"]
    child = subprocess.Popen([sys.executable, "-c", AT_POINT, str(marker), point, *argv], cwd=tmp_path, env=env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker.exists, 120, f"stop at {point}", child)
        temporary = [n for n in leftovers(folder) if n.startswith(".dropout-trace-")]
        assert bool(temporary) == (point == "rename")  # the point is really inside the write, or before it
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == STATUS[signum]
    assert err.strip() == LINE[signum]  # one line, no traceback
    assert leftovers(folder) == []  # neither a temporary file nor the target


def test_sigterm_during_stats_on_a_terminal_shows_the_cursor_again():
    master, slave = pty.openpty()
    modes = termios.tcgetattr(slave)
    # 64 x 1024 elements: one call per graph run, so the bar shows after its first second (minutes of work)
    child = subprocess.Popen([sys.executable, "-m", "dropout_trace", "stats", "--shape", "None,1024", "--batch", "64",
                              "--trials", "100000"], stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                             env={**env(), "TERM": "xterm"})
    try:
        seen = read_until(master, b"\x1b[?25l", timeout=120, child=child)  # the progress bar hid the cursor
        assert b"\x1b[?25l" in seen, seen[-500:]
        seen = read_until(master, b"drawing masks", timeout=30, seen=seen, child=child)
        child.send_signal(signal.SIGTERM)
        seen = read_until(master, None, timeout=60, seen=seen, child=child)
        assert child.wait(timeout=30) == ExitStatus.TERMINATED
        assert termios.tcgetattr(slave) == modes  # echo, line mode: the terminal as it was
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
        os.close(slave)
    assert seen.rfind(b"\x1b[?25h") > seen.rfind(b"\x1b[?25l")  # shown again after the last hide
    text = ANSI.sub("", seen.decode(errors="replace")).replace("\r", "\n")
    assert [line for line in text.split("\n") if "error" in line] == [LINE[signal.SIGTERM]]


def children_of(pid: int) -> set[int]:
    found = set()
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            found |= {int(n) for n in Path(path).read_text().split()}
        except OSError:  # the thread ended meanwhile
            pass
    return found


def all_children(pid: int) -> set[int] | None:
    """keras2-vs-keras3's child interpreters, once all of them run: one per TF_USE_LEGACY_KERAS setting."""
    from dropout_trace.lessons.keras2_vs_keras3 import WAYS

    found = children_of(pid)
    return found if len(found) >= len({legacy for _, legacy in WAYS.values()}) else None


def terminated_with_children(argv: list[str], typed: str = "") -> tuple[int, set[int], str, str]:
    """Start `dropout-trace ARGV` (fed `typed` on stdin), SIGTERM it once all its child interpreters run:
    (status, their pids, stdout, stderr). The signal goes to the command alone, not to its process group
    (as `kill PID` does)."""
    child = subprocess.Popen([sys.executable, "-m", "dropout_trace", *argv], env=env(), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if typed:
            child.stdin.write(typed)
            child.stdin.flush()
        pids = wait_for(lambda: all_children(child.pid), 120, "all child interpreters", child)
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, pids, out, err


def test_sigterm_to_keras2_vs_keras3_ends_its_children():
    signum = signal.SIGTERM  # Ctrl-C takes the same way out (KeyboardInterrupt through Children), at 130
    status, pids, _, err = terminated_with_children(["explain", "keras2-vs-keras3"])
    assert status == STATUS[signum]
    assert err.strip() == LINE[signum]
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]  # reaped: not even a zombie is left
    assert alive == []


# -- in this process: the handlers are the caller's again afterwards ---------------------------------
def test_main_leaves_the_signal_handlers_as_it_found_them(capsys):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert main(["explain", "--width", "9"]) == ExitStatus.USAGE
    assert main(["--version"]) == ExitStatus.OK
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # ignored by the caller: stays ignored
    try:
        with signals_raise():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
    capsys.readouterr()


def test_a_signal_inside_held_waits_for_the_end_of_the_block():
    steps = []
    with pytest.raises(Terminated):
        with signals_raise() as signals:
            with held():
                signal.raise_signal(signal.SIGTERM)  # its handler has run when this returns
                steps.append("the block went on")
            steps.append("not reached")
    assert steps == ["the block went on"] and signals.caught == signal.SIGTERM


@pytest.mark.parametrize("how", ["walkthrough", "shell"])
def test_sigterm_ends_a_lesson_and_a_shell_session_once(tmp_path, how):
    """A command of a lesson or a shell session that is terminated ends the whole thing: 143, one line,
    no child left, and no command after it runs."""
    lesson = tmp_path / "long.md"
    lesson.write_text("# Long\n\n```bash\ndropout-trace explain keras2-vs-keras3\ndropout-trace versions\n```\n")
    if how == "walkthrough":
        status, pids, out, err = terminated_with_children(["walkthrough", "play", str(lesson)])
    else:
        status, pids, out, err = terminated_with_children(["shell"], "explain keras2-vs-keras3\nversions\n")
    assert status == ExitStatus.TERMINATED
    said = out + err  # a lesson shows its commands' errors on its own screen, so an export records them
    assert said.count(LINE[signal.SIGTERM]) == 1, said  # said once, by the command that received it
    assert "Installed" not in out  # versions, the command after it, never ran
    if how == "walkthrough":
        assert "terminated in block 1" in out
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists()] == []
