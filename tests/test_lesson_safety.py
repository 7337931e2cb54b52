"""A lesson someone sends is untrusted input: it may only make dropout-trace read and print.

Each hostile lesson is played by a real `dropout-trace` process with HOME, the working folder and
TMPDIR in a scratch folder, so anything it wrote would show there; the refusal must name file and
line, and come before anything plays. (How fast a huge lesson is refused is measured by
benchmarks/run, not asserted here.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dropout_trace.cli import main
from dropout_trace.untrusted import visible
from dropout_trace.walkthrough import LESSON_COMMANDS, LESSON_OPTIONS, MAX_BLOCKS, WRITES, load, sandbox

ESC = "\x1b"


def lesson_file(folder: Path, body: str, name: str = "sent.md") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def play(folder: Path, lesson: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Play `lesson` in a fresh process whose home, working folder and temp folder are `folder`."""
    env = {**os.environ, "HOME": str(folder), "TMPDIR": str(folder), "XDG_STATE_HOME": str(folder / "state"),
           "XDG_CONFIG_HOME": str(folder / "config"), "SHELL": "/bin/bash", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "dropout_trace", "walkthrough", "play", str(lesson), *extra],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def two_blocks(second: str) -> str:
    """A lesson whose first block is harmless: a refusal of the second must keep the first from running."""
    return f"# Sent to you\n\nFirst:\n\n```bash\ndropout-trace versions\n```\n\nThen:\n\n```bash\n{second}\n```\n"


@pytest.mark.parametrize("command, why", [
    ("dropout-trace --install-completion", "do not write files (--install-completion)"),
    ("dropout-trace --install-completion bash", "do not write files (--install-completion)"),
    ("dropout-trace --show-completion zsh", "do not write files (--show-completion)"),
    ("dropout-trace --debug shell", "'dropout-trace shell' cannot run from inside a lesson"),
    ("dropout-trace walkthrough play 1", "'dropout-trace walkthrough' cannot run"),
    ("dropout-trace run --rate 0.3 --shape None,4 --export=out.svg", "do not write files (--export)"),
    ("dropout-trace versions --force", "do not write files (--force)"),
    ("dropout-trace run --rate 0.3 --shape None,4 --max-memory 1000T --max-elements 100000000000",
     "--max-elements 100,000,000,000 is above the default"),
    ("dropout-trace run --rate 0.3 --shape None,4 --max-memory 1000T", "--max-memory 1000T is above"),
    ("dropout-trace run --rate 0.3 --shape None,4 --replicas 1000000", "--replicas 1000000 is outside 2..8"),
    ("dropout-trace run --rate 1.5 --shape None,4", "--rate 1.5 is outside [0, 1]"),
    ("dropout-trace stats --trials 1", "--trials 1 is too few"),
    ("dropout-trace explain no-such-topic", "no topic 'no-such-topic'"),
    ("dropout-trace run --rate 0.3 --shape None,4 --nonsense", "No such option: --nonsense"),
])
def test_a_hostile_command_is_refused_with_file_and_line_before_anything_plays(tmp_path, command, why):
    lesson = lesson_file(tmp_path, two_blocks(command))
    before = files_under(tmp_path)
    done = play(tmp_path, lesson)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # not even the first block, nor the prose
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dropout-trace: error: {lesson}:12: ") and why in lines[0], lines
    assert "Traceback" not in done.stderr
    assert files_under(tmp_path) == before  # no completion script, no .bashrc, no export, no history


@pytest.mark.parametrize("shown, line", [
    ("```\ndropout-trace --install-completion\n```", 6),  # a fence with no language: shown, not run
    ("```text\n$ dropout-trace --install-completion bash\n```", 6),
    ("    dropout-trace --install-completion", 5),  # an indented code block
    ("dropout-trace run --rate 0.3 --shape None,4 --export out.svg", 5),  # a line of prose
])
def test_a_hostile_command_the_lesson_only_shows_is_refused_too(tmp_path, shown, line):
    """A student copies what a lesson shows, so a command shown outside a bash block (where it would
    not run) is checked by the same rules, with the prose's escape codes around it."""
    lesson = lesson_file(tmp_path, f"# Sent {ESC}]0;pwned\x07 to you\n\nProse {ESC}[2J{ESC}[8m here.\n\n{shown}\n")
    before = files_under(tmp_path)
    done = play(tmp_path, lesson)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == "" and ESC not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dropout-trace: error: {lesson}:{line}: "), lines
    assert "do not write files" in lines[0] and "Traceback" not in done.stderr
    assert files_under(tmp_path) == before


def test_a_harmless_command_the_lesson_only_shows_still_plays(tmp_path):
    lesson = lesson_file(tmp_path, "# Shown\n\nTry this later:\n\n```\ndropout-trace versions\n```\n")
    done = play(tmp_path, lesson)
    assert done.returncode == 0, done.stderr
    assert "dropout-trace versions" in done.stdout and "tensorflow" not in done.stdout.lower()  # shown, not run


def test_the_lessons_own_commands_are_checked_by_the_same_rules():
    """Every shipped lesson passes the sandbox: the rules refuse what writes, not what teaches."""
    from dropout_trace.walkthrough import bundled

    for path in bundled():
        for command in load(path).commands:  # load checks each one; a refusal would raise
            assert sandbox(command.argv) is None, (path.name, command.text)


def test_every_option_of_a_lesson_command_is_allowed_or_refused_on_purpose():
    """A new option must be classified: read-and-print (LESSON_OPTIONS) or writes (WRITES)."""
    import typer

    from dropout_trace.cli import app

    root = typer.main.get_command(app)
    names = {p.name for p in root.params} | {p.name for c in LESSON_COMMANDS for p in root.commands[c].params}
    assert names - LESSON_OPTIONS - set(WRITES) == set()
    assert not LESSON_OPTIONS & set(WRITES)


def test_escape_sequences_in_prose_titles_and_commands_never_reach_the_terminal(tmp_path):
    hostile = {  # what each would make a terminal do
        "clipboard": f"{ESC}]52;c;ZXZpbA==\x07", "title": f"{ESC}]0;pwned\x07", "clear": f"{ESC}[2J",
        "hidden": f"{ESC}[8m", "bell": "\x07", "backspace": "\x08", "reorder": "\u202e", "c1": "\x9b2J",
    }
    prose = " ".join(f"{name}: {seq}." for name, seq in hostile.items())
    body = (f"\ufeff# Evil {hostile['title']} lesson\n\n{prose}\n\n[a link](https://example.invalid/{ESC}[2J)\n\n"
            f"```bash\n# a comment {hostile['clear']} shown\ndropout-trace versions\n```\n")
    lesson = lesson_file(tmp_path, body)
    done = play(tmp_path, lesson, "--width", "100")
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert ESC not in shown and "\x07" not in shown and "\x08" not in shown and "\u202e" not in shown
    assert "\x9b" not in shown and "\ufeff" not in shown
    for seq in hostile.values():
        assert visible(seq) in " ".join(shown.split()), seq  # shown escaped, so a reader sees what was sent
    assert "Evil \\x1b]0;pwned\\x07 lesson" in shown  # the title, escaped; the BOM ignored
    assert "https://example.invalid/" in shown  # a link's target is shown, not hidden behind its text

    done = subprocess.run([sys.executable, "-m", "dropout_trace", "walkthrough", "play", "nope\x1b[2J.md"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and ESC not in done.stderr and "nope\\x1b[2J.md" in done.stderr


def test_a_control_character_in_a_command_is_refused_and_shown_escaped(tmp_path, capsys):
    lesson = lesson_file(tmp_path, two_blocks(f"dropout-trace run --rate 0.3 --shape None,4{ESC}]52;c;eA==\x07"))
    assert main(["walkthrough", "play", str(lesson)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and ESC not in err and "\x07" not in err
    assert f"{lesson}:12: a control character (shown escaped)" in err and "None,4\\x1b]52;c;eA==\\x07" in err


def test_a_long_echoed_value_is_cut_with_its_length(tmp_path, capsys):
    lesson = lesson_file(tmp_path, two_blocks("dropout-trace run --rate 0.3 --shape " + "9" * 5000))
    assert main(["walkthrough", "play", str(lesson)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 800 and "(5,000 characters)" in err
    assert main(["run", "--rate", "0.3", "--shape", "x" * 10_000]) == 2
    err = capsys.readouterr().err
    assert len(err) < 800 and "(10,002 characters)" in err  # 'xxx…' as repr quotes it


@pytest.mark.parametrize("blocks", [40_000, 100_000])
def test_a_huge_lesson_is_refused_naming_the_cap(tmp_path, capsys, blocks):
    comment_only = "```bash\n# nothing to run\n```\n"
    lesson = lesson_file(tmp_path, "# Huge\n\n" + comment_only * blocks)
    assert main(["walkthrough", "play", str(lesson)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "lessons are at most 1,048,576 bytes" in err
    small = lesson_file(tmp_path, "# Many\n\n" + comment_only * (MAX_BLOCKS + 1), "many.md")  # under the size cap
    assert main(["walkthrough", "play", str(small)]) == 2
    out, err = capsys.readouterr()
    line = 3 + 3 * MAX_BLOCKS  # the fence that opens block MAX_BLOCKS + 1
    assert out == "" and f"{small}:{line}: more than {MAX_BLOCKS} command blocks" in err


