"""The TF-free half of tests/test_notebook.py: the notebook API: trace(...) holds the same data as `run --format json` and draws as `run` does."""

import re
import pytest
from dropout_trace import trace
from dropout_trace.cli import main
from test_notebook import BAD_VALUES, CLI_ERRORS, WRONG_TYPES  # noqa: F401  (fixtures among them)


@pytest.mark.parametrize("kwargs, argv, kind, expected", CLI_ERRORS)
def test_bad_arguments_raise_the_cli_message(capsys, kwargs, argv, kind, expected):
    """The CLI refuses the same input (exit 2); trace() says it in Python words, with the parameter's name."""
    status = main(["run", *argv])
    message = capsys.readouterr().err.strip().removeprefix("dropout-trace: error: ")
    assert status == 2 and message.startswith("--")
    with pytest.raises(kind) as raised:
        trace(**kwargs)
    assert isinstance(raised.value, ValueError) == (kind is ValueError)  # a TypeError is only that
    assert str(raised.value) == expected


@pytest.mark.parametrize("name, options", WRONG_TYPES)
def test_a_wrong_type_is_a_type_error_that_names_the_parameter(name, options):
    with pytest.raises(TypeError) as raised:
        trace(**{"rate": 0.3, "shape": (None, 4), **options})
    assert not isinstance(raised.value, ValueError)
    assert str(raised.value).startswith(f"{name}=") and "--" not in str(raised.value)


@pytest.mark.parametrize("options, words", BAD_VALUES)
def test_a_bad_value_is_a_value_error_in_python_words(options, words):
    with pytest.raises(ValueError) as raised:
        trace(**{"rate": 0.3, "shape": (None, 4), **options})
    assert words in str(raised.value) and "--" not in str(raised.value)


def test_the_docstring_lists_every_parameter_and_what_it_raises():
    import inspect

    from dropout_trace import notebook

    doc = inspect.getdoc(notebook.trace)
    for name in inspect.signature(notebook.trace).parameters:
        assert re.search(rf"\b{name}\b", doc), name
    assert "TypeError" in doc and "ValueError" in doc


def test_missing_shape_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        trace(rate=0.3)
