"""The status line (dropout_trace/status.py): on a terminal's stderr only, replaced as work goes on, erased before
output and at the end; a command whose stderr is no terminal (one a lesson runs) writes on the nearest that is."""

import io

from dropout_trace import status
from dropout_trace.status import ERASE


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_the_line_replaced_then_erased():
    err = Tty()
    with status.line(err, {"NO_COLOR": "1"}):
        status.say("loading TensorFlow…")
        status.say("running…")
        status.clear()
        status.clear()  # erased once is enough
    assert err.getvalue() == ERASE + "loading TensorFlow…" + ERASE + "running…" + ERASE


def test_the_line_is_erased_when_the_command_ends_without_output():
    err = Tty()
    with status.line(err, {"NO_COLOR": "1"}):
        status.say("working")
    assert err.getvalue().endswith("working" + ERASE)


def test_dim_only_where_colour_is_allowed():
    err = Tty()
    with status.line(err, {}):
        status.say("working")
    assert "\x1b[2mworking\x1b[0m" in err.getvalue()


def test_piped_or_captured_nothing_is_written():
    err = io.StringIO()
    with status.line(err, {}):
        status.say("loading TensorFlow…")
        status.clear()
    assert err.getvalue() == ""


def test_outside_any_command_saying_is_harmless():
    status.say("nothing listens")  # the notebook's trace() runs no command
    status.clear()


def test_an_inner_command_without_a_terminal_writes_on_the_outer_one():
    outer, inner = Tty(), io.StringIO()
    with status.line(outer, {"NO_COLOR": "1"}):
        with status.line(inner, {}):
            status.say("measuring: 0 of 2 done…")
            status.clear()
    assert inner.getvalue() == "" and outer.getvalue() == ERASE + "measuring: 0 of 2 done…" + ERASE


def test_what_it_says_is_escaped():
    err = Tty()
    with status.line(err, {"NO_COLOR": "1"}):
        status.say("a\x1b[2Jb\nc")
    assert "\x1b[2J" not in err.getvalue() and "\n" not in err.getvalue()


def test_an_error_line_erases_the_status_first():
    from dropout_trace.errors import ExitStatus, fail

    err = Tty()

    class Streams:
        stdout, stderr = io.StringIO(), err

    with status.line(err, {"NO_COLOR": "1"}):
        status.say("loading TensorFlow…")
        assert fail("--rate 2 is outside [0, 1]", ExitStatus.USAGE, Streams) == 2
    assert err.getvalue() == ERASE + "loading TensorFlow…" + ERASE + "dropout-trace: error: --rate 2 is outside [0, 1]\n"


def test_a_line_wider_than_the_terminal_is_cut_to_one_row():
    import os
    import pty
    import struct
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    try:
        with os.fdopen(os.dup(slave), "w") as err:
            with status.line(err, {"NO_COLOR": "1"}):
                status.say("loading TensorFlow (a few seconds, once per process)…")
            written = os.read(master, 4096).decode()
    finally:
        os.close(master)
        os.close(slave)
    body = written.split(ERASE)[1]
    assert len(body) == 39 and body.endswith("…")
