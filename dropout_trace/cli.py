"""The command line: parse, call the core, render. TensorFlow is imported only inside commands."""

from __future__ import annotations

import sys
from enum import IntEnum

import typer

from .spec import DEFAULT_MAX_ELEMENTS, DTYPES, INPUTS, UsageError, build_spec

API_NAMES = "keras (default), tf-keras, tf.nn.dropout, tf.compat.v1.nn.dropout, stateless, spatial1d, " \
            "spatial2d, spatial3d"

PROG = "dropout-trace"


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # something failed inside the tool or the library
    USAGE = 2  # bad input
    CHECK_FAILED = 3  # the trace ran but its cross-check did not reproduce the library


app = typer.Typer(
    name=PROG,
    help="Step through TensorFlow/Keras Dropout as the library really runs it: every value on screen is "
         "captured from the installed library, not re-implemented.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors.")) -> None:
    """Trace the real Dropout call chain of the installed TensorFlow and Keras."""


@app.command(no_args_is_help=True)
def run(
    rate: str = typer.Option(None, "--rate", metavar="RATE", help="Drop probability in [0, 1), e.g. 0.3."),
    shape: str = typer.Option(..., "--shape", metavar="DIMS", help="Input shape, comma-separated; None = unknown while the "
                                                   "graph is built, e.g. None,4 or None,None,8 or 2,3."),
    batch: int = typer.Option(3, "--batch", metavar="N", help="The size every None takes at run time."),
    seed: int = typer.Option(42, "--seed", metavar="S", help="The layer's seed (Dropout(seed=...))."),
    noise_shape: str = typer.Option(None, "--noise-shape", metavar="DIMS", help="Passed to the layer, same syntax as --shape; "
                                                                "a 1 shares one draw along that axis, e.g. None,1."),
    dtype: str = typer.Option("float32", "--dtype", metavar="DTYPE", help=f"Input and layer dtype: {', '.join(DTYPES)}."),
    input: str = typer.Option("range", "--input", metavar="KIND", help=f"Input values: {', '.join(INPUTS)} "
                                                       "(range = 1, 2, 3, ... so each element can be followed)."),
    eager: bool = typer.Option(False, "--eager", help="Run the call eagerly instead of inside tf.function, "
                                                      "for contrast: no None, every shape concrete."),
    api: str = typer.Option("keras", "--api", metavar="API", help=f"Which dropout to trace: {API_NAMES}."),
    rng: str = typer.Option(None, "--rng", metavar="RNG", help="tf-keras only: the RandomGenerator branch, "
                                                               "stateless, stateful or legacy (its default)."),
    keep_prob: str = typer.Option(None, "--keep-prob", metavar="P", help="tf.compat.v1.nn.dropout only: TF1's "
                                                                         "keep probability, instead of --rate."),
    training: bool = typer.Option(True, "--training/--no-training", help="Layers only: call with "
                                                                          "training=False to see where it stops."),
    rate_tensor: bool = typer.Option(False, "--rate-tensor", help="Function APIs only: pass the rate as a "
                                                                  "tensor, which takes _dropout's other branch."),
    plumbing: bool = typer.Option(False, "--plumbing", help="Show decorator plumbing frames in the call chain."),
    fmt: str = typer.Option("text", "--format", metavar="FORMAT", help="text (for people) or json (same trace, for tools)."),
    max_elements: int = typer.Option(DEFAULT_MAX_ELEMENTS, "--max-elements", metavar="N",
                                     help="Refuse inputs with more elements than this at run time."),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors."),
) -> None:
    """Trace one keras.layers.Dropout call, stage by stage.

    By default the call runs inside tf.function(input_signature=[TensorSpec(shape)]): you see each
    tensor twice, with its static shape while the graph is traced (None = batch unknown) and its
    value when the graph runs. The mask's shape comes from tf.shape(x), a tensor computed at run
    time, which is how every sample gets its own draws.

    Examples:

      dropout-trace run --rate 0.3 --shape None,4

      dropout-trace run --rate 0.5 --shape None,3 --noise-shape None,1

      dropout-trace run --rate 0.3 --shape None,4 --format json

      dropout-trace run --api tf-keras --rng stateful --rate 0.3 --shape None,4

      dropout-trace run --api tf.compat.v1.nn.dropout --keep-prob 0.7 --shape None,4
    """
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r} is not known; choose text or json")
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, noise_shape=noise_shape, dtype=dtype,
                      input=input, eager=eager, max_elements=max_elements, api=api, rng=rng,
                      keep_prob=keep_prob, training=training, rate_tensor=rate_tensor)
    from .trace import trace_run

    trace = trace_run(spec)
    if fmt == "json":
        from .render_json import dumps

        sys.stdout.write(dumps(trace) + "\n")
    else:
        from .render import make_console, render_trace

        render_trace(trace, make_console(), plumbing=plumbing)
    if trace.check is not None and not trace.check.passed:
        raise typer.Exit(int(ExitStatus.CHECK_FAILED))


def _fail(message: str, status: ExitStatus) -> int:
    sys.stdout.flush()
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return int(status)


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's parser errors (click's or its own vendored copy): exit code 2 and a message."""
    return getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error becomes one line on stderr and an exit status (see ExitStatus)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        result = app(args=argv, prog_name=PROG, standalone_mode=False)
    except UsageError as exc:
        if debug:
            raise
        return _fail(str(exc), ExitStatus.USAGE)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", ExitStatus.ERROR)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command asks for its help
            ctx = getattr(exc, "ctx", None)
            sys.stdout.write((ctx.get_help() if ctx else "") + "\n")
            return int(ExitStatus.OK)
        if _is_usage_error(exc) and not debug:
            ctx = getattr(exc, "ctx", None)
            where = f"{PROG} {ctx.info_name}" if ctx is not None and ctx.parent is not None else PROG
            message = " ".join(exc.format_message().split())
            return _fail(f"{message}; see '{where} --help'", ExitStatus.USAGE)
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        return _fail(f"{type(exc).__name__}: {first} (run with --debug for the traceback)", ExitStatus.ERROR)
    return int(result) if isinstance(result, int) else int(ExitStatus.OK)


def entry() -> None:
    sys.exit(main())
