"""The HTML handout on recorded snapshots, no TensorFlow: its sections, its grids as tables whose cells tell the
captured draw, the stored rate and the comparison, its escaping, its colours' contrast, its security policy.
The same page in a real browser is tests/test_handout_browser.py."""

import base64
import hashlib
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from rich.style import Style
from rich.text import Text

from dropout_trace.narrate.cells import cell_story
from dropout_trace.output import Output
from dropout_trace.render import make_console, render_trace
from dropout_trace.render.palette import LIGHT
from dropout_trace.render.handout import Handout, classes, cut
from dropout_trace.render.handout_page import CSS, PALETTES, SCRIPT
from dropout_trace.render.run_parts import call_mask

from test_snapshots import recorded


class Tags(HTMLParser):
    """Each start tag with its attributes, and the text inside each <section> and <td>."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def of(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


def page_of(name: str, **options) -> str:
    trace = recorded(name)
    console = make_console(io.StringIO(), width=100, color=True, record=True)
    with Handout(console) as handout:
        render_trace(trace, console, **options)
    return handout.page()


def test_a_run_is_a_lead_then_a_step_per_stage_then_the_answer():
    tags = Tags(page_of("keras_none4"))
    assert [s["aria-label"] for s in tags.of("section")] == [
        f"stage {i} of 8, {key}" for i, key in enumerate(
            ["call", "seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask", "output"], 1)] + [
        "the answer and the check"]
    assert len([d for d in tags.of("div") if "lead" in d.get("class", "")]) == 1
    assert tags.of("input")[0]["class"] == "all" and {b["class"] for b in tags.of("button")} == {"prev", "next", "theme"}


def test_a_view_with_no_steps_is_one_section_without_a_stepper(tmp_path):
    out = Output(str(tmp_path / "t.html"))
    out.save(text=lambda console: console.print("one block"))
    html = (tmp_path / "t.html").read_text()
    assert "one block" in html and "<section" not in html and 'class="stepper"' not in html


def test_the_mask_and_uniform_cells_tell_the_captured_draw_and_fate():
    trace = recorded("keras_none4")
    tips = [td["aria-label"] for td in Tags(page_of("keras_none4")).of("td") if "aria-label" in td]
    random, mask = trace.tensors["random"], trace.tensors["keep_mask"]
    assert len(tips) == 2 * random.size  # the uniform grid and the mask grid, every element
    for tip, draw, kept in zip(tips[random.size:], random.ravel(), mask.ravel()):
        words = re.fullmatch(r"draw ([0-9.]+) (<|>=) rate 0\.3: (kept|dropped)", tip)
        assert words and abs(float(words[1]) - float(draw)) <= 5e-5
        assert (words[2] == ">=") == bool(kept) == (words[3] == "kept") == (float(draw) >= np.float32(0.3))
    assert tips[:random.size] == tips[random.size:]  # a draw and its element tell the same story


def test_a_broadcast_mask_cell_names_the_shared_draw_it_took():
    trace = recorded("keras_noise_rows")  # noise shape (None, 1): one draw per row, shared along axis 1
    call = trace.calls[0]
    text = call_mask(call, trace.facts)
    tips = [span.style.meta["tip"] for span in text.spans if isinstance(span.style, Style) and "tip" in span.style.meta]
    rows, cols = call.output.shape
    assert len(tips) == rows * cols
    for k, tip in enumerate(tips):
        i = k // cols
        draw, kept = float(call.random[i, 0]), bool(call.keep_mask[i, 0])
        assert f"(draw [{i}, 0], shared along axis 1)" in tip and tip.endswith("kept" if kept else "dropped")
        assert abs(float(tip.split()[1]) - draw) <= 5e-5


def test_the_shown_numbers_compare_as_tensorflow_did():
    half = float(np.float16(0.3))  # float16 stores 0.3 as 0.300048828125
    assert half != 0.3
    assert cell_story(float(np.float16(0.2998)), False, 0.3, half, "float16") == \
        "draw 0.2998 < rate 0.300049 (0.3 as float16 stores it): dropped"
    kept = cell_story(half, True, 0.3, half, "float16")  # 4 decimals would read 0.3 < 0.300049
    assert kept.startswith("draw 0.30005 >= rate 0.300049")
    below = float(np.nextafter(np.float32(0.3), np.float32(0)))
    assert cell_story(below, False, 0.3, float(np.float32(0.3)), "float32") == "draw 0.29999998 < rate 0.3: dropped"


def test_all_text_is_escaped():
    console = make_console(io.StringIO(), width=80, color=True, record=True)
    with Handout(console) as handout:
        console.print(Text("<script>alert('x')</script> & \"q\""), style="bold red")
        cut(console, '"><script>alert(1)</script>')
        console.print(Text("</section><img src=x onerror=alert(1)>"))
    html = handout.page(title="<b>lesson</b>")
    assert "<script>alert" not in html and "<img" not in html and "<b>lesson" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in html
    assert html.count("<script>") == 1  # the page's own


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", sorted(PALETTES))
def test_every_colour_meets_wcag_aa_on_its_backgrounds(scheme):
    p = PALETTES[scheme]
    for text in ("fg", "d", "g", "r", "c", "y", "m"):
        for ground in ("bg", "code"):
            assert contrast(p[text], p[ground]) >= 4.5, (scheme, text, ground)
    assert contrast(p["tipfg"], p["tipbg"]) >= 4.5


def _hue(style: str) -> str:
    names = classes(Style.parse(style)).split()
    hues = [n for n in names if n in "grcym"]
    return hues[-1] if hues else ("d" if "d" in names else "")


COLOURED = sorted(name for name in LIGHT.styles if " on " not in name and name.split()[-1] in ("red", "green", "yellow",
                                                                                        "cyan", "magenta"))


@pytest.mark.parametrize("name", COLOURED)
def test_every_colour_the_views_name_has_a_hue_on_the_page(name):
    """The page records the views' style names as rich reads them (no theme re-maps them to hex): each colour a
    view names (the ones --theme light re-maps for a terminal) is one of the page's hues, in either scheme."""
    assert _hue(name) != ""


def test_the_policy_allows_only_the_pages_own_style_and_script():
    html = page_of("keras_rate0")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)[1]
    digest = lambda s: base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()  # noqa: E731
    assert policy == (f"default-src 'none'; style-src 'sha256-{digest(CSS)}'; script-src 'sha256-{digest(SCRIPT)}'; "
                      "base-uri 'none'; form-action 'none'")
    assert html.count(f"<style>{CSS}</style>") == 1 and html.count(f"<script>{SCRIPT}</script>") == 1
    assert not re.search(r"\b(?:src|href)=|url\(|@import|https?:", html)
