"""Step mode's mechanism (dropout_trace/steps.py), on a stand-in terminal: steps never taller than the screen,
the pause line erased, b redraws the step before, q stops, keys that mean nothing are ignored, piped never waits."""

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dropout_trace.pause import Quit
from dropout_trace.render import make_console
from dropout_trace.steps import CLEAR_SCREEN, ERASE_LINE, Steps, rows_of, stepping


from test_brief import Keys  # keys as typed: read(1) gives the next one, as a terminal in cbreak mode does
from test_brief import Terminal as Screen


def steps_on(keys: str, rows: int = 10, columns: int = 40) -> tuple[Steps, Screen]:
    screen = Screen()
    steps = Steps(screen, Keys(keys), {"LINES": str(rows), "COLUMNS": str(columns), "NO_COLOR": "1"})
    return steps, screen


def shown_between_pauses(text: str) -> list[list[str]]:
    """What each step put on the screen: the text between pause lines (a pause line ends where it is erased)."""
    text = text.replace("\x1b[2m", "").replace("\x1b[0m", "")  # the pause line's dim style
    chunks = re.split(r"── next: [^\n]*?──" + re.escape(ERASE_LINE), text)
    return [chunk.replace(CLEAR_SCREEN, "").split("\n")[:-1] if chunk.endswith("\n") else
            chunk.replace(CLEAR_SCREEN, "").split("\n") for chunk in chunks]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 90), min_size=1, max_size=40), st.integers(4, 30), st.integers(20, 100))
def test_no_step_is_taller_than_the_screen(widths, rows, columns):
    steps, screen = steps_on(" " * 200, rows, columns)
    for i, width in enumerate(widths):
        steps.write("x" * width + "\n")
        if i % 7 == 6:
            steps.pause(f"part {i}")
    for chunk in shown_between_pauses(screen.getvalue()):
        taken = [rows_of(line, columns) for line in chunk if line != ""]
        assert sum(taken) <= rows - 1 or len(taken) == 1  # the last row is the pause line's; a line is never cut
    shown = re.sub(r"── next: [^\n]*?──", "", screen.getvalue())
    assert shown.count("x") == sum(widths)  # nothing lost


def test_a_tall_step_is_cut_where_the_screen_fills_and_says_the_rest_follows():
    steps, screen = steps_on("  ", rows=5)
    steps.pause("stage 2 of 8, seed")  # nothing shown yet: no empty step, no wait
    assert steps.pauses == 0
    steps.write("".join(f"line {i}\n" for i in range(1, 9)))
    text = screen.getvalue()
    assert steps.pauses == 1 and "── next: the rest of stage 2 of 8, seed · Space: next · b: back · q: quit ──" in text
    before, after = text.split("── next:", 1)
    assert before == "line 1\nline 2\nline 3\nline 4\n" and after.split(ERASE_LINE, 1)[1] == "line 5\nline 6\nline 7\nline 8\n"


def test_the_pause_line_is_erased_when_a_key_is_pressed():
    steps, screen = steps_on(" ")
    steps.write("the header\n")
    steps.pause("stage 1 of 8, call")
    steps.write("stage 1\n")
    assert screen.getvalue() == "the header\n── next: stage 1 of 8, call · Space: next · b: back · q: quit ──" \
        + ERASE_LINE + "stage 1\n"


@pytest.mark.parametrize("key", [" ", "\r", "\n"])
def test_space_and_enter_go_on(key):
    steps, screen = steps_on(key)
    steps.write("one\n")
    steps.pause("two")
    steps.write("two\n")
    assert steps.pauses == 1 and screen.getvalue().endswith(ERASE_LINE + "two\n")


def test_b_redraws_the_step_before_and_on_comes_back_to_where_it_was():
    steps, screen = steps_on("  bb   ")
    for name in ("one", "two", "three"):
        steps.write(f"{name}\n")
        steps.pause(f"after {name}")
    text = screen.getvalue()
    redraws = text.split(CLEAR_SCREEN)[1:]
    # at the pause after "three": b shows "two", b again "one", then on: "two", on: "three", on: live again
    assert [r.split(ERASE_LINE)[0].split("── next:")[0] for r in redraws] == ["two\n", "one\n", "two\n", "three\n"]
    assert [r.split("── next: ")[1].split(" ·")[0] for r in redraws] == ["after two", "after one", "after two",
                                                                        "after three"]


def test_b_on_the_first_step_redraws_it():
    steps, screen = steps_on("b ")
    steps.write("first\n")
    steps.pause("second")
    assert screen.getvalue().count(CLEAR_SCREEN + "first\n") == 1


@pytest.mark.parametrize("key", ["q", "Q"])
def test_q_stops_at_once_and_later_prints_pass_through(key):
    steps, screen = steps_on("x?" + key)  # keys that mean nothing are ignored
    steps.write("one\n")
    with pytest.raises(Quit):
        steps.pause("two")
    assert steps.quit and steps.pauses == 1
    steps.write("what the command goes on printing\n")  # dropped: it is stopping
    steps.said("stopped before two")
    with pytest.raises(Quit):
        steps.pause("three")
    assert screen.getvalue().endswith(ERASE_LINE + "stopped before two\n")


def test_q_where_a_step_fills_the_screen_drops_the_rest_and_never_raises_inside_a_write():
    screen = Screen()
    console = make_console(screen, width=40, color=False)
    with stepping(console, Keys("q"), environ={"LINES": "5", "COLUMNS": "40", "NO_COLOR": "1"}) as steps:
        console.print("\n".join(f"line {i}" for i in range(1, 10)))  # q at the pause after line 4
        assert steps.quit
        console.print("extra")  # rich's buffer was written and emptied: nothing comes back
        steps.said("stopped")
    shown = screen.getvalue()
    assert shown.count("line 1\n") == 1 and "line 5" not in shown and "extra" not in shown
    assert shown.endswith("stopped\n")


def test_end_of_input_stops_rather_than_spinning():
    steps, _ = steps_on("")
    steps.write("one\n")
    with pytest.raises(Quit):
        steps.pause("two")


def test_piped_or_without_a_keyboard_it_never_steps():
    for screen, keys in ((io.StringIO(), Keys(" ")), (Screen(), io.StringIO(" "))):
        console = make_console(screen, width=40, color=False)
        with stepping(console, keys) as steps:
            assert steps is None and console.file is not None
            console.print("plain")
        assert "── next" not in screen.getvalue()


def test_a_console_already_stepping_keeps_its_steps_and_gets_its_file_back():
    screen = Screen()
    console = make_console(screen, width=40, color=False)
    before = console.file
    with stepping(console, Keys(" ")) as outer:
        assert isinstance(outer, Steps) and console.file is outer
        with stepping(console, Keys(" "), on=False) as inner:
            assert inner is outer
    assert console.file is before


def test_rows_of_counts_what_the_terminal_shows():
    assert rows_of("\n", 80) == 1
    assert rows_of("\x1b[1;32m" + "x" * 80 + "\x1b[0m\n", 80) == 1
    assert rows_of("x" * 81 + "\n", 80) == 2
    assert rows_of("·" * 40 + "\n", 20) == 2


def test_a_terminal_nobody_sized_falls_back_to_lines_and_columns():
    import os
    import pty

    from dropout_trace.env import terminal_size

    master, slave = pty.openpty()  # a new pseudo-terminal says 0 x 0
    try:
        with os.fdopen(os.dup(slave), "w") as file:
            assert terminal_size(file, {"LINES": "30", "COLUMNS": "100"}) == (100, 30)
            assert terminal_size(file, {}) == (80, 24)
    finally:
        os.close(master)
        os.close(slave)


def test_in_a_lesson_a_run_that_fits_shows_whole_and_a_taller_one_steps_per_stage():
    from dropout_trace.render import render_trace
    from test_snapshots import recorded

    screen = Screen()
    console = make_console(screen, width=100, color=False)
    size = {"LINES": "30", "COLUMNS": "100", "NO_COLOR": "1"}
    with stepping(console, Keys(" " * 100), environ=size) as steps:  # the lesson's
        render_trace(recorded("keras_none4"), console, brief=True, stages=("call", "noise_shape"))
        assert steps.pauses == 0  # it fits: shown whole, under the lesson's questions
        render_trace(recorded("keras_none4"), console)  # the full view, many screens
        labels = [end for end in steps.ends if end.startswith("stage ")]
        assert [label.split(",")[0] for label in labels] == [f"stage {i} of 8" for i in range(1, 9)]
