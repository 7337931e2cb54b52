"""The injectable environment: commands rendered in process into a StringIO env (tests/inproc.py)."""

import os
import subprocess
import sys

from inproc import run

RUN = ("run", "--rate", "0.3", "--shape", "None,4", "--brief")
ESC = "\x1b["


def test_bad_input_is_one_line_on_the_envs_stderr_before_tensorflow():
    done = run("run", "--rate", "2", "--shape", "None,4")
    assert done.status == 2 and done.out == ""
    assert done.err.startswith("dropout-trace: error: --rate 2 is outside") and done.err.count("\n") == 1


def test_help_goes_to_the_envs_stdout():
    done = run("run", "--help")
    assert done.status == 0 and done.err == ""
    assert "--noise-shape" in done.out and "Exit status: 0 ok" in done.out
    bare = run("run")  # a bare command asks for its help
    assert bare.status == 0 and bare.out.startswith("Usage: dropout-trace run")


def test_no_color_has_no_escape_codes_and_force_color_has_them(tf):
    plain = run(*RUN, environ={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    coloured = run(*RUN, environ={"FORCE_COLOR": "1"})
    assert plain.status == coloured.status == 0
    assert ESC not in plain.out and ESC in coloured.out
    assert "check passed" in plain.out


def test_in_process_output_is_the_piped_programs(tf):
    """What main writes into a StringIO env is byte for byte what the real program writes to a pipe."""
    ours = run(*RUN, columns=100, environ={"NO_COLOR": "1"})
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    done = subprocess.run([sys.executable, "-m", "dropout_trace", *RUN], capture_output=True, text=True,
                          timeout=300, env={**environ, "COLUMNS": "100", "NO_COLOR": "1"})
    assert (done.returncode, done.stdout, done.stderr) == (ours.status, ours.out, ours.err)


def test_main_rebinds_no_stream_and_writes_nothing_outside_its_env(capsys):
    before = (sys.stdout, sys.stderr)
    done = run("run", "--rate", "2", "--shape", "None,4")
    assert done.status == 2 and (sys.stdout, sys.stderr) == before
    assert capsys.readouterr() == ("", "")


def test_debug_is_read_by_the_parser_wherever_it_stands():
    import io

    import pytest

    from dropout_trace.cli import main
    from dropout_trace.env import Env
    from dropout_trace.spec import UsageError

    for argv in (["--debug", "run", "--rate", "2", "--shape", "None,4"],
                 ["run", "--rate", "2", "--shape", "None,4", "--debug"]):
        with pytest.raises(UsageError):  # --debug: the error itself, with its traceback
            main(argv, Env(io.StringIO(), io.StringIO(), io.StringIO()))
    assert run("run", "--rate", "2", "--shape", "None,4", "--debugx").status == 2  # not --debug: one line


def test_a_lessons_command_is_checked_quietly_with_nothing_run(capsys):
    from dropout_trace.cmdline import checked

    assert checked(["run", "--rate", "0.3", "--shape", "None,4"]) is None
    assert checked(["run", "--help"]) is None
    assert checked(["run", "--rate", "2", "--shape", "None,4"]).startswith("--rate 2 is outside")
    assert capsys.readouterr() == ("", "")


def test_the_shell_runs_each_command_in_its_own_env(tf, capsys):
    import io

    from dropout_trace.env import Env
    from dropout_trace.shell import shell

    env = Env(io.StringIO(), io.StringIO(), io.StringIO("run --rate 2 --shape None,4\nhelp\n"), columns=80)
    assert shell(env=env) == 2
    assert env.stderr.getvalue().startswith("dropout-trace: error: --rate 2 is outside")
    assert env.stderr.getvalue().count("\n") == 1 and "Commands (type them" in env.stdout.getvalue()
    assert capsys.readouterr() == ("", "")
