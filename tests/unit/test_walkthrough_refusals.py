"""Lessons refused before anything plays, no TensorFlow: a lesson that runs anything but dropout-trace, and
the lesson list and an unknown lesson. Playing each lesson is tested in tests/test_walkthroughs.py."""

import re
from pathlib import Path

import pytest

from dropout_trace.cli import main

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "walkthroughs").glob("[0-9]*.md"))


@pytest.mark.parametrize("line", [
    "rm -rf x", "python -c 'print(1)'", "dropout-trace versions | head", "dropout-trace versions > out.txt",
    "dropout-trace versions; rm x", "dropout-trace versions && rm x", "dropout-trace run `rm x`",
    "dropout-trace run $(rm x)", "dropout-trace walkthrough play 01", "dropout-trace --debug shell",
    "dropout-trace versions --export out.txt", "FOO=1 dropout-trace versions",
])
def test_a_lesson_with_anything_but_dropout_trace_is_refused_and_nothing_runs(tmp_path, capsys, line):
    lesson = tmp_path / "mine.md"
    lesson.write_text(f"# Mine\n\nFirst:\n\n```bash\ndropout-trace versions\n```\n\nThen:\n\n```console\n$ {line}\n```\n")
    assert main(["walkthrough", "play", str(lesson)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # not even the first block, nor the prose
    assert len(err.splitlines()) == 1 and f"{lesson}:12:" in err


def test_the_list_and_an_unknown_lesson(capsys):
    assert main(["walkthrough"]) == 0
    out = capsys.readouterr().out
    assert len(LESSONS) >= 6
    for path in LESSONS:
        text = path.read_text()
        title = next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))
        blocks = len(re.findall(r"^```(?:bash|console)\s*$", text, re.M))
        line = next(line for line in out.splitlines() if line.strip().startswith(path.name[:2] + " "))
        assert title in line and re.search(rf"\s{blocks}\s", line), line
    assert main(["walkthrough", "play", "99"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "'99'" in err
    assert main(["walkthrough", "play", "01", "--from", "9"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1
