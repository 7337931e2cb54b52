"""Slide decks (--export DIR/) from recorded snapshots, no TensorFlow: one slide per stage, numbered and named
by stage, none taller than 30 rows, whose text together is the text export's, each in its theme's window
(test_export_theme_pure.py); bad folders refused in one line. With the real library and a played lesson:
tests/test_export_themes.py."""

import os

import pytest

from dropout_trace.cli import main
from dropout_trace.output import Output

from svg_read import SLIDE, deck_rows
from test_export_theme_pure import THEMES, draw, exported
from test_snapshots import recorded



def deck(tmp_path, trace, theme=None, brief=False, width=100, folder="deck/"):
    out = Output(f"{tmp_path}/{folder}", width=width, theme=theme, slides=True)
    out.save(text=draw(trace, brief))
    return tmp_path / folder.rstrip("/")


@pytest.mark.parametrize("brief", [False, True], ids=["full", "brief"])
@pytest.mark.parametrize("name", ("keras_none4", "tf_nn_refused", "keras_calls3"))
def test_a_deck_has_a_slide_per_stage_named_by_stage(tmp_path, name, brief):
    trace = recorded(name)
    names = sorted(os.listdir(deck(tmp_path, trace, brief=brief)))
    matched = [SLIDE.fullmatch(n) for n in names]
    assert all(matched), names
    numbers = sorted({int(m.group(1)) for m in matched})
    assert numbers == list(range(1, len(numbers) + 1))  # numbered in order, none missing
    steps = list(dict.fromkeys(m.group(3) for m in matched))  # each step once, lettered pieces together
    assert steps[0] == "header" and steps[-1] == "answer" and len(steps) == len(numbers)
    stages = [(int(m.group(5)), m.group(6)) for m in matched if m.group(5)]
    keys = [s.key for s in trace.stages]
    assert all(keys[i - 1] == key for i, key in stages)  # each names its stage by number and key
    if all(s.status != "not_reached" for s in trace.stages):
        assert [i for i, _ in dict.fromkeys(stages)] == list(range(1, len(keys) + 1))  # every stage its slide
    for n in sorted({m.group(1) for m in matched if m.group(2)}):  # a cut step: a, b, ... in order
        letters = [m.group(2) for m in matched if m.group(1) == n]
        assert letters == [chr(ord("a") + k) for k in range(len(letters))]


@pytest.mark.parametrize("theme", [None, *THEMES])
@pytest.mark.parametrize("name", ("keras_none4", "keras_noise_rows", "tf_nn_refused"))
def test_slides_are_30_rows_at_most_and_together_are_the_text_export(tmp_path, name, theme):
    trace = recorded(name)
    rows = deck_rows(deck(tmp_path, trace, theme), theme)
    text = exported(tmp_path, "t.txt", draw(trace)).read_text().splitlines()
    assert [r for r in rows if r.strip()] == [line for line in text if line.strip()]


def test_slides_are_stable(tmp_path):
    first = deck(tmp_path, recorded("keras_none4"), folder="one/")
    second = deck(tmp_path, recorded("keras_none4"), folder="two/")
    assert sorted(os.listdir(first)) == sorted(os.listdir(second))
    assert all((first / n).read_text() == (second / n).read_text() for n in os.listdir(first))


def test_force_replaces_an_earlier_deck_and_leaves_other_files(tmp_path):
    folder = tmp_path / "deck"
    folder.mkdir()
    (folder / "99-stale.svg").write_text("an earlier deck's")
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="not empty"):
        Output(str(folder), slides=True)
    out = Output(str(folder) + "/", width=100, force=True, slides=True)
    out.save(text=draw(recorded("keras_none4")))
    names = set(os.listdir(folder))
    assert "notes.txt" in names and "99-stale.svg" not in names and "01-header.svg" in names
    assert not any(n.startswith(".dropout-trace-") for n in names)


def test_a_deck_that_fails_leaves_nothing(tmp_path):
    out = Output(f"{tmp_path}/deck/", slides=True)

    def broken(console):
        console.print("half")
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError):
        out.save(text=broken)
    assert os.listdir(tmp_path) == []


BAD = {"not-empty": (["run"], "the folder is not empty"),
       "a-file": (["run"], "is a file"),
       "no-parent": (["run"], "does not exist; create it first"),
       "unwritable": (["run"], "cannot create a folder in '/proc'"),
       "other-command": (["versions"], "only run and walkthrough play make slides"),
       "explain": (["explain", "seeds"], "only run and walkthrough play make slides")}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_folder_is_one_line_exit_2(tmp_path, capsys, case):
    command, said = BAD[case]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.svg").write_text("x")
    (tmp_path / "file").write_text("x")
    target = {"not-empty": tmp_path / "full", "a-file": f"{tmp_path / 'file'}/", "no-parent": f"{tmp_path}/a/b/",
              "unwritable": "/proc/deck/"}.get(case, f"{tmp_path / 'deck'}/")
    before = sorted(os.listdir(tmp_path))
    args = [*command, *(["--rate", "0.3", "--shape", "None,4"] if command == ["run"] else []), "--export", str(target)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("dropout-trace: error: --export") and said in err, err
    assert sorted(os.listdir(tmp_path)) == before
