"""untrusted.py, no TensorFlow: control, bidi and zero-width characters made visible, long values clipped
with their length, one line for an error."""

from dropout_trace.untrusted import clip, one_line, visible


def test_untrusted_text_helpers():
    assert visible("a\x1bb\tc\nd\u202e") == "a\\x1bb\\x09c\\x0ad\\u202e"
    assert visible("a\x1bb\tc\nd", keep="\n\t") == "a\\x1bb\tc\nd"
    assert visible("plain ünïcødé 🙂") == "plain ünïcødé 🙂"
    assert clip("short " + "y" * 121) == "short " + "y" * 60 + "… (121 characters)"
    assert clip("y" * 120) == "y" * 120


def test_every_character_a_terminal_obeys_is_escaped_and_nothing_else():
    """Checked character by character against unicodedata's categories, not against the module's own regex."""
    import unicodedata

    hidden = {"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u202a", "\u202b", "\u202c",
              "\u202d", "\u202e", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066", "\u2067", "\u2068",
              "\u2069", "\ufeff"}
    for code in range(0x3000):
        ch = chr(code)
        obeyed = unicodedata.category(ch) == "Cc" or ch in hidden
        shown = visible(ch)
        if obeyed:
            assert shown != ch and shown.startswith("\\") and shown.isascii(), hex(code)
        elif unicodedata.category(ch) not in ("Cf", "Cn"):  # other format and unassigned ones: either way
            assert shown == ch, hex(code)


def test_one_line_escapes_newlines_and_cuts_long_runs_keeping_the_closing_quote():
    line = one_line("bad value 'x\ny' and " + "'" + "z" * 200 + "':")
    assert "\n" not in line and "\\x0a" in line
    assert line.endswith("…' (203 characters):")  # the run's closing quote and colon stay after the cut
    assert len(line) < 120
