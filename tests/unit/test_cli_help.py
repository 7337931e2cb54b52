"""--help and completion, no TensorFlow: every help lists the exit statuses (the signal ones too), every
example in a help pastes and parses, the root help does not cut descriptions, completion works, and error
lines have no doubled punctuation. --version and the rest are in tests/test_conventions.py."""

import os
import re
import signal
import subprocess
import sys

import pytest
import typer

from dropout_trace.cli import EXIT_MEANINGS, ExitStatus, app, main


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


def test_root_help_does_not_cut_descriptions():
    result = cli("--help")
    assert result.returncode == 0
    listed = re.findall(r"^  ([a-z]+)  ", result.stdout.split("Commands:")[1], flags=re.M)
    assert listed == [p[0] for p in all_commands() if len(p) == 1]
    commands = result.stdout.split("Commands:")[1]
    assert "..." not in commands and "…" not in commands


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


# each shell's own way to register a completion: bash's `complete -F`, zsh's #compdef tag, fish's complete -c
SCRIPT_OF = {"bash": "complete -o default -F _dropout_trace_completion dropout-trace", "zsh": "#compdef dropout-trace",
             "fish": "complete --command dropout-trace"}


@pytest.mark.parametrize("spelling", [("--show-completion", "{}"), ("--show-completion={}",)])
@pytest.mark.parametrize("shell", sorted(SCRIPT_OF))
def test_completion_script_for_the_shell_named(shell, spelling):
    """The script of the shell named, whichever shell runs the command (SHELL says bash here)."""
    result = cli(*(part.format(shell) for part in spelling), env_extra={"SHELL": "/bin/bash"})
    assert result.returncode == 0, result.stderr
    assert "_DROPOUT_TRACE_COMPLETE" in result.stdout and SCRIPT_OF[shell] in result.stdout
    assert not any(SCRIPT_OF[other] in result.stdout for other in SCRIPT_OF if other != shell)


def test_completion_for_an_unknown_shell_is_one_line():
    result = cli("--show-completion", "tcsh")
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "choose bash, zsh, fish" in result.stderr


def test_suggestion_without_doubled_punctuation():
    result = cli("version")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "Did you mean 'versions'?" in line and "?;" not in line and "'?." not in line
    assert line.count("\n") == 0


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


def test_explain_help_lists_every_topic_with_its_summary_and_loads_no_tensorflow():
    import importlib

    from dropout_trace import lessons

    done = cli("explain", "--help", env_extra={"COLUMNS": "120"})
    assert done.returncode == 0
    topics = re.sub(r"\n {5,}", " ", done.stdout.split("Topics:", 1)[1])  # a summary wrapped under its name
    for name in lessons.available():
        module = importlib.import_module(f"dropout_trace.narrate.{lessons.TOPICS[name]}")
        assert re.search(rf"^  {re.escape(name)} +{re.escape(module.SUMMARY)}$", topics, re.M), name
        assert lessons.summary(name) == module.SUMMARY  # read from the source, the same words as imported
    probe = subprocess.run([sys.executable, "-c", "import sys; from dropout_trace.cli import main; "
                            "main(['explain', '--help']); print('tensorflow' in sys.modules, 'numpy' in sys.modules)"],
                           capture_output=True, text=True)
    assert probe.stdout.strip().endswith("False False")


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_usage_lines_read_as_man_pages_write_them(path):
    done = cli(*path, "--help")
    usage = done.stdout.splitlines()[0]
    assert usage.startswith("Usage: dropout-trace") and "{" not in usage and "[[" not in usage, usage



def _completed(words: str) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = cli(env_extra={"_DROPOUT_TRACE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_values_complete_from_the_registries_the_commands_validate_against():
    from dropout_trace import lessons, walkthrough
    from dropout_trace.apis import APIS, RNGS
    from dropout_trace.output import THEMES
    from dropout_trace.spec import DTYPES, INPUTS, POLICIES, UPSTREAMS, VALUES

    assert _completed("dropout-trace run --api ") == list(APIS)
    assert _completed("dropout-trace run --api tf") == [name for name in APIS if name.startswith("tf")]
    assert _completed("dropout-trace run --rng ") == list(RNGS)
    assert _completed("dropout-trace run --dtype ") == list(DTYPES)
    assert _completed("dropout-trace run --layer-dtype ") == [*DTYPES, "none"]
    assert _completed("dropout-trace run --policy ") == list(POLICIES)
    assert _completed("dropout-trace run --input ") == list(INPUTS)
    assert _completed("dropout-trace run --grad --upstream ") == list(UPSTREAMS)
    assert _completed("dropout-trace run --values ") == list(VALUES)
    assert _completed("dropout-trace run --format ") == ["text", "json"]
    assert _completed("dropout-trace run --theme ") == list(THEMES)
    assert _completed("dropout-trace explain ") == lessons.available()
    assert _completed("dropout-trace explain no") == [t for t in lessons.available() if t.startswith("no")]
    assert _completed("dropout-trace walkthrough play ") == [p.stem for p in walkthrough.bundled()]
    for name in _completed("dropout-trace walkthrough play "):  # each one a name play accepts
        assert walkthrough.find(name).stem == name


@pytest.mark.parametrize("shell, extra", [("zsh", {}), ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"})])
def test_values_complete_in_zsh_and_fish_too(shell, extra):
    from dropout_trace.apis import RNGS

    result = cli(env_extra={"_DROPOUT_TRACE_COMPLETE": f"complete_{shell}",
                            "_TYPER_COMPLETE_ARGS": "dropout-trace run --rng s", **extra})
    assert result.returncode == 0, result.stderr
    assert re.findall(r"\b(state\w+)\b", result.stdout) == [rng for rng in RNGS if rng.startswith("s")]


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_no_word_is_broken_at_its_hyphen(path, capsys, monkeypatch):
    """At 40 to 120 columns, no line ends in a hyphen that splits a word the help, 1000 columns wide, holds whole
    (tf-keras, comma-separated, --noise-shape)."""
    def shown(columns: int) -> str:
        monkeypatch.setenv("COLUMNS", str(columns))
        assert main([*path, "--help"]) == 0
        return capsys.readouterr().out

    whole = set(shown(1000).split())
    for columns in range(40, 121, 8):
        lines = shown(columns).splitlines()
        for line, after in zip(lines, lines[1:]):
            if re.search(r"\w-$", line) and after.split():
                assert line.split()[-1] + after.split()[0] not in whole, (columns, line, after)
