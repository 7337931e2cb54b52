"""An explain page as the tests read it: rendered at 80 columns, checked for exit 0 and size."""

from dropout_trace.cli import main


def page(topic: str, capsys, monkeypatch, rate=0.3, seed=42, export=None) -> str:
    """The page's text with whitespace folded for searching; at most 80 lines, none wider than 80.
    `export`: a .json path the same run also writes the topic's JSON to (one computation for both)."""
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    extra = [] if export is None else ["--export", str(export)]
    assert main(["explain", topic, "--rate", str(rate), "--seed", str(seed), *extra]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 80
    assert max(len(line) for line in lines) <= 80
    return " ".join(out.split())
