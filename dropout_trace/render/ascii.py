"""The ASCII forms put in before rich lays a view out, so that it measures, wraps and aligns what is printed.

A console on a stream that cannot encode the symbols (render.console) hands each renderable here first:
its text, a table's cells, a group's parts, a lesson's Markdown, each with the symbols `table` knows
replaced. Two kinds of text wait for streams.LineStream, which gives their ASCII forms after layout: the
ellipsis, which in a view stands for text cut to fit (shorten, rich's own overflow) and takes its extra width
from what it cut; and lines that do not wrap, which their view laid out itself in columns (a chain, a grid),
where the gap after a longer form gives its extra width back.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from rich.columns import Columns
from rich.console import Group
from rich.markdown import Markdown
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Span, Text

CUT = "…"
_DRAWING: ContextVar[dict[int, str]] = ContextVar("ascii_drawing", default={})


@contextmanager
def drawing(table: dict[int, str]):
    """While a view is built for a console with these ASCII forms, columns() measures with them."""
    token = _DRAWING.set({k: v for k, v in table.items() if k != ord(CUT)})
    try:
        yield
    finally:
        _DRAWING.reset(token)


def columns(text: str) -> int:
    """The columns `text` takes as it will be printed: with the ASCII forms of the console a view is built for."""
    table = _DRAWING.get()
    return len(text.translate(table)) if table else len(text)


def before_layout(r, table: dict[int, str]):
    """`r` with its symbols in ASCII (a copy where anything changes; the ellipsis kept, see above)."""
    if not table:
        return r
    table = {k: v for k, v in table.items() if k != ord(CUT)}
    return _ascii(r, table)


def _ascii(r, table, measured: bool = False):
    if isinstance(r, str):
        return r.translate(table)
    if isinstance(r, Text):  # a line that does not wrap was laid out by its view, in columns (see above),
        return r if r.no_wrap and not measured else _text(r, table)  # except in a table, which rich measures
    if isinstance(r, Markdown):  # a lesson's prose: every symbol, its ellipsis too, is prose
        markup = r.markup.translate(table).replace(CUT, "...")
        return Markdown(markup, code_theme=r.code_theme, justify=r.justify, style=r.style, hyperlinks=r.hyperlinks,
                        inline_code_lexer=r.inline_code_lexer, inline_code_theme=r.inline_code_theme)
    if isinstance(r, Group):
        return Group(*(_ascii(x, table) for x in r.renderables), fit=r.fit)
    if hasattr(r, "ascii"):  # one of ours that lays itself out (layout.Headline)
        return r.ascii(lambda x: _ascii(x, table))
    out = copy.copy(r)
    if isinstance(r, Table):
        out.columns = [replace(c, header=_ascii(c.header, table, True), footer=_ascii(c.footer, table, True),
                               _cells=[_ascii(x, table, True) for x in c._cells]) for c in r.columns]
        out.title, out.caption = _ascii(r.title, table), _ascii(r.caption, table)
    elif isinstance(r, Columns):
        out.renderables = [_ascii(x, table) for x in r.renderables]
    elif isinstance(r, Padding):
        out.renderable = _ascii(r.renderable, table)
    elif isinstance(r, Rule):
        out.title = _ascii(r.title, table)
    else:
        return r
    return out


def _text(text: Text, table) -> Text:
    """The same Text (its class, styles and settings) with each symbol replaced; its spans moved to match."""
    plain = text.plain
    if not any(ord(ch) in table for ch in plain):
        return text
    pieces = [table.get(ord(ch), ch) for ch in plain]
    at = [0]
    for piece in pieces:
        at.append(at[-1] + len(piece))
    return type(text)("".join(pieces), style=text.style, justify=text.justify, overflow=text.overflow,
                      no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size,
                      spans=[Span(at[s.start], at[s.end], s.style) for s in text.spans])
