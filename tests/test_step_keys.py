"""Step mode as a room uses it, on a real pseudo-terminal 100 x 30 (a projector's): single keys (Space, Enter,
b, q, Ctrl-C), the pause line erased, and no step of `run --step`, `run --brief --step` or any bundled lesson
taller than the screen. Rows are counted by a VT emulator (pyte), as the terminal lays the text out."""

import re

import pytest

from dropout_trace.walkthrough import FOLDER, load
from terminal import Stepped, rows_taken

COLUMNS, ROWS = 100, 30
RUN = ["run", "--rate", "0.3", "--shape", "None,4", "--step"]
STAGE_HEADS = [f"{i} · " for i in range(1, 9)]
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def on(i, label):
    return b" "


def screen_of(output: bytes) -> list[str]:
    """What a 100 x 30 terminal shows after `output`."""
    import pyte

    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(output)
    return [line.rstrip() for line in screen.display]


def plain(shown: bytes) -> str:
    return ANSI.sub(b"", shown).decode(errors="replace").replace("\r", "")


def check_every_step_fits(stepped: Stepped, what: str) -> None:
    for label, shown in zip(["(the first)"] + stepped.labels, stepped.steps):
        taken = rows_taken(shown, COLUMNS)
        assert taken <= ROWS - 1, f"{what}: the step before {label!r} takes {taken} rows, with the pause line " \
                                  f"{taken + 1} > {ROWS}"


@pytest.mark.parametrize("args", [RUN, RUN + ["--brief"]], ids=["run", "brief"])
def test_space_goes_through_every_stage_a_screen_at_a_time(args):
    stepped = Stepped(args, COLUMNS, ROWS, on)
    assert stepped.status == 0
    check_every_step_fits(stepped, " ".join(args))
    stages = [label for label in stepped.labels if label.startswith("stage ")]
    assert [s.split(",")[0] for s in stages if not s.startswith("the rest")] == [f"stage {i} of 8" for i in range(1, 9)]
    assert stepped.labels[-1] == "the answer and the check"
    text = plain(stepped.output)
    assert "check passed" in text
    # the pause lines were erased: none is left on the screen at the end
    assert not any("next:" in line for line in screen_of(stepped.output))


def test_a_stage_taller_than_the_screen_is_split_and_says_the_rest_follows():
    stepped = Stepped(RUN, COLUMNS, ROWS, on)
    rest = [label for label in stepped.labels if label.startswith("the rest of stage")]
    assert rest, "no stage of the full run is taller than 30 rows?"
    whole = sum(rows_taken(shown, COLUMNS) for shown in stepped.steps)
    assert whole > ROWS  # the run itself is many screens


def test_enter_goes_on_as_space_does():
    spaced = Stepped(RUN + ["--brief"], COLUMNS, ROWS, on)
    entered = Stepped(RUN + ["--brief"], COLUMNS, ROWS, lambda i, label: b"\r")
    assert entered.status == 0 and entered.labels == spaced.labels


def test_b_redraws_the_step_before():
    stepped = Stepped(RUN, COLUMNS, ROWS, lambda i, label: b"b" if i == 2 else (b"q" if i == 3 else b" "))
    # pause 0 ends the first screen (header, answer, chain); pause 1 ends stage 1; b at pause 2 shows stage 1
    assert stepped.labels[:2] == ["stage 1 of 8, call", "stage 2 of 8, seed"]
    assert stepped.labels[3] == "stage 2 of 8, seed"  # the redrawn step's own pause names what follows it
    redrawn = screen_of(b"".join(stepped.steps[:4]))
    assert any(line.startswith("1 · ") for line in redrawn)
    assert not any(line.startswith("2 · ") for line in redrawn)
    assert stepped.steps[3].startswith(b"\r\x1b[2K\x1b[H\x1b[2J")  # the screen was cleared first
    assert stepped.status == 0


def test_q_quits_at_once_with_status_0():
    stepped = Stepped(RUN, COLUMNS, ROWS, lambda i, label: b"q" if i == 1 else b" ")
    assert stepped.status == 0 and len(stepped.labels) == 2
    after = plain(stepped.steps[-1])
    assert "stopped before stage 2 of 8, seed" in after and "2 · " not in after and "Traceback" not in after


def test_ctrl_c_at_a_pause_exits_130():
    stepped = Stepped(RUN, COLUMNS, ROWS, lambda i, label: b"\x03" if i == 1 else b" ")
    assert stepped.status == 130 and len(stepped.labels) == 2
    after = plain(stepped.steps[-1])
    assert "dropout-trace: error: interrupted" in after and "Traceback" not in after


def test_other_keys_do_nothing():
    stepped = Stepped(RUN + ["--brief"], COLUMNS, ROWS, lambda i, label: b"xz\x1b[A " if i == 0 else b"q")
    assert stepped.status == 0 and len(stepped.labels) == 2  # only the space went on


LESSONS = sorted(path.name for path in FOLDER.glob("*.md"))


def commands_of(block):
    return [step for step in block.steps if not isinstance(step, str)]


@pytest.mark.parametrize("name", LESSONS)
def test_every_step_of_every_bundled_lesson_fits_the_screen(name):
    stepped = Stepped(["walkthrough", "play", str(FOLDER / name), "--step"], COLUMNS, ROWS, on, timeout=300)
    assert stepped.status == 0, plain(stepped.steps[-1])[-600:]
    check_every_step_fits(stepped, name)
    assert any(label.startswith("block ") for label in stepped.labels)
    # a run block and the questions under it share a screen: the command line and the question's first words
    lesson = load(FOLDER / name, check=False)
    parts = list(lesson.parts)
    steps = [" ".join(plain(shown).split()) for shown in stepped.steps]
    for k, block in enumerate(parts):
        if isinstance(block, str) or not all(c.argv[0] == "run" for c in commands_of(block)):
            continue
        after = next((p for p in parts[k + 1:] if isinstance(p, str)), "")
        question = " ".join(re.sub(r"[`*]", "", after.strip().split("\n\n")[0]).split()[:6])
        last = commands_of(block)[-1]
        where = [i for i, text in enumerate(steps) if f"$ {' '.join(last.text.split())}" in text]
        assert where, f"{name}: block {block.number}'s command is not on any screen"
        assert question in steps[where[-1]], (f"{name}: the question after block {block.number} ({question!r}) is "
                                              f"not on the screen of its output")


def test_q_inside_a_run_of_a_lesson_stops_the_lesson_and_says_where_to_go_on(tmp_path):
    lesson = tmp_path / "long-run.md"  # a full run: taller than the screen, so it steps per stage
    lesson.write_text("# A long run\n\nFirst a short one.\n\n```bash\ndropout-trace explain\n```\n\nThen every stage."
                      "\n\n```bash\ndropout-trace run --rate 0.3 --shape None,4\ndropout-trace explain\n```\n")
    stepped = Stepped(["walkthrough", "play", str(lesson), "--step"], COLUMNS, ROWS,
                      lambda i, label: b"q" if label.startswith("stage 3 of 8") else b" ")
    assert stepped.status == 0
    assert "stage 1 of 8, call" in stepped.labels and "block 2 of 2" in stepped.labels
    after = plain(stepped.steps[-1])
    assert "stopped before stage 3 of 8, dropout_op" in after
    assert f"stopped in block 2; go on with: dropout-trace walkthrough play {lesson} --from 2" in " ".join(after.split())
    assert "$ dropout-trace explain" not in after  # nothing more ran


# After the command, in the same process: are the terminal's echo and line editing back on?
AFTER = ("import sys, termios\nfrom dropout_trace.cli import main\nstatus = main(sys.argv[1:])\n"
         "modes = termios.tcgetattr(0)[3]\n"
         "print('echo', bool(modes & termios.ECHO), 'lines', bool(modes & termios.ICANON))\nsys.exit(status)\n")


@pytest.mark.parametrize("key, status", [(b"q", 0), (b"\x03", 130), (b" ", 0)])
def test_the_terminal_is_put_back_however_step_mode_ends(key, status):
    stepped = Stepped(RUN + ["--brief"], COLUMNS, ROWS, lambda i, label: key if i == 1 else b" ",
                      python=["-c", AFTER])
    assert stepped.status == status
    assert "echo True lines True" in plain(stepped.steps[-1])


def test_keys_pressed_while_a_step_prints_are_not_echoed_and_wait_their_turn():
    # three spaces at the first pause: the run goes on three steps without waiting, and no key shows
    stepped = Stepped(RUN + ["--brief"], COLUMNS, ROWS, lambda i, label: b"   " if i == 0 else (b"" if i < 3 else b"q"))
    assert stepped.status == 0 and len(stepped.labels) == 4
    assert all(not shown.replace(b"\r\x1b[2K", b"").startswith(b" ") for shown in stepped.steps[1:])
