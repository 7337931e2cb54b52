"""Every command on a stream that cannot encode the symbols (latin-1, cp1252), in a real process. The
fallback itself is tested without TensorFlow in tests/unit/test_streams_ascii.py."""

import io
import os
import re
import subprocess
import sys

import pytest



DRIVER = """
import sys
from dropout_trace.cli import main
for line in sys.argv[1:]:
    status = main(line.split())
    sys.stdout.flush()
    sys.stdout.write(f"\\n=== {line}: {status}\\n")
"""
COMMANDS = ["run --rate 0.3 --shape None,4", "run --rate 0.3 --shape None,4 --brief --calls 2",
            "chain --api tf-keras --rate 0.3 --shape None,4", "graph --rate 0.3 --shape None,4",
            "compare --rate 0.3 --shape None,4", "versions", "stats --rate 0.3 --shape None,8 --trials 20",
            "explain", "explain noise-shape", "walkthrough"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_commands_on_a_non_utf8_stream(encoding):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env["PYTHONIOENCODING"] = encoding
    result = subprocess.run([sys.executable, "-c", DRIVER, *COMMANDS], capture_output=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    text = result.stdout.decode(encoding)  # strict: every byte is valid in the stream's encoding
    assert "Error" not in result.stderr.decode(errors="replace")
    for command in COMMANDS:
        assert f"=== {command}: 0" in text, text[-2000:]
    assert "->" in text and "check passed" in text and "Walkthroughs" in text


def test_help_on_a_non_utf8_stream():
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    result = subprocess.run([sys.executable, "-m", "dropout_trace", "run", "--help"], capture_output=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    result.stdout.decode("latin-1")




VIEWS = [["run", "--rate", "0.3", "--shape", "None,4"], ["run", "--rate", "0.3", "--shape", "None,4", "--brief"],
         ["run", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,1"],
         ["chain", "--rate", "0.3", "--shape", "None,4"], ["explain", "noise-shape"], ["walkthrough", "play", "1"]]
_CUT_WORDS = re.compile(r"\S*(?:…|\.\.\.)\S*")  # a word cut to fit: its ellipsis takes its extra width from it
_TIMES = re.compile(r"\d+\.\d+ s\b")


def _drawn(argv: list[str], encoding: str, width: int) -> str:
    """The command drawn in this process onto a stream of `encoding`, `width` columns, decoded strictly."""
    from dropout_trace.cli import main
    from dropout_trace.env import Env

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="\n")
    assert main(argv, Env(stream, io.StringIO(), io.StringIO(), environ={}, columns=width)) == 0
    stream.flush()
    return _TIMES.sub("T s", raw.getvalue().decode(encoding))


def _words(text: str, lacks: dict | None = None) -> str:
    """The words, each cut one as <cut>; a line cut after a word ("and …") cuts that word in ASCII ("an...").
    A grid's numbers and marks are left out: where a longer ASCII form takes a column, a grid may show fewer
    (and a narrow cell fold a word)."""
    text = re.sub(r" …$", "…", text, flags=re.M)
    words = _CUT_WORDS.sub("<cut>", " ".join(text.split())).translate(lacks or {}).split()
    return "".join(w for w in words if not re.fullmatch(r"<cut>|[-\d.]+|[01]", w))  # a word folded is one word


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_the_ascii_fallback_keeps_the_layout(encoding, width):
    """Symbols are put in before layout, so no line runs past the width (or past the UTF-8 view's own width,
    where a view says it needs more) and the words are the UTF-8 view's, each symbol in its ASCII form."""
    from dropout_trace.streams import ASCII

    lacks = str.maketrans({ch: sub for ch, sub in ASCII.items() if not _encodes(ch, encoding)})
    for argv in VIEWS:
        utf8, ascii = _drawn(argv, "utf-8", width), _drawn(argv, encoding, width)
        limit = max(width, *map(len, utf8.splitlines()))
        assert [line for line in ascii.splitlines() if len(line) > limit] == [], argv
        assert _words(ascii) == _words(utf8, lacks), argv


def _encodes(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def test_the_brief_shapes_keep_their_gap_in_ascii():
    """The column of shapes is as wide as its ASCII form: two spaces before the words, as in UTF-8."""
    text = _drawn(["run", "--rate", "0.3", "--shape", "None,4", "--brief"], "latin-1", 80)
    utf8 = _drawn(["run", "--rate", "0.3", "--shape", "None,4", "--brief"], "utf-8", 80)
    assert "(None, 4) → (3, 4)  training=True" in utf8  # the independent layout: the gap as drawn in UTF-8
    assert "(None, 4) -> (3, 4)  training=True" in text
