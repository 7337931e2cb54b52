"""SVG exports in the chosen theme, from recorded snapshots (no TensorFlow): read back as a viewer sees them
(tests/svg_read.py), a light or a dark window as asked, and every text colour at WCAG AA (4.5:1) on what it
is drawn on, dim text as rich draws it. The real commands in both themes: tests/test_export_themes.py."""

import pytest

from dropout_trace.output import Output
from dropout_trace.render import render_trace

from svg_read import check_window
from test_snapshots import recorded

SNAPSHOTS = ("keras_none4", "keras_eager_bf16", "keras_noise_rows", "tf_nn_refused", "tf_keras_stateful", "v1",
             "keras_calls3")
THEMES = ("dark", "light")


def draw(trace, brief=False):
    return lambda console: render_trace(trace, console, brief=brief)


def exported(tmp_path, name, text, theme=None, width=100):
    out = Output(str(tmp_path / name), width=width, theme=theme)
    out.save(text=text)
    return tmp_path / name


@pytest.mark.parametrize("brief", [False, True], ids=["full", "brief"])
@pytest.mark.parametrize("theme", [None, *THEMES])
@pytest.mark.parametrize("name", SNAPSHOTS)
def test_every_text_colour_reads_on_its_window(tmp_path, name, theme, brief):
    svg = exported(tmp_path, "t.svg", draw(recorded(name), brief), theme).read_text()
    shown = check_window(svg, theme)
    assert len({p.fill for p in shown.painted}) >= 3  # coloured: the check saw more than the plain text


STYLES = ("", "dim", "bold", "italic", "dim italic", "red", "bold red", "dim red", "green", "bold green", "dim green",
          "yellow", "bold yellow", "dim yellow", "blue", "bold blue", "magenta", "bold magenta", "cyan", "bold cyan",
          "dim cyan", "white", "bright_blue", "markdown.code", "markdown.h2", "markdown.link", "markdown.list",
          "markdown.block_quote", "markdown.hr", "table.caption")


@pytest.mark.parametrize("theme", THEMES)
def test_every_style_the_views_name_reads_dimmed_or_not(tmp_path, theme):
    """Beyond what one view happens to use: each colour the views and rich's Markdown name, plain and dim,
    one line each. Dim reaches the SVG as rich draws it (a colour blended into the background)."""
    def text(console):
        for style in STYLES:
            console.print(f"style {style or 'plain'}", style=style)

    shown = check_window(exported(tmp_path, "s.svg", text, theme).read_text(), theme)
    fills = {p.text.strip(): p.fill for p in shown.painted}
    assert fills["style dim"] != fills["style plain"]  # dim is drawn apart from plain text, and still reads
    assert len(shown.rows()) == len(STYLES)


def test_every_theme_the_option_takes_has_a_palette():
    from dropout_trace.output import THEMES as TAKEN
    from dropout_trace.render.palette import PALETTES

    assert tuple(PALETTES) == TAKEN == THEMES
