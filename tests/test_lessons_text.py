"""Every bundled lesson, played command by command: each exits as the lesson expects, and each section
or stage its prose names is in that command's real output (tests/lesson_text.py lists the patterns)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dropout_trace.walkthrough import bundled, load

import inproc
from lesson_text import expected, references, sections, unmet

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 100
LESSONS = {p.name[:2]: load(p, check=False) for p in bundled()}
# Known false today (issue 15): the lesson fixes land with the sentences part; strict, so each
# marker fails once its lesson is right and must go.
# A lesson fault found and not yet fixed is a strict xfail here, so the fix has to remove it:
KNOWN: dict = {}  # (lesson, block number) -> why
KNOWN_COMMANDS: dict = {}  # (lesson, a word of the command) -> why

_ran: dict = {}

# A child with the CPU split into the logical devices the lesson's --replicas need; TensorFlow can
# split only before it first runs, and this process's has.
CHILD = """
import json, sys
sys.path.insert(0, "tests")
from dropout_trace.tfenv import quiet_environment, import_tensorflow
quiet_environment()
import_tensorflow(int(sys.argv[1]))
import inproc
done = []
for argv in json.loads(sys.stdin.read()):
    r = inproc.run(*argv, columns=int(sys.argv[2]))
    done.append([argv, r.status, r.out, r.err])
json.dump(done, sys.stdout)
"""


def _all_argv(lesson) -> list[tuple[str, ...]]:
    return [w.argv for w in expected(lesson)]


def outputs(number: str, argvs) -> list[inproc.Ran]:
    """Each command's (status, stdout, stderr), run as the player runs it: main(argv, env), in process."""
    lesson = LESSONS[number]
    missing = [a for a in argvs if (number, a) not in _ran]
    if missing and lesson.replicas > 1:
        missing = [a for a in _all_argv(lesson) if (number, a) not in _ran]  # one child for the lesson
        child = subprocess.run([sys.executable, "-c", CHILD, str(lesson.replicas), str(WIDTH)], cwd=ROOT,
                               input=json.dumps(missing), capture_output=True, text=True, timeout=600)
        assert child.returncode == 0, child.stderr[-3000:]
        for argv, status, out, err in json.loads(child.stdout):
            _ran[number, tuple(argv)] = inproc.Ran(status, out, err)
    for argv in missing:
        _ran.setdefault((number, argv), inproc.run(*argv, columns=WIDTH))
    return [_ran[number, a] for a in argvs]


def _block_cases():
    for number, lesson in LESSONS.items():
        for section in sections(lesson):
            for block in section.blocks:
                reason = KNOWN.get((number, block.number))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(number, section.heading, block.number, id=f"{number}-block{block.number}",
                                   marks=marks)


def _prose_cases():
    for number, lesson in LESSONS.items():
        for k, wanted in enumerate(w for w in expected(lesson) if w.shown):
            reason = next((why for (n, word), why in KNOWN_COMMANDS.items() if n == number and word in wanted.argv),
                          None)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(number, wanted, id=f"{number}-prose{k + 1}", marks=marks)


@pytest.mark.parametrize("number, heading, block_number", list(_block_cases()))
def test_block_exits_as_expected_and_its_prose_names_what_it_printed(tf, number, heading, block_number):
    lesson = LESSONS[number]
    section = next(s for s in sections(lesson) if s.heading == heading)
    block = lesson.blocks[block_number - 1]
    lines = {c.line for c in block.steps if not isinstance(c, str)}
    wanted = [w for w in expected(lesson) if not w.shown and int(w.where.rsplit(":", 1)[1]) in lines]
    ran = outputs(number, [w.argv for w in wanted])
    for w, r in zip(wanted, ran):
        assert r.status == w.status, f"{w.where}: exit {r.status}, the lesson expects {w.status}\n{r.err[-1500:]}"
    if block_number != section.blocks[0].number:
        return  # the section's prose is checked once, against all its blocks' output
    shown = [r.out for r in outputs(number, [c.argv for b in section.blocks for c in b.steps if not isinstance(c, str)])]
    problems = [why for p in section.paragraphs for ref in references(p) if (why := unmet(ref, shown, lesson, section))]
    assert not problems, f"{lesson.path.name}, block {block_number}: " + "; ".join(problems)


@pytest.mark.parametrize("number, wanted", list(_prose_cases()))
def test_a_command_the_prose_asks_for_runs(tf, number, wanted):
    (ran,) = outputs(number, [wanted.argv])
    assert ran.status == wanted.status, (f"{wanted.where}: dropout-trace {' '.join(wanted.argv)} exits {ran.status}, "
                                         f"the lesson expects {wanted.status}: {ran.err.strip()[-500:]}")


def test_the_player_shows_an_expected_status_as_a_comment_and_runs_on(tf, tmp_path):
    """`# exit status N` is a comment to the player: shown, never run; it marks the next command only, and a
    command that exits as marked lets the lesson go on (one that does not stops it: tests/test_walkthroughs.py)."""
    lesson = tmp_path / "marked.md"
    refused = "dropout-trace run --api tf.nn.dropout --rate 1 --shape None,4"  # TensorFlow's refusal: exit 4
    lesson.write_text(f"# Marked\n\n```bash\n# exit status 4\n{refused}\ndropout-trace explain\n```\n")
    first, second = [s for s in load(lesson, check=False).blocks[0].steps if not isinstance(s, str)]
    assert (first.expect, second.expect) == (4, 0)
    ran = inproc.run("walkthrough", "play", str(lesson), "--width", str(WIDTH))
    assert ran.status == 0 and "# exit status 4" in ran.out and f"$ {refused}" in ran.out
    assert "$ dropout-trace explain" in ran.out and "stops here" not in ran.out


def _tracing_questions():
    for number, lesson in LESSONS.items():
        for section in sections(lesson):
            if any(re.search(r"how many times (was it|was the function|it was) traced", p, re.I)
                   for p in section.paragraphs):
                yield pytest.param(number, section.heading, id=f"{number}-{section.heading[:20]}")


@pytest.mark.parametrize("number, heading", list(_tracing_questions()))
def test_a_lesson_that_asks_how_many_traces_shows_the_line_that_answers(tf, number, heading):
    lesson = LESSONS[number]
    section = next(s for s in sections(lesson) if s.heading == heading)
    shown = outputs(number, [c.argv for b in section.blocks for c in b.steps if not isinstance(c, str)])
    assert any(re.search(r"\btraced (\d+ times?|\d+x|once|twice)\b", r.out) for r in shown), heading
