"""The console every view draws on: colour only on a terminal, themes, plain and ASCII streams."""

from __future__ import annotations

import sys
from typing import IO

from rich.console import Console
from rich.theme import Theme

from ..env import wants_colour
from ..streams import LineStream, ascii_symbols
from .ascii import before_layout

# Literal styles re-mapped for a light background, where dim, yellow and cyan wash out. Rich looks
# a style string up in the theme before parsing it, so one table serves every renderer.
LIGHT = {"dim": "grey30", "yellow": "dark_orange3", "bold yellow": "bold dark_orange3", "cyan": "blue",
         "bold cyan": "bold blue", "green": "dark_green", "bold green": "bold dark_green",
         "bold magenta": "bold purple", "dim red": "red3", "dim italic": "italic grey30", "red": "red3"}


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
                 theme: str | None = None, record: bool = False) -> Console:
    """A console that adapts: no colour when piped or NO_COLOR is set; `color`/`width` pin it for tests.

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
                       soft_wrap=False, record=record, theme=Theme(LIGHT) if theme == "light" else None)
    console.symbols = table
    return console
