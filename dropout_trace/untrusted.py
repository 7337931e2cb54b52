"""Text from outside the tool (a lesson file, a value the user typed) made safe to show on a terminal.

A terminal obeys the control characters it is sent: ESC starts sequences that write the clipboard
(OSC 52), set the window title, clear the screen or hide text; bidirectional overrides reorder
what a reader sees. So every such character from outside is shown as a Python-style escape.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text
# (bidirectional embeddings, overrides and isolates, line and paragraph separators).
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
LONG_RUN = 120  # a run of non-space characters longer than this, echoed back, is cut
KEPT_OF_RUN = 60


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """`text` with every control character shown as an escape (\\x1b, \\u202e), except those in `keep`."""
    if keep:
        return "".join(ch if ch in keep else CONTROLS.sub(_escape, ch) for ch in text) if CONTROLS.search(
            text) else text
    return CONTROLS.sub(_escape, text)


def clip(text: str, limit: int = LONG_RUN, kept: int = KEPT_OF_RUN) -> str:
    """Each run of more than `limit` non-space characters cut to its first `kept`, with its length; the
    punctuation that closes the run (a quote, a colon) stays, so the sentence around it still reads."""
    def cut(m: re.Match) -> str:
        run = m.group()
        quote, rest = re.search(r"(['\")\]]*)([^\w\\'\")\]]{0,2})$", run).groups()
        return f"{run[:kept]}…{quote} ({len(run):,} characters){rest}"

    return re.sub(r"\S{%d,}" % (limit + 1), cut, text)


def one_line(text: str) -> str:
    """A message for one terminal line: controls (newlines too) escaped, long runs cut."""
    return clip(visible(text))
