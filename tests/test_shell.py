"""`dropout-trace shell`: a real terminal session, a piped script, help, bad lines and exit statuses."""

import io
import os
import re
import select
import stat
import subprocess
import sys
import time

import pytest

from dropout_trace.cli import main
from dropout_trace.shell import PROMPT, _history_file, commands, shell

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")
RUN = "run --rate 0.3 --shape None,4"
REFUSED = "run --api tf.nn.dropout --rate 0.3 --shape None,4 --noise-shape None,1"  # tf.nn cannot fill None


def child_env(tmp_path) -> dict:
    return {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "NO_COLOR": "1", "COLUMNS": "100",
            "TERM": "xterm", "INPUTRC": os.devnull}


class Terminal:
    """`python -m dropout_trace shell` on a pseudo-terminal; expect() reads up to a text, like a user waiting."""

    def __init__(self, env: dict):
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: its terminal is the pty's other end
            import signal  # started as a terminal starts a program: Ctrl-C's signal neither blocked nor ignored
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execve(sys.executable, [sys.executable, "-m", "dropout_trace", "shell"], env)
        self.seen, self.status = "", None

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def expect(self, text: str, timeout: float = 60) -> str:
        """Everything shown until `text` (escapes removed, line ends normalised); the rest stays for later."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"no {text!r} within {timeout} s; the terminal showed:\n{self.seen}")
            try:
                chunk = os.read(self.fd, 65536).decode(errors="replace")
            except OSError:  # the child closed the terminal
                raise AssertionError(f"the shell ended before {text!r}; it showed:\n{self.seen}") from None
            self.seen += ESCAPES.sub("", chunk).replace("\r", "")
        before, _, self.seen = self.seen.partition(text)
        return before

    def command(self, line: str) -> list[str]:
        """Type a line and Enter; the lines it printed before the next prompt (the echoed line left out)."""
        self.send(line + "\r")
        shown = self.expect(PROMPT).splitlines()
        assert shown[0].endswith(line.split()[-1]), shown[:1]
        return shown[1:]

    def wait(self, timeout: float = 30) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                os.read(self.fd, 65536)  # keep the terminal drained so the child never blocks writing
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.05)
        raise AssertionError("the shell did not exit")

    def close(self) -> None:
        if self.status is None:  # a failed test: end the shell we started
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_a_terminal_session(tmp_path):
    term = Terminal(child_env(tmp_path))
    try:
        banner = term.expect(PROMPT)
        assert "Ready: TensorFlow" in banner and "Traceback" not in banner
        versions = "\n".join(term.command("versions"))
        assert "tensorflow" in versions.lower() and "keras" in versions.lower()
        bad = term.command("run --rate 2 --shape None,4")
        assert len(bad) == 1 and bad[0].startswith("dropout-trace: error: --rate 2 is outside"), bad
        assert "check passed" in "\n".join(term.command(RUN))
        term.send("run --rate 0.")  # Ctrl-C cancels the half-typed line, not the shell
        term.expect("run --rate 0.")  # echoed: readline is reading (the user sees what they typed)
        time.sleep(0.3)  # as a person would: CPython's readline can miss a SIGINT sent mid-keystroke,
        for attempt in range(3):  # and on a loaded machine even after that; a person would press it again
            term.send("\x03")
            try:
                term.expect(PROMPT, timeout=10)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        term.send("\x1b[A\x1b[A\r")  # up-arrow twice: the bad line, recalled and run again
        assert "dropout-trace: error: --rate 2 is outside" in term.expect(PROMPT)
        term.send("exit\r")
        assert term.wait() == 0
    finally:
        term.close()
    history = tmp_path / "state" / "dropout-trace" / "history"
    assert "versions" in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


def test_a_piped_script(tmp_path):
    script = f"{RUN}\nversions\ndropout-trace {RUN} --replicas 2\n"
    done = subprocess.run([sys.executable, "-m", "dropout_trace", "shell"], input=script, capture_output=True,
                          text=True, env=child_env(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no banner, no prompts, no TensorFlow noise
    assert PROMPT not in done.stdout and "Ready" not in done.stdout
    assert done.stdout.count("check passed") == 2  # one run, and the run under MirroredStrategy
    assert "tensorflow" in done.stdout.lower() and "replica" in done.stdout.lower()
    assert not (tmp_path / "state").exists()  # a script keeps no history


def piped(text: str, capsys) -> tuple[int, str, str]:
    status = shell(stdin=io.StringIO(text))
    out, err = capsys.readouterr()
    return status, out, err


def test_help_lists_every_command_one_line_each(tf, capsys):
    status, out, err = piped("help\n", capsys)
    assert status == 0 and err == ""
    names = [name for name, _ in commands()]
    assert {"run", "chain", "graph", "compare", "versions", "stats", "explain"} <= set(names)
    assert "shell" not in names
    for name in names:
        assert sum(line.split()[:1] == [name] for line in out.splitlines()) == 1, name
    assert "--help" in out and "exit" in out
    status, out, _ = piped("help run\n", capsys)
    assert status == 0 and "--noise-shape" in out


def test_a_bad_line_prints_what_main_prints_and_the_shell_goes_on(tf, capsys):
    """main's one line, pointing at the shell's help rather than at dropout-trace --help."""
    assert main(["frobnicate"]) == 2
    expected = capsys.readouterr().err
    assert expected.endswith("; see 'dropout-trace --help'\n")
    status, out, err = piped("frobnicate\nversions\n", capsys)
    assert err == expected.replace("'dropout-trace --help'", "help") and err.count("\n") == 1
    assert "tensorflow" in out.lower()  # the next command still ran
    assert status == 2  # not every command succeeded: the last failure's status


def test_exit_status_is_the_last_failure(tf, capsys):
    assert piped(f"frobnicate\n{REFUSED}\nversions\n", capsys)[0] == 4
    assert piped(f"{REFUSED}\nfrobnicate\nversions\n", capsys)[0] == 2
    assert piped("# a comment\n\nversions\n", capsys)[0] == 0


def test_shell_inside_the_shell_is_refused_in_one_line(tf, capsys):
    status, out, err = piped("shell\nversions\n", capsys)
    assert err.count("\n") == 1 and err.startswith("dropout-trace: error: already in the shell")
    assert status == 2 and "tensorflow" in out.lower()


@pytest.mark.parametrize("line", ["--debug shell", "dropout-trace --debug shell", "shell --timing",
                                  "dropout-trace shell", "--debug shell --help"])
def test_shell_inside_the_shell_is_refused_in_any_spelling(tf, capsys, line):
    stdin = io.StringIO(f"{line}\nexit\nversions --format json\n")
    status = shell(stdin=stdin)
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("dropout-trace: error: already in the shell")
    assert status == 2 and out == ""  # 'exit' left the one shell there is: versions never ran
    assert not stdin.closed  # leaving the shell does not close the stdin it was given


def test_leaving_never_closes_the_callers_stdin(tf, capsys, tmp_path):
    """From a pipe, exit, end of input and a bad line leave stdin open for whatever reads it next."""
    for text in ("exit\nrest\n", "versions --format json\n", "frobnicate\nquit\nmore\n"):
        stdin = io.StringIO(text)
        shell(stdin=stdin)
        assert not stdin.closed
    capsys.readouterr()
    piped_file = tmp_path / "lines"
    piped_file.write_bytes(b"exit\nversions\n")
    with open(piped_file, encoding="utf-8") as stdin:
        shell(stdin=stdin)
        assert not stdin.closed and stdin.read() == "versions\n"  # what followed exit is still there


def test_an_undecodable_line_is_reported_and_skipped(tf, capsys, tmp_path):
    script = tmp_path / "script"
    script.write_bytes(b"\xff\xfe not text\nversions --format json\n\xc3(\n")
    with open(script, encoding="utf-8") as stdin:
        status = shell(stdin=stdin)
    out, err = capsys.readouterr()
    assert err.splitlines() == ["dropout-trace: error: line 1 is not utf-8 text; skipped it",
                                "dropout-trace: error: line 3 is not utf-8 text; skipped it"]
    assert '"tensorflow"' in out  # the line between them ran
    assert status == 2
    done = subprocess.run([sys.executable, "-m", "dropout_trace", "shell"], input=b"\xff\nversions\n",
                          capture_output=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 2 and b"Traceback" not in done.stderr and b"TensorFlow" in done.stdout


def test_exit_quit_and_bad_quoting(tf, capsys):
    assert piped("exit\nfrobnicate\n", capsys) == (0, "", "")
    assert piped("quit\nfrobnicate\n", capsys) == (0, "", "")
    status, _, err = piped('run --shape "None,4\n', capsys)
    assert status == 2 and err == "dropout-trace: error: no closing quotation\n"


def test_history_is_not_kept_in_a_symlink(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert _history_file() == tmp_path / "dropout-trace" / "history"
    (tmp_path / "elsewhere").write_text("")
    (tmp_path / "dropout-trace" / "history").symlink_to(tmp_path / "elsewhere")
    assert _history_file() is None
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # XDG: a relative path is ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _history_file() == tmp_path / "home" / ".local" / "state" / "dropout-trace" / "history"
    assert stat.S_IMODE((tmp_path / "home" / ".local" / "state" / "dropout-trace").stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize("line, said", [("--install-completion", "requires an argument"),  # it takes SHELL
                                        ("--install-completion bash", "is for your login shell"),
                                        ("--show-completion zsh", "is for your login shell"),
                                        ("dropout-trace --debug --install-completion fish", "is for your login shell")])
def test_completion_is_not_installed_from_the_shell(tf, capsys, tmp_path, monkeypatch, line, said):
    monkeypatch.setenv("HOME", str(tmp_path))
    status, out, err = piped(f"{line}\n", capsys)
    assert status == 2 and out == "" and err.count("\n") == 1 and said in err
    assert list(tmp_path.iterdir()) == []  # no .bashrc, no completion script


def test_errors_point_at_the_shells_help_and_it_answers(tf, capsys):
    status, _, err = piped("run --frob\nwalkthrough play --frob\n", capsys)
    assert [line.rsplit("; see ", 1)[-1] for line in err.splitlines()] == ["help run", "help walkthrough play"]
    for line in ("help run", "help walkthrough play"):  # what each error points at works, as --help does
        status, out, err = piped(line + "\n", capsys)
        assert main([*line.split()[1:], "--help"]) == 0
        assert status == 0 and err == "" and out == capsys.readouterr().out and out.startswith("Usage: dropout-trace")


class _Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_clear_clears_a_terminal_and_is_harmless_piped(tf, capsys):
    from dropout_trace.env import Env
    from dropout_trace.shell import CLEAR_SCREEN

    status, out, err = piped("clear\n", capsys)
    assert (status, out, err) == (0, "", "")
    screen = _Screen()
    assert shell(env=Env(screen, io.StringIO(), io.StringIO("clear\n"), environ={})) == 0
    assert screen.getvalue() == CLEAR_SCREEN and CLEAR_SCREEN.startswith("\x1b[H\x1b[2J")  # ECMA-48: home, erase
    status, out, _ = piped("help\n", capsys)
    assert any(line.startswith("clear ") for line in out.splitlines())


def test_the_shell_wraps_by_words(tf, capsys):
    """At 40 columns its help fits, each word whole (a hyphenated one too): the words are those of one line each."""
    from dropout_trace.env import Env

    out = io.StringIO()
    assert shell(env=Env(out, io.StringIO(), io.StringIO("help\n"), environ={}, columns=40)) == 0
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= 40
    wide = io.StringIO()
    assert shell(env=Env(wide, io.StringIO(), io.StringIO("help\n"), environ={}, columns=400)) == 0
    assert out.getvalue().split() == wide.getvalue().split()  # the same words, none broken
    assert "Ctrl-D" in out.getvalue().split() and not any(line.rstrip().endswith("-") for line in lines)
