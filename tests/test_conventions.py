"""The conventions of a polished CLI: --version, shell completion, exit statuses in --help, a root --help
that does not cut descriptions, and error lines without doubled punctuation."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from dropout_trace.cli import EXIT_MEANINGS, ExitStatus, app, main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "NO_COLOR", "_DROPOUT_TRACE"))}
    env.update({"COLUMNS": "80", **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "dropout_trace", *args], capture_output=True, text=True, env=env)


def all_commands():
    """Every command path, read from the click tree typer builds (not from a list kept by hand)."""
    paths = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, path + [name])

    walk(typer.main.get_command(app), [])
    return paths


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


@pytest.mark.parametrize("words, cword, expected", [
    ("dropout-trace ru", 1, "run"),
    ("dropout-trace run --sh", 2, "--shape"),
    ("dropout-trace walkthrough p", 2, "play"),
    ("dropout-trace --ver", 1, "--version"),
])
def test_shell_completion(words, cword, expected):
    result = cli(env_extra={"_DROPOUT_TRACE_COMPLETE": "complete_bash", "COMP_WORDS": words,
                            "COMP_CWORD": str(cword)})
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout.split()


def test_completion_script_for_bash():
    result = cli("--show-completion", "bash")
    assert result.returncode == 0, result.stderr
    assert "_DROPOUT_TRACE_COMPLETE" in result.stdout


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_every_help_lists_the_exit_statuses(path, capsys):
    status = main([*path, "--help"])
    out = capsys.readouterr().out
    assert status == 0
    text = " ".join(out.split())
    assert "Exit status" in text
    if path != ["shell"]:  # the shell's status is the last failed command's, said in its own words
        assert "0 ok, 1 error, 2 bad input" in text
        assert text.endswith("130 interrupted (Ctrl-C), 143 terminated (SIGTERM).")  # every command can be stopped


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


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, ExitStatus.INTERRUPTED),
                                            (signal.SIGTERM, ExitStatus.TERMINATED)])
def test_a_signal_status_seen_is_listed_in_every_help(monkeypatch, capsys, signum, status):
    """The signal really arrives (in this process, while the command draws): the status main returns is the
    one every --help lists, and the one line says what happened."""
    from dropout_trace.output import Output

    def draw_and_get_signalled(self, *args, **kwargs):
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL, "main() installed no SIGTERM handler"
        signal.raise_signal(signum)

    monkeypatch.setattr(Output, "emit", draw_and_get_signalled)
    seen = main(["explain"])
    err = capsys.readouterr().err
    assert seen == status
    assert err == f"dropout-trace: error: {'interrupted' if signum == signal.SIGINT else 'terminated'}\n"
    monkeypatch.undo()
    for path in all_commands():
        if path != ["shell"]:
            main([*path, "--help"])
            assert f"{int(seen)} {EXIT_MEANINGS[status]}" in " ".join(capsys.readouterr().out.split()), path


def test_root_help_does_not_cut_descriptions():
    result = cli("--help")
    assert result.returncode == 0
    listed = re.findall(r"^  ([a-z]+)  ", result.stdout.split("Commands:")[1], flags=re.M)
    assert listed == [p[0] for p in all_commands() if len(p) == 1]
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands and "…" not in commands


def test_suggestion_without_doubled_punctuation():
    result = cli("version")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "Did you mean 'versions'?" in line and "?;" not in line and "'?." not in line
    assert line.count("\n") == 0


def help_examples():
    """Every example command line in every --help, as a user would copy it (comments and pipes included)."""
    found = []
    for path in all_commands():
        result = cli(*path, "--help")
        for line in result.stdout.splitlines():
            text = line.strip()
            if text.startswith("dropout-trace ") or " | dropout-trace " in text:
                found.append(text)
    return found


@pytest.mark.parametrize("line", help_examples())
def test_help_examples_paste_and_parse(line):
    """Shell words, a comment after '#', a pipe: the dropout-trace part parses against the real command tree."""
    import shlex

    words = shlex.split(line, comments=True)
    start = words.index("dropout-trace")
    args = words[start + 1:]
    args = args[:args.index("|")] if "|" in args else args
    assert not any(w.startswith("(") or w.endswith(")") for w in args), line  # remarks go in # comments
    command = typer.main.get_command(app)
    while args and args[0] in getattr(command, "commands", {}):  # down to the subcommand the words name
        command, args = command.commands[args[0]], args[1:]
    command.make_context("dropout-trace", list(args))  # raises on an unknown option or a bad value
