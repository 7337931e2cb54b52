"""explain's topic list and an unknown topic, no TensorFlow (the pages themselves are in tests/test_explain*.py)."""

from dropout_trace import lessons
from dropout_trace.cli import main


def test_topics_are_listed_one_line_each(capsys):
    assert main(["explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in lessons.TOPICS:
        assert sum(line.strip().startswith(name + " ") for line in lines) == 1, name
    assert max(len(line) for line in lines) <= 80
    assert len(lines) == len(lessons.TOPICS) + 2  # a heading and a hint


def test_unknown_topic_is_one_line_with_the_closest(capsys):
    assert main(["explain", "noise-shap"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'noise-shape'" in err[0] and "static-vs-dynamic" in err[0]
