"""The real commands exported in each theme and as slides, with the real library: every SVG in its theme's
window, every text colour at WCAG AA on what it is drawn on (tests/svg_read.py reads the SVG); a run's and a
played lesson's deck, slide by slide at most 30 rows, together the same text as the text export of the same
command. The mechanism on recorded snapshots: tests/unit/test_slides_pure.py, test_export_theme_pure.py."""

import os
import re

import pytest

from inproc import run
from svg_read import SLIDE, check_window, deck_rows

RUN = ("run", "--rate", "0.3", "--shape", "None,4")
COMMANDS = {
    "run": (RUN, 0),
    "eager": ((*RUN, "--eager"), 0),
    "bfloat16": ((*RUN, "--dtype", "bfloat16"), 0),
    "noise-shape": (("run", "--rate", "0.5", "--shape", "None,3", "--noise-shape", "None,1"), 0),
    "refused": (("run", "--api", "tf.nn.dropout", "--rate", "0.3", "--shape", "None,4", "--noise-shape", "None,1"), 4),
    "brief": ((*RUN, "--brief", "--calls", "3"), 0),
    "chain": (("chain", "--source"), 0),
    "stats": (("stats", "--trials", "200"), 0),
    "explain-precision": (("explain", "precision"), 0),
    "explain-seeds": (("explain", "seeds"), 0),
    "lesson": (("walkthrough", "play", "01"), 0),
}
THEMES = (None, "dark", "light")


def same(lines: list[str]) -> list[str]:
    """The lines with text, a time measured in this run (stats' "0.19 s") blanked: two runs differ there. A chart's
    bars are one mark: a played lesson's text export is what its piped screen showed (ASCII bars, #), a slide is
    drawn on a terminal console (eighths of a block), and the two round a bar's length differently."""
    def unchart(line: str) -> str:
        bars = re.sub(r"[▏▎▍▌▋▊▉█#]+", "#", line.replace("│", "|"))
        return re.sub(r"(?<=[#|]) +", " ", bars)  # a bar's rounding moves what follows it

    return [unchart(re.sub(r"\b\d+\.\d+ s$", "T s", line)) for line in lines if line.strip()]


def exported(tmp_path, argv, status, target, theme=None):
    themed = () if theme is None else ("--theme", theme)
    ran = run(*argv, "--width", "100", "--export", str(target), *themed)
    assert ran.status == status, ran.err
    return target


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", COMMANDS)
def test_an_svg_export_reads_in_its_theme(tf, tmp_path, name, theme):
    argv, status = COMMANDS[name]
    shown = check_window(exported(tmp_path, argv, status, tmp_path / "x.svg", theme).read_text(), theme)
    assert len({p.fill for p in shown.painted}) >= 3  # coloured: the check saw more than the plain text


DECKS = ("run", "bfloat16", "noise-shape", "refused", "brief", "lesson")


@pytest.mark.parametrize("theme", ("dark", "light"))
@pytest.mark.parametrize("name", DECKS)
def test_a_deck_is_the_text_export_in_slides(tf, tmp_path, name, theme):
    argv, status = COMMANDS[name]
    exported(tmp_path, argv, status, f"{tmp_path}/deck/", theme)
    folder = tmp_path / "deck"
    rows = deck_rows(folder, theme)
    text = exported(tmp_path, argv, status, tmp_path / "x.txt").read_text().splitlines()
    assert same(rows) == same(text)
    names = [SLIDE.fullmatch(n) for n in sorted(os.listdir(folder))]
    if name == "lesson":  # the title, then a slide (or its pieces) for each block, in order
        blocks = [int(m.group(4)) for m in names if m.group(4)]
        assert names[0].group(3) == "title" and sorted(set(blocks)) == list(range(1, max(blocks) + 1))
        assert blocks == sorted(blocks)
    else:
        assert names[0].group(3) == "header" and names[-1].group(3) == "answer"


@pytest.mark.parametrize("command", [("walkthrough", "play", "01"), RUN])
def test_a_folder_with_files_is_refused_in_one_line(tf, tmp_path, command):
    (tmp_path / "mine.txt").write_text("mine")
    ran = run(*command, "--export", f"{tmp_path}/")
    assert ran.status == 2 and ran.err.count("\n") == 1 and "the folder is not empty" in ran.err
    assert os.listdir(tmp_path) == ["mine.txt"]


@pytest.mark.parametrize("command", [("walkthrough", "play", "01"), RUN], ids=["lesson", "run"])
def test_stepping_on_a_terminal_makes_the_same_deck(tf, tmp_path, command):
    """--step on a real terminal still waits at every block (or stage) while the deck is cut; the deck is the
    one made without a terminal."""
    from terminal import Stepped

    stepped = Stepped([*command, "--step", "--export", f"{tmp_path}/stepped/"], 100, 30, lambda i, label: b" ")
    assert stepped.status == 0
    assert any(label.startswith("block 2 of" if command[0] == "walkthrough" else "stage 2 of")
               for label in stepped.labels), stepped.labels
    exported(tmp_path, command, 0, f"{tmp_path}/piped/")
    names = sorted(os.listdir(tmp_path / "stepped"))
    assert names == sorted(os.listdir(tmp_path / "piped"))
    assert same(deck_rows(tmp_path / "stepped", None)) == same(deck_rows(tmp_path / "piped", None))
