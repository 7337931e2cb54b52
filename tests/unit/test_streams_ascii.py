"""The ASCII fallback, no TensorFlow: streams that cannot encode the symbols (latin-1, cp1252, ascii) get
ASCII, not a UnicodeEncodeError, with columns kept; a stream is wrapped once. Every command on such a
stream, in a real process, is in tests/test_streams.py."""

import io

import pytest

from dropout_trace.output import ASCII, ascii_stream
from dropout_trace.render import make_console, render_trace
from dropout_trace.render_views import render_chain

from test_snapshots import recorded


ENCODINGS = ["latin-1", "cp1252", "ascii"]


def render_to(encoding: str, draw, width: int = 100) -> str:
    """Draw onto a stream of `encoding` as a piped program would; the bytes, decoded strictly."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="\n")
    draw(make_console(stream, width=width, color=False))
    stream.flush()
    return raw.getvalue().decode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", ["keras_none4", "keras_calls3", "spatial2d", "tf_keras_legacy"])
def test_symbols_fall_back_to_ascii(encoding, name):
    trace = recorded(name)
    full = render_to(encoding, lambda c: render_trace(trace, c))
    brief = render_to(encoding, lambda c: render_trace(trace, c, brief=True))
    tree = render_to(encoding, lambda c: render_chain(trace, c))
    utf8 = io.StringIO()
    render_trace(trace, make_console(utf8, width=100, color=False))
    for text in (full, brief, tree):
        for symbol in ASCII:  # every symbol the stream cannot encode was replaced, not dropped or '?'
            try:
                symbol.encode(encoding)
            except UnicodeEncodeError:
                assert symbol not in text
    assert full.count("?") == utf8.getvalue().count("?")
    assert "check passed" in full and "->" in full
    mask = trace.tensors["keep_mask"]
    lines = [line.strip() for line in full.splitlines()]
    for row in mask.reshape(-1, mask.shape[-1]):  # the mask, kept as 1 and dropped as 0
        assert " ".join("1" if v else "0" for v in row) in lines


def test_longer_ascii_forms_keep_columns_aligned():
    """'->' is one column wider than '→': the gap after it gives the column back."""
    text = render_to("latin-1", lambda c: render_trace(recorded("keras_none4"), c))
    chain = [line for line in text.splitlines() if line.startswith(("    ", "  -> ")) and ".py:" in line]
    assert len(chain) >= 4
    assert len({line.index(line.split()[-1]) for line in chain}) == 1  # every file:line starts in one column


def test_tree_guides_in_ascii():
    text = render_to("ascii", lambda c: render_chain(recorded("tf_keras_legacy"), c), width=160)
    assert "|- " in text and "`- " in text and "| " in text


def test_a_utf8_stream_keeps_the_symbols():
    out = io.StringIO()
    render_trace(recorded("keras_none4"), make_console(out, width=100, color=False))
    assert "→" in out.getvalue() and "●" in out.getvalue()
    assert ascii_stream(out) is out


def test_the_ascii_fallback_wraps_a_stream_once():
    """main() runs again for each shell command and lesson block: the stream must not gain a wrapper each time."""
    raw = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    once = ascii_stream(raw)
    assert once is not raw and ascii_stream(once) is once
    once.write("a → b\n")
    once.flush()
    assert raw.buffer.getvalue().decode("latin-1") == "a -> b\n"


def test_symbols_are_put_in_before_layout():
    """A wrapping line is laid out with its ASCII forms: no line past the width, its styles where they were,
    the same kind of Text (Prose keeps shapes whole)."""
    from rich.text import Text

    from dropout_trace.render.ascii import before_layout
    from dropout_trace.render.layout import Prose
    from dropout_trace.streams import ascii_symbols

    table = ascii_symbols("latin-1")
    text = Prose("x: (None, 4) → (3, 4) ≥ rate")
    text.stylize("bold", 3, 12)  # (None, 4)
    out = before_layout(text, table)
    assert type(out) is Prose and out.plain == "x: (None, 4) -> (3, 4) >= rate"
    assert [(s.start, s.end, s.style) for s in out.spans] == [(3, 12, "bold")]
    drawn = render_to("latin-1", lambda c: c.print(Text("a → b " * 12)), width=40)
    assert max(map(len, drawn.splitlines())) <= 40 and "a -> b a -> b" in drawn


def test_an_ellipsis_takes_its_extra_width_from_what_it_cut():
    drawn = render_to("latin-1", lambda c: c.print("word " * 30, no_wrap=True, overflow="ellipsis"), width=42)
    assert len(drawn.rstrip("\n")) <= 42 and drawn.rstrip().endswith("...")
