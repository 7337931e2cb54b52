"""The console every view draws on: colour only on a terminal, themes, plain and ASCII streams."""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console

from ..env import wants_colour
from ..streams import LineStream, ascii_symbols
from .ascii import before_layout
from .palette import palette


class _Console(Console):
    symbols: dict[int, str] = {}  # the ASCII forms this console's stream needs, put in before layout

    def before_layout(self, renderable):
        return before_layout(renderable, self.symbols)

    def print(self, *objects, **kwargs) -> None:
        super().print(*(self.before_layout(r) for r in objects), **kwargs)

    def on_broken_pipe(self) -> None:
        """The reader stopped early (`| head`): stop quietly; the CLI turns this into exit 0."""
        self.quiet = True
        raise BrokenPipeError


def make_console(file: IO | None = None, width: int | None = None, color: bool | None = None,
                 theme: str | None = None, record: bool = False, page: bool = False) -> Console:
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests.

    `page`: for an HTML page, which has its own light and dark palettes: the views' style names are kept as
    rich reads them (no theme's re-mapping), so the page can give each its hue in either scheme.

    Plain output is stripped of trailing spaces, and a stream that cannot encode the symbols gets ASCII.
    """
    file = file or sys.stdout
    if color is None:
        color = wants_colour(file)
    table = ascii_symbols(getattr(file, "encoding", None))
    if table or not color:
        file = LineStream(file, strip=not color, table=table)
    console = _Console(file=file, width=width, color_system="truecolor" if color and record else (
                       "auto" if color else None), no_color=not color, force_terminal=color, highlight=False,
                       soft_wrap=False, record=record, theme=None if page else palette(theme).theme(),
                       force_jupyter=False)  # it writes to its file; in Jupyter rich would display itself as well
    console.symbols = table
    return console
