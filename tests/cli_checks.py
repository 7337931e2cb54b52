"""Checks that several test files share for a command line run in process."""

from dropout_trace.cli import main


def one_error_line(capsys, args) -> str:
    assert main(args) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dropout-trace: error: "), err
    assert "Traceback" not in out + err
    return lines[0]
