"""The colours of each theme, defined once: the terminal's styles and an export's window share them.

A theme is two things. Its styles re-map the style names the views use where a terminal's own colours
would not read (rich looks a style string up in the theme before parsing it, so one table serves every
view): the terminal and every export draw with them. Its window is what an SVG export is drawn in: the
background, the text colour and the sixteen terminal colours that the unmapped styles (red, magenta, a
Markdown heading) take there. Every text colour an export uses meets WCAG AA, 4.5:1, on its window,
dim text included: rich's SVG draws dim as the colour blended 40% into the background, so the dark
window's colours are light enough to survive that, and the light theme maps dim to a colour of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.terminal_theme import TerminalTheme
from rich.theme import Theme

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    styles: dict[str, str]  # style name -> what it draws as, for the terminal and the exports
    background: RGB
    foreground: RGB
    colours: tuple[RGB, ...]  # the eight terminal colours black, red, green, yellow, blue, magenta, cyan, white

    def theme(self) -> Theme:
        return Theme(self.styles)

    def window(self) -> TerminalTheme:
        """The export's window: the bright eight are the normal eight, so that no style outshines its kind."""
        return TerminalTheme(self.background, self.foreground, list(self.colours))


# The terminal's own colours serve on a dark screen; only the dropped outputs' dim red is too faint there.
DARK = Palette(
    styles={"dim red": "#e06c6c"},
    background=(24, 24, 24), foreground=(228, 228, 228),
    colours=((0, 0, 0), (255, 128, 128), (120, 224, 120), (240, 208, 96), (144, 180, 255), (224, 160, 255),
             (128, 224, 240), (228, 228, 228)),
)

# A light screen washes out dim, yellow, cyan and green: each colour the views name gets a darker one, the same
# on every terminal, plain, bold or dim alike (dim would fade it below 4.5:1); Markdown's inline code loses its
# black box.
_DIM = "#4e4e4e"
_LIGHT_COLOURS = {"yellow": "#875f00", "cyan": "#005fd7", "green": "#006400", "magenta": "#8700af", "red": "#c00000",
                  "blue": "#0046c8"}
LIGHT = Palette(
    styles={"dim": _DIM, "dim italic": f"italic {_DIM}", "markdown.code": f"bold {_LIGHT_COLOURS['cyan']}",
            "markdown.code_block": _LIGHT_COLOURS["cyan"], "markdown.hr": _DIM, "table.caption": f"italic {_DIM}",
            "bold black on cyan": f"bold #ffffff on {_LIGHT_COLOURS['cyan']}",  # a chart's marker on its bar
            **{f"{how}{name}": f"{how.replace('dim ', '')}{colour}" for name, colour in _LIGHT_COLOURS.items()
               for how in ("", "bold ", "dim ")}},
    background=(255, 255, 255), foreground=(28, 28, 28),
    colours=((28, 28, 28), (176, 0, 27), (0, 100, 30), (135, 83, 0), (0, 70, 200), (143, 26, 176), (0, 107, 117),
             (89, 89, 89)),
)

PALETTES = {"dark": DARK, "light": LIGHT}


def palette(theme: str | None) -> Palette:
    """The palette of --theme (dark when none is given)."""
    return PALETTES[theme or "dark"]
