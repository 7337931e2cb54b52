"""Whose exception is it: the library's (a refusal, exit 4) only when it came out of the API's call, or from
TensorFlow's runtime; anything else is the tool's own failure (exit 1). TF-free: plain Python exceptions."""

from dropout_trace.apis import innermost_quoted, raised_by_library


def caught(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever was raised
        return exc
    raise AssertionError("nothing raised")


def library():
    raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=1.0")


def test_an_exception_out_of_the_call_is_the_librarys():
    call = lambda: library()  # noqa: E731 - an API's call, as make_call returns one
    assert raised_by_library(caught(lambda: call()), call)


def test_an_exception_raised_beside_the_call_is_the_tools():
    call = lambda: 1  # noqa: E731

    def tool():
        call()
        raise KeyError("a probe the tool looked up")

    assert not raised_by_library(caught(tool), call)


def test_tensorflows_runtime_errors_are_the_librarys_wherever_they_surface():
    OpError = type("OpError", (Exception,), {"__module__": "tensorflow.python.framework.errors_impl"})
    InvalidArgumentError = type("InvalidArgumentError", (OpError,), {"__module__": OpError.__module__})

    def graph_ran():
        raise InvalidArgumentError("Incompatible shapes")

    assert raised_by_library(caught(graph_ran), lambda: None)
    Lookalike = type("OpError", (Exception,), {"__module__": "dropout_trace.mine"})
    assert not raised_by_library(caught(lambda: (_ for _ in ()).throw(Lookalike("x"))), lambda: None)


def test_a_wrapper_that_quotes_the_librarys_exception_is_unwrapped():
    """tf-keras's layer call: the same type, the library's message inside its own, the library's as context."""
    def wrapped():
        try:
            library()
        except ValueError as e:
            raise ValueError(f"Exception encountered when calling layer 'dropout' (type Dropout).\n\n{e}\n\n"
                             "Call arguments received by layer 'dropout' (type Dropout):") from None

    exc = caught(wrapped)
    assert str(innermost_quoted(exc)) == str(caught(library))
    other = caught(lambda: {}["a"])  # no context: itself
    assert innermost_quoted(other) is other


def test_a_context_that_is_not_quoted_is_not_taken_for_the_cause():
    def handled_then_failed():
        try:
            library()
        except ValueError:
            raise ValueError("something else went wrong")  # noqa: B904 - a new error while handling

    exc = caught(handled_then_failed)
    assert innermost_quoted(exc) is exc
