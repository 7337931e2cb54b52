"""`stats`' histogram as a person sees it: block bars in a real pseudo-terminal (beside the tables when wide,
under them when narrow), ASCII when piped; every row's count against plain Keras's masks and the JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from terminal import Stepped
from test_stats import keras_masks

T, SEED = 60, 3
ARGS = ["stats", "--shape", "None,16", "--batch", "16", "--trials", str(T), "--seed", str(SEED)]
BLOCK_ROW = re.compile(r"(\d+)(?:-(\d+))?  ([█▏▎▍▌▋▊▉│ ]+?)\s+(\d+)\s+(\d+\.\d)$")
ASCII_ROW = re.compile(r"(\d+)(?:-(\d+))?  ([#| ]+?)\s+(\d+)\s+(\d+\.\d)$")


@pytest.fixture(scope="module")
def reference(tf, keras):
    """Draws per keep count, from the same layer called T times by plain Keras (the stats' own masks, bit for bit)."""
    counts = keras_masks(keras, tf, T, SEED).sum(axis=0).ravel()
    return np.bincount(counts, minlength=T + 1)


def screen(shown: bytes, columns: int) -> list[str]:
    """The lines a VT emulator shows for `shown` (pyte), trailing spaces dropped."""
    import pyte

    display = pyte.Screen(columns, 300)
    pyte.ByteStream(display).feed(shown)
    return [line.rstrip() for line in display.display]


def rows(lines: list[str], pattern) -> list[tuple[int, int, str, int, float]]:
    """(first keep count, last, the bar, seen, expected) for each histogram row."""
    found = []
    for line in lines:
        m = pattern.search(line)
        if m:
            lo = int(m.group(1))
            found.append((lo, int(m.group(2) or lo), m.group(3), int(m.group(4)), float(m.group(5))))
    return found


def check_counts(found, per_k: np.ndarray) -> None:
    assert found and sum(seen for *_, seen, _ in found) == 256  # every draw lands in a row
    for lo, hi, _, seen, _ in found:
        assert seen == int(per_k[lo:hi + 1].sum()), (lo, hi)


@pytest.mark.parametrize("columns", [120, 80])
def test_on_a_terminal_the_histogram_is_drawn_in_blocks(tf, reference, columns):
    run = Stepped(ARGS, columns, 50, answer=lambda i, label: b"q")
    assert run.status == 0
    lines = screen(run.output, columns)
    found = rows(lines, BLOCK_ROW)
    check_counts(found, reference)
    bars = "".join(bar for _, _, bar, _, _ in found)
    assert "█" in bars and any(c in bars for c in "▏▎▍▌▋▊▉") and "│" in bars
    head = next(i for i, line in enumerate(lines) if "measured" in line)
    title = next(i for i, line in enumerate(lines) if "How often each of the 256 draws" in line)
    calls = next(i for i, line in enumerate(lines) if line.lstrip().startswith("calls "))
    assert (title == head) == (columns == 120)  # beside the tables when wide; after them when narrow
    assert columns == 120 or title > calls
    assert "times kept (of 60)" in "\n".join(lines) and max(len(line) for line in lines) <= columns


def test_piped_the_histogram_is_ascii_and_matches_the_json(tf, reference):
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS")}
    text = subprocess.run([sys.executable, "-m", "dropout_trace", *ARGS], capture_output=True, text=True,
                          env=env, timeout=300, check=True).stdout
    data = json.loads(subprocess.run([sys.executable, "-m", "dropout_trace", *ARGS, "--format", "json"],
                                     capture_output=True, text=True, env=env, timeout=300, check=True).stdout)
    h = data["binomial"]["histogram"]
    per_k = np.zeros(T + 1, int)
    per_k[h["first_keep_count"]:h["first_keep_count"] + len(h["observed"])] = h["observed"]
    assert np.array_equal(per_k, reference)  # the JSON's counts are plain Keras's
    for b in data["binomial"]["bins"]:  # and the pooled chi-square bins are sums of them
        assert b["observed"] == per_k[b["keep_counts"][0]:b["keep_counts"][1] + 1].sum()
    lines = text.splitlines()
    found = rows(lines, ASCII_ROW)
    check_counts(found, per_k)
    chart = "\n".join(lines[next(i for i, line in enumerate(lines) if "How often" in line):])
    assert "\x1b" not in text and not any(c in text for c in "█▏▎▍▌▋▊▉")
    assert "#" in chart and "|" in chart and "times kept (of 60)" in chart and "draws" in chart
    for lo, hi, _, _, expected in found:  # the expected counts are the JSON's, summed over the row
        start = h["first_keep_count"]
        assert expected == pytest.approx(sum(h["expected"][max(0, lo - start):hi - start + 1]), abs=0.051)
