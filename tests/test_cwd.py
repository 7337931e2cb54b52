"""Without a usable current directory (deleted, or one this process may not read), every command still works:
nothing the tool reads depends on it. Only a relative path the user gives (--export x.svg) needs it."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from dropout_trace.cli import main
from dropout_trace.landmarks import relative_file

COMMANDS = [
    ["run", "--rate", "0.3", "--shape", "None,4"],  # first: TensorFlow is imported here, without a directory
    ["run", "--rate", "0.3", "--shape", "None,4", "--format", "json"],
    ["chain", "--source"],
    ["graph", "--format", "dot"],
    ["compare"],
    ["versions"],
    ["stats", "--trials", "20", "--format", "json"],
    ["explain"],
    ["explain", "static-vs-dynamic"],
    ["walkthrough"],
    ["shell"],  # its stdin is empty: it starts and ends
]

# Each command in one fresh process (TensorFlow is loaded once), its status and what it wrote to stderr.
CHILD = textwrap.dedent("""
    import json, os, sys, tempfile
    from dropout_trace.cli import main

    sys.path.append("relative/entry")  # as an editable install's path hook puts there: resolving it needs the cwd
    results, real = [], sys.stdout
    for argv in json.loads(sys.argv[1]):
        with open(os.devnull, "w", encoding="utf-8") as out, \\
                tempfile.TemporaryFile("w+", encoding="utf-8") as err:
            sys.stdout, sys.stderr = out, err
            try:
                status = main(argv)
            finally:
                sys.stdout, sys.stderr = real, sys.__stderr__
            err.seek(0)
            results.append({"argv": argv, "status": status, "stderr": err.read()})
    print(json.dumps(results))
""")


def _no_dac_override() -> list[str] | None:
    """As root, permissions do not apply; setpriv drops the capabilities that bypass them, so a mode-000
    folder is unreadable to the child. None where that cannot be done."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]


def _enter(folder: str, how: str):
    """In the child, before Python starts: make `folder` the current directory, then take it away."""
    def enter():
        os.chdir(folder)
        if how == "deleted":
            os.rmdir(folder)
        else:
            os.chmod(folder, 0)
    return enter


@pytest.mark.skipif(sys.platform == "win32", reason="a current directory cannot be deleted or made unreadable")
@pytest.mark.parametrize("how", ["deleted", "unreadable"])
def test_every_command_works_without_a_usable_current_directory(tmp_path, how):
    prefix = [] if how == "deleted" else _no_dac_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: a mode-000 folder stays readable")
    folder = tmp_path / "here"
    folder.mkdir()
    try:
        done = subprocess.run(prefix + [sys.executable, "-c", CHILD, json.dumps(COMMANDS)], capture_output=True,
                              text=True, timeout=600, stdin=subprocess.DEVNULL,
                              preexec_fn=_enter(str(folder), how))
    finally:
        if folder.exists():
            folder.chmod(0o700)
    assert done.returncode == 0, done.stderr[-3000:]
    for result in json.loads(done.stdout):
        assert (result["status"], result["stderr"]) == (0, ""), result
    assert done.stderr == ""


def test_landmark_files_are_named_without_a_current_directory(keras, tmp_path, monkeypatch):
    """The cause: relative_file made every sys.path entry absolute, and a relative one needs os.getcwd()."""
    here = tmp_path / "gone"
    here.mkdir()
    monkeypatch.chdir(here)
    here.rmdir()
    monkeypatch.setattr(sys, "path", ["relative/entry", *sys.path])
    with pytest.raises(FileNotFoundError):
        os.getcwd()
    assert relative_file(keras.__file__) == "keras/__init__.py"


def test_an_absolute_export_works_without_a_current_directory(tf, tmp_path, monkeypatch, capsys):
    here = tmp_path / "gone"
    here.mkdir()
    monkeypatch.chdir(here)
    here.rmdir()
    target = tmp_path / "trace.txt"
    assert main(["run", "--rate", "0.3", "--shape", "None,4", "--export", str(target)]) == 0
    assert capsys.readouterr().err == ""
    assert "keep_mask" in target.read_text() or target.stat().st_size > 0


def test_a_relative_export_without_a_current_directory_is_one_line(tmp_path, monkeypatch, capsys):
    here = tmp_path / "gone"
    here.mkdir()
    monkeypatch.chdir(here)
    here.rmdir()
    status = main(["run", "--rate", "0.3", "--shape", "None,4", "--export", "x.svg"])
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dropout-trace: error: --export 'x.svg'"), err
    assert "give an absolute path" in lines[0]
