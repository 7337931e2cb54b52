"""Charts without TensorFlow: bar lengths in proportion, ASCII only where asked, the width kept, the axes labelled,
the stats histogram binned from its facts, and the SVG read back with xml.etree (heights, markers, colours)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from rich.cells import cell_len

import recorded_facts
from dropout_trace.narrate.stats import histogram
from dropout_trace.page import Bar, Chart
from dropout_trace.render import make_console
from dropout_trace.render.charts import EIGHTHS, FULL, chart_lines, chart_svg, histogram_svg
from dropout_trace.render_views import draw_stats

SVG = "{http://www.w3.org/2000/svg}"
VALUES = (0, 5, 10, 20, 40)  # the axis runs 0 to 40: each bar is its value / 40 of the bar column


def chart(values=VALUES, marks=None, from_zero=True, label="k") -> Chart:
    marks = marks or (None,) * len(values)
    return Chart(title="How often each draw was kept", rows="times kept (of 60)", measure="draws",
                 bars=tuple(Bar(f"{label}{i}", v, m, str(v), "" if m is None else f"{m:.1f}")
                            for i, (v, m) in enumerate(zip(values, marks))),
                 bar_key="draws seen", mark_key="expected: 256 x Binomial(60, 0.7)", value_head="seen",
                 mark_head="expected" if any(m is not None for m in marks) else "", from_zero=from_zero,
                 note="5 keep counts a row")


def eighths(line: str) -> int:
    """A bar's length in eighths of a cell, read from its characters."""
    return line.count(FULL) * 8 + sum(EIGHTHS.index(c) + 1 for c in line if c in EIGHTHS)


def bar_rows(lines, labels) -> dict[str, str]:
    plain = [line.plain for line in lines]
    return {lab: next(p for p in plain if p.lstrip().startswith(lab + " ")) for lab in labels}


@pytest.mark.parametrize("width", [40, 80, 120])
def test_bar_lengths_are_in_proportion_to_the_values(width):
    lines = chart_lines(chart(), width)
    rows = bar_rows(lines, [f"k{i}" for i in range(len(VALUES))])
    full = eighths(rows["k4"])  # 40: the whole bar column
    assert full >= 8 * 8
    for i, v in enumerate(VALUES):
        assert abs(eighths(rows[f"k{i}"]) - full * v / 40) <= 0.5 + 1e-9  # rounded to the nearest eighth
    ascii_rows = bar_rows(chart_lines(chart(), width, blocks=False), [f"k{i}" for i in range(len(VALUES))])
    cells = ascii_rows["k4"].count("#")
    for i, v in enumerate(VALUES):
        assert abs(ascii_rows[f"k{i}"].count("#") - cells * v / 40) <= 0.5 + 1e-9


@pytest.mark.parametrize("width", [40, 80, 120])
def test_width_is_kept_and_the_axes_are_labelled(width):
    for blocks in (True, False):
        lines = [line.plain for line in chart_lines(chart(marks=(1, 6, 9, 25, 35)), width, blocks)]
        assert max(cell_len(line) for line in lines) <= width
        text = " ".join(" ".join(lines).split())
        for words in ("How often each draw was kept", "times kept (of 60)", "draws", "seen", "expected",
                      "draws seen", "expected: 256 x Binomial(60, 0.7)", "5 keep counts a row"):
            assert words in text
        ticks = next(line for line in lines if line.strip().startswith("0 "))
        assert ticks.split()[-1] == "draws" or lines[lines.index(ticks) + 1].strip() == "draws"
        assert "40" in ticks.split()  # the axis's end, at the end of the bar column


def test_ascii_form_has_only_ascii():
    odd = Chart(title="P(keep) × scale → ≥ 1 …", rows="dtype ≠", measure="mean · ±", bars=(
        Bar("float16 →", 0.99, 1.0, "0.99 ±"), Bar("bfloat16", 0.97, 1.0, "0.97")), bar_key="exact ✓",
        mark_key="1 — no bias", from_zero=False, note="zoomed")
    for width in (40, 80, 120):
        text = "\n".join(line.plain for line in chart_lines(odd, width, blocks=False))
        assert text.isascii() and "#" in text and "|" in text
        blocks = "\n".join(line.plain for line in chart_lines(odd, width))
        assert FULL in blocks and "│" in blocks and not blocks.isascii()


def test_marker_stands_where_the_expected_value_does():
    rows = bar_rows(chart_lines(chart(values=(40, 0), marks=(20, 40)), 80, blocks=False), ["k0", "k1"])
    start = rows["k0"].index("#")  # the bar column's first cell
    cells = rows["k0"].count("#") + 1  # a full bar, one cell of it under the marker
    assert rows["k1"].index("|") - start == cells - 1  # 40 of 40: the last cell
    assert abs(rows["k0"].index("|") - start - (cells / 2 - 1)) <= 1  # 20 of 40: half way along


def test_a_tiny_gap_is_zoomed_and_says_so():
    lines = chart_lines(chart(values=(0.9999999, 0.998981, 0.99408), marks=(1, 1, 1), from_zero=False), 80, False)
    text = "\n".join(line.plain for line in lines)
    assert "not at 0" in text
    rows = bar_rows(lines, ["k0", "k1", "k2"])
    assert rows["k0"].count("#") - rows["k2"].count("#") >= 20  # a 0.6% gap takes a third of the bar column
    start = re.search(r"\n\s+(\d\.\d+)\s+(\d\.\d+)", text)
    assert float(start.group(1)) < 0.99408 and float(start.group(2)) >= 1  # both ends of the axis are written


# -- the stats histogram from its facts ------------------------------------------------------------
def stats_like(first, observed, expected, trials=60, p_keep=0.7):
    h = SimpleNamespace(first=first, observed=tuple(observed), expected=tuple(expected))
    return SimpleNamespace(fit=SimpleNamespace(histogram=h, draws=sum(observed)), trials=trials, p_keep=p_keep)


def test_histogram_bins_keep_counts_into_rows():
    observed = [1, 0, 3, 7, 12, 20, 25, 30, 22, 15, 9, 4, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    expected = [0.5 + i % 3 for i in range(len(observed))]
    s = stats_like(31, observed, expected)
    c = histogram(s, 10)
    assert len(c.bars) <= 10 and c.note == "5 keep counts a row"
    for b in c.bars:  # each row sums the keep counts its label names, summed here again
        lo, _, hi = b.label.partition("-")
        lo, hi = int(lo), int(hi or lo)
        assert b.value == sum(observed[k - 31] for k in range(lo, hi + 1))
        assert b.mark == pytest.approx(sum(expected[k - 31] for k in range(lo, hi + 1)))
    assert c.bars[0].label == "31-34" and sum(b.value for b in c.bars) == sum(observed)
    one = histogram(stats_like(3, [1, 2, 1], [1.2, 1.6, 1.2], trials=5), 10)
    assert [b.label for b in one.bars] == ["3", "4", "5"] and one.note == ""
    assert histogram(SimpleNamespace(fit=None), 10) is None


def test_recorded_stats_draw_the_histogram_beside_the_tables_when_wide():
    s = recorded_facts.load("stats_keras")
    h = s.fit.histogram
    for width in (80, 120):
        file = io.StringIO()
        draw_stats(s, make_console(file=file, width=width, color=False))
        lines = file.getvalue().splitlines()
        assert max(cell_len(line) for line in lines) <= width
        head = next(line for line in lines if "measured" in line)
        assert (f"How often each of the {s.fit.draws} draws" in head) == (width == 120)
        rows = [line for line in lines if re.search(r"\d+-\d+  [#| ]", line)]
        seen = [int(line.split()[-2]) for line in rows]
        assert sum(seen) == sum(h.observed) == s.fit.draws == 16 * 8  # every draw in some row
        assert "#" in "".join(rows) and FULL not in "".join(rows)  # not a terminal: ASCII


# -- SVG ---------------------------------------------------------------------------------------------
def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_svg_bar_heights_are_in_proportion_to_the_counts():
    counts = (3, 0, 12, 30, 24, 6)
    marks = (2.5, 1.0, 14.0, 27.5, 22.0, 8.0)
    root = ET.fromstring(chart_svg(chart(values=counts, marks=marks)))
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    bars = [r for r in root.iter(SVG + "rect") if r.get("class") == "dt-bar" and r.find(SVG + "title") is not None]
    heights = [float(r.get("height")) for r in bars]
    assert len(bars) == len(counts)
    unit = heights[3] / 30
    assert all(h == pytest.approx(c * unit, abs=1e-3) for h, c in zip(heights, counts))
    bases = {round(float(r.get("y")) + float(r.get("height")), 3) for r in bars}
    assert len(bases) == 1  # every bar stands on the same axis
    base = bases.pop()
    lines = [ln for ln in root.iter(SVG + "line") if ln.get("class") == "dt-mark"]
    assert [base - float(ln.get("y1")) for ln in lines] == [pytest.approx(m * unit, abs=1e-3) for m in marks]
    words = [t.text for t in root.iter(SVG + "text")]
    assert {"times kept (of 60)", "draws", "draws seen", "k0", "k5"} <= set(words)
    assert "k3: seen 30, expected 27.5" in [r.find(SVG + "title").text for r in bars]


@pytest.mark.parametrize("theme, background", [("light", "#ffffff"), ("dark", "#1e1e1e"), (None, None)])
def test_svg_colours_pass_4_5_to_1_on_their_background(theme, background):
    svg = chart_svg(chart(marks=(1, 6, 9, 25, 35)), theme)
    style = ET.fromstring(svg).find(SVG + "style").text
    plain, _, dark = style.partition("@media (prefers-color-scheme: dark)")
    for part, bg in ((plain, background or "#ffffff"), (dark, "#1e1e1e")):
        colours = re.findall(r"#[0-9a-fA-F]{6}", part)
        assert colours or part is dark and theme is not None
        assert all(contrast(c, bg) >= 4.5 for c in colours), (part, bg)
    assert "fill:currentColor" in style and 'fill="' not in svg.split("<style>")[0]  # text in the page's colour
    assert not re.search(r"(?:href|src)=", svg)  # nothing fetched


def test_svg_escapes_its_words():
    odd = chart(label="<&>")
    root = ET.fromstring(chart_svg(odd))
    assert "<&>0" in [t.text for t in root.iter(SVG + "text")]


def test_histogram_svg_from_recorded_stats():
    s = recorded_facts.load("stats_keras")
    root = ET.fromstring(histogram_svg(s, "light"))
    bars = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    seen = [int(re.search(r"seen (\d+)", r.find(SVG + "title").text).group(1)) for r in bars]
    assert sum(seen) == sum(s.fit.histogram.observed) == 16 * 8
    tallest = max(range(len(bars)), key=lambda i: seen[i])
    unit = float(bars[tallest].get("height")) / seen[tallest]
    assert all(float(r.get("height")) == pytest.approx(n * unit, abs=1e-3) for r, n in zip(bars, seen))
    assert histogram_svg(recorded_facts.load("stats_rate0")) is None  # nothing drawn: no test, no chart


# -- explain precision and scaling ---------------------------------------------------------------------
def lesson_page(name: str, width: int = 80) -> tuple[list, list[str]]:
    from dropout_trace import lessons
    from dropout_trace.render import render_lesson

    lesson = recorded_facts.load(name)
    blocks = lessons.page(lesson)
    file = io.StringIO()
    render_lesson(lesson, blocks, make_console(file=file, width=width, color=False))
    return [b for b in blocks if isinstance(b, Chart)], file.getvalue().splitlines()


def test_precision_charts_the_exact_bias_of_each_dtype_zoomed():
    charts, lines = lesson_page("explain_precision_0.3_42")
    assert len(lines) <= 80 and max(cell_len(line) for line in lines) <= 80  # the page still fits its limit
    (c,) = charts
    bars = {b.label: b for b in c.bars}
    # P(keep) on bfloat16's grid of 128 and float16's of 1024, times the scale 1/(1-rate) rounded to each dtype
    assert bars["bfloat16"].value == 89 / 128 * 1.4296875 and bars["float16"].value == 716 / 1024 * 1.4287109375
    assert bars["mixed_bfloat16"].value == bars["bfloat16"].value and all(b.mark == 1 for b in c.bars)
    text = "\n".join(lines)
    assert "not at 0" in text and "E[output] / E[input]" in text
    rows = {lab: next(ln for ln in lines if ln.strip().startswith(lab + " ") and "#" in ln) for lab in ("float32", "bfloat16")}
    assert rows["float32"].count("#") - rows["bfloat16"].count("#") >= 20  # a 0.6% bias, seen at a glance


def test_precision_draws_no_chart_without_a_bias():
    assert lesson_page("explain_precision_0.5_7")[0] == []  # rate 0.5 is exact in every dtype: P(keep) x scale is 1
    assert lesson_page("explain_precision_0.0_42")[0] == []  # nothing drawn


def test_scaling_charts_each_schemes_mean_against_the_input():
    lesson = recorded_facts.load("explain_scaling_0.3_42")
    f = lesson.facts
    charts, lines = lesson_page("explain_scaling_0.3_42")
    assert len(lines) <= 80 and max(cell_len(line) for line in lines) <= 80
    (c,) = charts
    values = {b.label: b.value for b in c.bars}
    assert values == {"inverted, training": f.inverted_train.mean, "inverted, inference": 1.0,
                      "paper, training": f.paper_train.mean, "paper, test": f.paper_test_value}
    assert f.paper_test_value == pytest.approx(0.7) and c.from_zero and all(b.mark == 1 for b in c.bars)
    rows = {lab: next(ln for ln in lines if ln.strip().startswith(lab + " ") and "|" in ln) for lab in values}
    full = rows["inverted, inference"].count("#") + 1  # a bar at 1, one cell under the marker
    assert abs(rows["paper, test"].count("#") - 0.7 * full) <= 1
    assert lesson_page("explain_scaling_0.0_42")[0] == []  # rate 0: every mean is the input's
