"""Streams the views write to: plain output without trailing spaces, and ASCII for symbols a stream cannot encode.

A stream that cannot encode the symbols (latin-1, cp1252) gets their ASCII forms, from one table here;
the console (render.console) and text written without one (--help) both go through it.
"""

from __future__ import annotations

import re

# ASCII for every symbol the views draw, for a stream that cannot encode it (latin-1, cp1252, ascii).
# Marks that sit in aligned columns keep their width; a longer one (-> for →) takes its extra width
# from the next gap of spaces on its line, so columns stay aligned.
ASCII = {"→": "->", "…": "...", "⋮": ":", "●": "1", "○": "0", "✓": "+", "✗": "x", "≠": "!=", "◀": "<",
         "▶": ">", "─": "-", "│": "|", "├": "|", "└": "`", "·": "|", "–": "-", "—": "--", "±": "+/-",
         "•": "*", "≥": ">=", "≤": "<=", "×": "x"}


def ascii_symbols(encoding: str | None) -> dict[int, str]:
    """The str.translate table for a stream in `encoding`: ASCII for each symbol it cannot encode."""
    def encodes(ch: str) -> bool:
        try:
            ch.encode(encoding or "utf-8")
            return True
        except (UnicodeEncodeError, LookupError):
            return False

    return {ord(ch): sub for ch, sub in ASCII.items() if not encodes(ch)}


def _asciify(line: str, table: dict[int, str]) -> str:
    """The line with `table` applied; each gap of spaces after a longer replacement gives its extra width back.

    The console puts most ASCII forms in before layout (render.ascii); what reaches here is the ellipsis of
    text cut to fit, whose longer form takes its extra width from the text it cut, beside it."""
    out, debt = [], 0
    ellipsis = table.get(ord("…"))
    body = line.rstrip(" ")
    if ellipsis and body.endswith(" …"):  # rich cut the line after a word: the characters before it pay
        line = body[:-len(ellipsis)] + ellipsis + line[len(body):]
    for piece in re.split(r"(  +)", line):
        if piece.startswith("  ") and not piece.strip():  # a gap between columns: pay back the extra width
            cut = min(debt, len(piece) - 1)
            debt -= cut
            out.append(piece[cut:])
        else:
            new = (_cut(piece, ellipsis) if ellipsis else piece).translate(table)
            debt += len(new) - len(piece)
            out.append(new)
    return "".join(out)


def _cut(piece: str, ellipsis: str) -> str:
    """Each … in `piece` as `ellipsis`, its extra width taken from the word it cut: before it if it ends one, else after."""
    extra = len(ellipsis) - 1

    def sub(m: re.Match) -> str:
        before, after = m.group(1), m.group(2)
        if before[-1:].strip():  # it ends a word: the characters before it pay
            return ellipsis + after[extra - len(before):]
        return before + ellipsis + after[extra:]  # it starts a word, or stands alone (then the gaps pay)

    return re.sub(rf"(.{{0,{extra}}})…(\S{{0,{extra}}})", sub, piece)


class LineStream:
    """The console's file, line by line: plain output loses trailing spaces (and whitespace-only lines
    their spaces); a stream that cannot encode our symbols gets their ASCII forms, and '?' for anything else."""

    def __init__(self, file, strip: bool, table: dict[int, str]):
        self._file, self._strip, self._table = file, strip, table
        self._pending = ""  # the unfinished line; on a flush only its trailing spaces wait here

    def _line(self, line: str) -> str:
        if self._table:
            encoding = self._file.encoding
            line = _asciify(line, self._table).encode(encoding, "replace").decode(encoding)
        return line.rstrip() if self._strip else line

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._file.write("".join(self._line(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        body = self._pending.rstrip(" ")
        if body:
            self._file.write(self._line(body))
            self._pending = self._pending[len(body):]
        self._file.flush()

    def __getattr__(self, name):  # isatty, fileno, encoding, ...: the real stream's
        return getattr(self._file, name)


def ascii_stream(file):
    """`file` itself if it can encode every symbol the views draw; else `file` writing their ASCII forms
    (for text that reaches the stream without a console, such as --help)."""
    if isinstance(file, LineStream):  # wrapped already (an env's stdout, handed on to a console)
        return file
    table = ascii_symbols(getattr(file, "encoding", None))
    return LineStream(file, strip=False, table=table) if table else file
