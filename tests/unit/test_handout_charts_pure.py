"""The HTML handout draws a chart as inline SVG, styled by the page's own sheet (its CSP allows no other style)."""

import io
import re

import recorded_facts
from dropout_trace.render import make_console
from dropout_trace.render.handout import Handout
from dropout_trace.render.handout_page import CSS
from dropout_trace.render.stats import draw_stats


def _page(name: str) -> str:
    console = make_console(io.StringIO(), width=100, color=True, record=True, page=True)
    with Handout(console) as handout:
        draw_stats(recorded_facts.load(name), console)
    return handout.page()


def test_stats_histogram_is_one_inline_svg_and_its_bars_are_not_text():
    html = _page("stats_keras")
    assert html.count("<svg") == 1 and html.count('class="dt-bar"') >= 3
    assert not re.search("[▏▎▍▌▋▊▉█]", html)  # the terminal's bars are gone: the picture has them
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<style" not in svg and "style=" not in svg  # nothing the page's Content-Security-Policy refuses
    assert ".dt-chart .dt-bar" in CSS and "var(--cbar)" in CSS
