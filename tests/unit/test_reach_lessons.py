"""The lesson-text checker itself (tests/lesson_text.py), without TensorFlow: it reads every bundled
lesson, refuses what it does not understand, and catches a wrong reference."""

import pytest

from dropout_trace.walkthrough import bundled, load

from lesson_text import NotUnderstood, Section, expected, parts, references, sections, unmet

OUTPUT = """dropout-trace  the real Dropout call chain, stage by stage
  call      keras.layers.Dropout(0.3)(x, training=True)

Call chain  captured from the real stack ──────────
    Layer.__call__  keras/src/layers/layer.py:1002

1 · The layer call ─────────
  inputs     float32 (None, 4)       float32 (3, 4)

2–8 · these stages were not reached ─────────

Calls  the same layer, called again ─────
  call  state before  state after
  1     [42, 0]       [42, 1]

Check  does the explanation reproduce the library, bit for bit? ────
  ✓ keep_mask == (random >= rate)
"""


def lesson_of(tmp_path, text):
    path = tmp_path / "07-mine.md"
    path.write_text(text)
    return load(path, check=False)


def test_every_bundled_lesson_is_read_by_the_patterns():
    counted = 0
    for path in bundled():
        lesson = load(path, check=False)
        for section in sections(lesson):
            for paragraph in section.paragraphs:
                counted += len(references(paragraph))  # raises NotUnderstood on anything else
        assert expected(lesson), path.name
    assert counted >= 20  # the lessons do name stages, sections and blocks: the check has work to do


@pytest.mark.parametrize("prose", ["Read the sections below.", "In the second table, which seed?",
                                   "Stage five shows it.", "What does the Check say?" + " See the section above."])
def test_a_reference_the_patterns_do_not_read_fails_loudly(prose):
    with pytest.raises(NotUnderstood):
        references(prose)


def test_the_output_is_cut_into_sections_and_stages():
    found = parts(OUTPUT)
    assert [p.title for p in found] == ["dropout-trace", "Call chain", "The layer call",
                                        "these stages were not reached", "Calls", "Check"]
    assert found[2].stages == (1,) and found[3].stages == tuple(range(2, 9))


def test_a_wrong_reference_is_caught(tmp_path):
    lesson = lesson_of(tmp_path, "# Mine\n\n## 1. A run\n\n```bash\ndropout-trace run --rate 0.3 --shape None,4\n```\n")
    section = Section("1. A run", 5, tuple(lesson.blocks), ())

    def why(prose):
        return [unmet(r, [OUTPUT], lesson, section) for r in references(prose)]

    assert why("Stage 1: what shape has `inputs`? And stage 8? Read the *Calls* table, then the Check.") == [None] * 4
    assert why("The last section: is it `✓`? Which stages ran? The table: `[42, 1]`.") == [None] * 3
    assert why("Stage 9: what is it?")[0] and why("Stage 1: where is `noise_shape`?")[0]
    assert why("Read the last section: which steps are marked `≠`?")[0].endswith("does not show ['≠']")
    assert why("Skip to the *Replicas* table.")[0] and why("Compare with block 2.")[0]
    assert why("Read the second list.")[0] and why("As in lesson 99.")[0]
    assert why("Compare with block 1, and lesson 01.") == [None, None]


def test_expected_status_comes_from_the_block_then_the_prose(tmp_path):
    lesson = lesson_of(tmp_path, "# Mine\n\n## 1. Refused\n\n```bash\n# exit status 4\n"
                                 "dropout-trace run --api tf.nn.dropout --rate 0.3 --shape None,3 --noise-shape None,1\n"
                                 "dropout-trace explain\n```\n\n## 2. By the prose\n\n```bash\n"
                                 "dropout-trace run --api tf.nn.dropout --rate 0.3 --shape None,3 --noise-shape None,1\n"
                                 "```\n\nDid it get through? If not, which function raised?\n\n## Your turn\n\n"
                                 "Run `dropout-trace explain seeds`, and block 2 with `--eager`.\n")
    assert [(w.argv[-1], w.status, w.shown) for w in expected(lesson)] == [
        ("None,1", 4, False), ("explain", 0, False), ("None,1", 4, False), ("seeds", 0, True), ("--eager", 0, True)]


def test_options_without_a_block_they_apply_to_fail_loudly(tmp_path):
    lesson = lesson_of(tmp_path, "# Mine\n\n## Your turn\n\nTry `--eager` some time.\n")
    with pytest.raises(NotUnderstood):
        expected(lesson)
