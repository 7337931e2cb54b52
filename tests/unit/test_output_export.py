"""Output's one export path on a recorded snapshot, no TensorFlow: text, JSON, SVG and HTML files, themes,
never overwriting, and every export that cannot be written refused before any work, leaving nothing.
A reader that stops early and forced colour, in a real process, are in tests/test_output.py."""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from dropout_trace.cli import main
from dropout_trace.output import Output
from dropout_trace.render import render_trace
from dropout_trace.spec import UsageError

from test_snapshots import recorded


def export(tmp_path, name, **kw):
    trace = recorded("keras_none4")
    out = Output(str(tmp_path / name), **kw)
    out.save(text=lambda console: render_trace(trace, console), data=lambda: {"api": trace.api})
    return (tmp_path / name).read_text()


UNWRITABLE = {"proc": ("/proc/trace.svg", "cannot create a file in the folder '/proc'"),
              "sys": ("/sys/trace.json", "cannot create a file in the folder '/sys'"),
              "name-max": ("{tmp}/" + "n" * 252 + ".svg", "the file name is 256 bytes long; this file system takes "
                           "at most 255")}


def test_a_failed_export_leaves_no_file(tmp_path):
    out = Output(str(tmp_path / "t.svg"))

    def broken(console):
        console.print("half")
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError):
        out.save(text=broken)
    assert os.listdir(tmp_path) == []  # neither the target nor a temporary file


def test_a_nul_in_the_export_name_is_bad_input(tmp_path, capsys):
    assert main(["versions", "--export", str(tmp_path / "a\x00b.svg")]) == 2
    assert "a\\x00b.svg': a file name cannot contain a NUL character" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_write_that_fails_late_names_the_users_file_and_leaves_nothing(tmp_path):
    """The folder went away after the check (as a full disk or a lost mount would fail): the error names
    the export, not the temporary file, and nothing is left."""
    folder = tmp_path / "gone"
    folder.mkdir()
    out = Output(str(folder / "t.svg"))
    folder.rmdir()
    with pytest.raises(FileNotFoundError) as caught:
        out.save(text=lambda console: console.print("x"))
    assert caught.value.filename == str(folder / "t.svg") and ".dropout-trace-" not in str(caught.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("case", UNWRITABLE)
def test_an_export_that_cannot_be_written_is_refused_before_any_work(tmp_path, case):
    """Exit 2 with one line naming the user's path, before TensorFlow is imported; nothing left behind."""
    target, said = UNWRITABLE[case]
    target = target.format(tmp=tmp_path)
    code = ("import sys; from dropout_trace.cli import main; status = main(sys.argv[1:]); "
            "assert 'tensorflow' not in sys.modules, 'imported TF'; sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code, "run", "--rate", "0.3", "--shape", "None,4", "--export",
                             target], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and line.startswith(f"dropout-trace: error: --export '{target[:40]}")
    assert said in line and ".dropout-trace-" not in line
    assert os.listdir(tmp_path) == [] and not os.path.exists(target)


@pytest.mark.parametrize("args", [["--export", "t.png"], ["--width", "20"], ["--theme", "sepia"]])
def test_bad_output_options_are_one_line(tmp_path, capsys, args):
    assert main(["versions", *args]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_light_theme_changes_the_colours(tmp_path):
    dark, light = export(tmp_path, "d.html"), export(tmp_path, "l.html", theme="light")
    assert dark != light


def test_missing_folder_fails_clearly_and_leaves_nothing(tmp_path, capsys):
    target = tmp_path / "missing" / "t.svg"
    assert main(["versions", "--export", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_never_overwrites_without_force(tmp_path):
    target = tmp_path / "t.svg"
    target.write_text("mine")
    with pytest.raises(UsageError, match="--force"):
        Output(str(target))
    assert target.read_text() == "mine"
    Output(str(target), force=True).save(text=lambda console: console.print("new"))
    assert "new" in target.read_text()


def test_svg_is_xml_with_colour(tmp_path):
    svg = export(tmp_path, "t.svg", width=100)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "check passed" in svg.replace("&#160;", " ")
    assert "fill:" in svg or "fill=" in svg  # coloured spans survive in the recording


def test_txt_is_plain_and_json_is_the_data(tmp_path):
    text = export(tmp_path, "t.txt", width=100)
    assert "\x1b[" not in text and "check passed" in text
    assert all(line == line.rstrip() for line in text.splitlines())
    assert export(tmp_path, "t.json").strip() == '{\n  "api": "keras"\n}'


def test_html_loads_in_a_real_browser(tmp_path):
    html = export(tmp_path, "t.html", width=100)
    assert "<html" in html.lower() and "check passed" in html
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        pytest.skip("no headless Chromium installed; the HTML was checked as text only")
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", (tmp_path / "t.html").as_uri()],
                            capture_output=True, text=True, timeout=60)
    assert "check passed" in result.stdout


def _explain_list(stdout, tmp_path, width: str):
    """`explain` (the topic list, no TensorFlow) with --width and a .txt export: (its stderr, the export)."""
    import io

    from dropout_trace.env import Env

    err = io.StringIO()
    env = Env(stdout=stdout, stderr=err, stdin=io.StringIO(), environ={"NO_COLOR": "1"})
    assert main(["explain", "--width", width, "--export", str(tmp_path / "list.txt")], env) == 0
    return err.getvalue(), (tmp_path / "list.txt").read_text()


def test_a_width_wider_than_the_terminal_says_so_once_and_applies_to_exports_only(tmp_path):
    """On an 80-column terminal --width 100 would wrap every line; the screen keeps 80 (no line longer),
    one note says so, and the export is 100 wide (its rule spans 100 columns)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        with os.fdopen(os.dup(slave), "w", encoding="utf-8") as screen:
            err, exported = _explain_list(screen, tmp_path, "100")
        shown = b""
        while __import__("select").select([master], [], [], 0.2)[0]:
            shown += os.read(master, 65536)
    finally:
        os.close(master)
        os.close(slave)
    lines = shown.decode().replace("\r\n", "\n").splitlines()
    assert len(lines) > 10 and max(map(len, lines)) == 80  # the rule under the title spans the terminal
    assert err == (f"dropout-trace: note: --width 100 is wider than this 80-column terminal; the screen uses 80, "
                   f"exports use 100\n")
    assert max(len(line) for line in exported.splitlines()) == 100


def test_a_wide_width_piped_is_kept_as_given(tmp_path):
    import io

    piped = io.StringIO()
    err, exported = _explain_list(piped, tmp_path, "100")
    assert err == "" and max(len(line) for line in piped.getvalue().splitlines()) == 100
    assert max(len(line) for line in exported.splitlines()) == 100
