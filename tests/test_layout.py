"""Layout of live runs and real terminals: op numbers whole, README grids and shapes, nothing cut at 40
columns without saying so, plain output without trailing spaces. The layout of recorded snapshots is
tested without TensorFlow in tests/unit/test_render_layout.py."""

import os
import re
import shlex
import struct
import subprocess
import sys

import pytest

from dropout_trace.cli import main
from dropout_trace.render import DROPPED, KEPT, grid

from layout_checks import ANSI, BROKEN_SHAPE, check_narrow, render, slice_rows

# a line that ends inside a shape or a short list: "(None, None," or "[3,"


def cli(capsys, monkeypatch, command: str, width: int) -> tuple[int, str]:
    """Run a command in process at `width` columns: --width where it has one, else the terminal's COLUMNS."""
    args = shlex.split(command)
    monkeypatch.setenv("COLUMNS", str(width))
    if not (args[0] == "walkthrough" or args == ["explain"]):
        args += ["--width", str(width)]
    status = main(args)
    return status, capsys.readouterr().out


# -- graph: the op numbers ---------------------------------------------------------------------------
@pytest.mark.parametrize("width", [80, 120])
def test_graph_numbers_every_op_whole(tf, capsys, monkeypatch, width):
    from dropout_trace.graphview import graph_view
    from dropout_trace.spec import build_spec

    ops = graph_view(build_spec(rate="0.3", shape="None,4")).ops
    status, text = cli(capsys, monkeypatch, "graph --rate 0.3 --shape None,4", width)
    assert status == 0 and len(ops) > 10  # two-digit numbers are the point
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "type"]) + 1
    rows = lines[start:start + len(ops)]
    assert [row.split()[0] for row in rows] == [str(i) for i in range(len(ops))]
    assert [row.split()[1] for row in rows] == [op.type for op in ops]
    assert max(map(len, lines)) <= width


# -- grids: one column width per grid, and every slice while they fit -----------------------------------


def test_readme_bfloat16_grids_line_up(traced):
    trace = traced(rate="0.3", shape="None,None,8", dtype="bfloat16", batch=2)
    for name, kind in (("random", "random"), ("output", "output"), ("input", "values")):
        value = trace.tensors[name]
        rows = slice_rows(grid(value, kind, 76).plain)
        assert len(rows) == value.shape[0] * value.shape[1]  # 2 slices of 2 rows, none hidden
        assert len({len(row) for row in rows}) == 1, name


# -- value tables and prose: shapes never break --------------------------------------------------------


def test_readme_bfloat16_shapes_are_whole(traced):
    trace = traced(rate="0.3", shape="None,None,8", dtype="bfloat16", batch=2)
    for width in range(60, 131, 7):
        lines = render(trace, width).splitlines()
        assert "bfloat16 (None, None, 8)" in "\n".join(lines)
        assert not [line for line in lines if BROKEN_SHAPE.search(line.rstrip())], width


# -- 40 columns: readable, or one note at the top -----------------------------------------------------
COMMANDS = ["run --rate 0.3 --shape None,4", "run --rate 0.3 --shape None,4 --brief",
            "run --rate 0.3 --shape None,4 --calls 2", "chain --rate 0.3 --shape None,4",
            "graph --rate 0.3 --shape None,4", "compare --rate 0.3 --shape None,4", "versions",
            "stats --rate 0.3 --shape None,8 --trials 20", "explain", "explain noise-shape"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_at_40_columns(tf, capsys, monkeypatch, command):
    status, text = cli(capsys, monkeypatch, command, 40)
    assert status == 0
    check_narrow(text, 40)


def test_walkthrough_command_at_40_columns(capsys, monkeypatch):
    status, text = cli(capsys, monkeypatch, "walkthrough", 40)
    assert status == 0
    check_narrow(text, 40)


# -- plain output ------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [40, 100])
@pytest.mark.parametrize("command", COMMANDS + ["walkthrough", "explain seeds"])
def test_plain_output_has_no_trailing_spaces(tf, capsys, monkeypatch, command, width):
    status, text = cli(capsys, monkeypatch, command, width)
    assert status == 0 and text.strip()
    assert "\x1b[" not in text
    assert [line for line in text.split("\n") if line != line.rstrip()] == []


def test_txt_export_has_no_trailing_spaces(tf, capsys, tmp_path):
    target = tmp_path / "t.txt"
    assert main(["graph", "--shape", "None,4", "--width", "100", "--export", str(target)]) == 0
    capsys.readouterr()
    text = target.read_text()
    assert "StatelessRandomUniformV2" in text
    assert [line for line in text.split("\n") if line != line.rstrip()] == []


# -- the chain tree ----------------------------------------------------------------------------------


# -- small words -------------------------------------------------------------------------------------


# -- a real terminal -----------------------------------------------------------------------------------
def run_in_terminal(args: list[str], columns: int, env_extra: dict | None = None, timeout: float = 90,
                    rows: int = 50) -> str:
    """Run the CLI on a pseudo-terminal `columns` wide and `rows` high; its output, with the terminal's \\r\\n
    as \\n."""
    import fcntl
    import pty
    import termios

    from terminal import read_until

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.update(env_extra or {})
    child = subprocess.Popen([sys.executable, "-m", "dropout_trace", *args], stdin=slave, stdout=slave,
                             stderr=slave, env=env, close_fds=True)
    os.close(slave)
    try:
        seen = read_until(master, timeout=timeout, child=child)
    finally:
        os.close(master)
        assert child.wait(timeout=30) == 0
    return seen.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 120])
def test_graph_in_a_real_terminal_is_coloured_and_fits(columns):
    raw = run_in_terminal(["graph", "--rate", "0.3", "--shape", "None,4"], columns)
    assert ANSI.search(raw)  # a terminal gets colour
    lines = ANSI.sub("", raw).splitlines()
    assert max(map(len, lines)) <= columns
    numbers = [line.split()[0] for line in lines if re.match(r"^ *\d+ +[A-Z]\w+ ", line)]
    assert numbers == [str(i) for i in range(len(numbers))] and len(numbers) > 10


def test_narrow_terminal_with_no_color_is_plain_and_says_so_once():
    raw = run_in_terminal(["run", "--rate", "0.3", "--shape", "None,4"], 40, {"NO_COLOR": "1"})
    said, raw = raw.rsplit("\r\x1b[2K", 1)  # the status line on stderr, erased before the output
    assert "loading TensorFlow" in said and not ANSI.search(raw)
    check_narrow(raw, 40)
    assert [line for line in raw.split("\n") if line != line.rstrip()] == []
    assert "check passed" in raw and KEPT in raw and DROPPED in raw
