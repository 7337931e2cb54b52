"""`walkthrough check`: every command of a lesson parsed by the real command tree and checked by the command
itself, nothing run and no TensorFlow imported (this tier fails any import of it); each problem one line with
file, line and the tool's own error, exit 2. The statuses a played lesson stops with are in
tests/test_walkthroughs.py."""

from pathlib import Path

from dropout_trace.cli import main
from dropout_trace.walkthrough import bundled

from inproc import run


def lesson(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.md"
    path.write_text(text, encoding="utf-8")
    return path


def commands_in(path: Path) -> int:
    """The lines a student could copy as a command: each starts with dropout-trace (after a console prompt)."""
    lines = [line.strip().removeprefix("$ ").strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return sum(1 for line in lines if line.split(" ", 1)[0] == "dropout-trace")


def test_the_bundled_lessons_pass_and_every_command_is_counted():
    ran = run("walkthrough", "check")
    assert ran.status == 0 and ran.err == ""
    total = sum(commands_in(p) for p in bundled())
    assert ran.out == f"{len(bundled())} lessons, {total} commands: every one may run\n"


def test_each_bad_command_is_reported_with_its_line_and_the_tools_own_error(tmp_path):
    bad = [["run", "--rate", "2", "--shape", "None,4"], ["run", "--rate", "0.3", "--shape", "None,4", "--frobnicate"],
           ["explain", "nosuch"]]
    path = lesson(tmp_path, "# Mine\n\n```bash\ndropout-trace versions\n" + "".join(
        f"dropout-trace {' '.join(a)}\n" for a in bad[:2]) + "```\n\nThen:\n\n```console\n$ dropout-trace "
        + " ".join(bad[2]) + "\n```\n")
    ran = run("walkthrough", "check", str(path))
    assert ran.status == 2 and ran.out == "3 problems in 1 lesson\n"
    lines = ran.err.splitlines()
    assert [line.removeprefix("dropout-trace: error: ").split(": ", 1)[0] for line in lines] == [
        f"{path}:5", f"{path}:6", f"{path}:12"]
    for line, argv in zip(lines, bad):
        own = run(*argv).err.strip().removeprefix("dropout-trace: error: ")  # the command's own words for it
        assert own.split("; see")[0] in line, (own, line)


def test_a_lesson_without_a_command_is_refused_by_check_and_play(tmp_path):
    path = lesson(tmp_path, "# Words only\n\nNothing to run here.\n")
    for argv in (["walkthrough", "check", str(path)], ["walkthrough", "play", str(path)]):
        ran = run(*argv)
        assert ran.status == 2 and "the lesson has no dropout-trace command;" in ran.err


def test_play_refuses_what_check_reports(tmp_path, capsys):
    path = lesson(tmp_path, "# Mine\n\n```bash\ndropout-trace versions\ndropout-trace run --rate 2 --shape None,4\n```\n")
    assert main(["walkthrough", "play", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"{path}:5: --rate 2" in err


def test_an_unknown_lesson_is_a_usage_error():
    ran = run("walkthrough", "check", "99")
    assert ran.status == 2 and "no lesson '99'" in ran.err
