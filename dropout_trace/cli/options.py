"""Every option, defined once: the commands share these factories (and the output group)."""

from __future__ import annotations

import typer

from ..apis import APIS, DEFAULT_API, RNGS
from ..output import THEMES
from ..spec import (DEFAULT_MAX_ELEMENTS, DTYPES, FULL_UP_TO, INPUTS, MAX_BATCHES, MAX_CALLS, POLICIES, UPSTREAMS,
                    VALUES, UsageError)


API_NAMES = ", ".join(f"{name} (default)" if name == DEFAULT_API else name for name in APIS)


def completes(values):
    """Shell completion of an option's values: those of `values` (the same registry the command validates
    against; a callable is asked when completing) that start with what has been typed."""
    def complete(incomplete: str) -> list[str]:
        found = values() if callable(values) else values
        return [value for value in found if value.startswith(incomplete)]

    return complete


def _rate(default):
    return typer.Option(default, "--rate", metavar="RATE", help="Drop probability in [0, 1], e.g. 0.3. At 1 "
                        "Keras 3 returns zeros and TensorFlow's own dropout refuses it.")


def _shape(default):
    return typer.Option(default, "--shape", metavar="DIMS", help="Input shape, comma-separated; None = unknown "
                        "while the graph is built, e.g. None,4 or None,None,8 or 2,3.")


def _batch(several: bool = False):
    if not several:
        return typer.Option("3", "--batch", metavar="N", help="The size every None takes at run time.")
    return typer.Option("3", "--batch", metavar="N[,N]", help=f"The size every None takes at run time, or up to "
                        f"{MAX_BATCHES} sizes, e.g. 3,5: the same traced function is called once on each, in order "
                        "(with --calls N, the list N times over; every call counts towards the --calls cap).")


def _seed():
    return typer.Option("42", "--seed", metavar="S", help="The seed (Dropout(seed=...), seed=...): any 64-bit "
                        "integer, e.g. -1 or 2147483653, or none for an unseeded call.")


def _calls():
    return typer.Option(1, "--calls", metavar="N", help=f"Call the same layer or function N times (1 to {MAX_CALLS}) "
                        "on the same input, through one tf.function: see whether the masks repeat, and why. With "
                        "--batch 3,5 the list is played N times over, and every call counts.")


def _layer_dtype():
    return typer.Option(None, "--layer-dtype", metavar="DTYPE", autocompletion=completes((*DTYPES, "none")), help="Layers only: the layer's dtype= argument, "
                        f"{', '.join(DTYPES)} or none (no dtype=, as most code writes it). Default: --dtype.")


def _policy():
    return typer.Option(None, "--policy", metavar="POLICY", autocompletion=completes(POLICIES), help=f"Layers only: a mixed-precision policy as the "
                        f"layer's dtype=, {' or '.join(POLICIES)}.")


def _noise():
    return typer.Option(None, "--noise-shape", metavar="DIMS", help="Passed to the API, same syntax as --shape; "
                        "a 1 shares one draw along that axis, e.g. None,1.")


def _dtype():
    return typer.Option("float32", "--dtype", metavar="DTYPE", autocompletion=completes(DTYPES), help=f"Input and layer dtype: {', '.join(DTYPES)}.")


def _input():
    return typer.Option("range", "--input", metavar="KIND", autocompletion=completes(INPUTS), help=f"Input values: {', '.join(INPUTS)} "
                        "(range = 1, 2, 3, ... so each element can be followed).")


def _eager():
    return typer.Option(False, "--eager", help="Run the call eagerly instead of inside tf.function, for "
                        "contrast: no None, every shape concrete.")


def _api():
    return typer.Option(DEFAULT_API, "--api", metavar="API", autocompletion=completes(tuple(APIS)), help=f"Which dropout to trace: {API_NAMES}.")


def _rng():
    return typer.Option(None, "--rng", metavar="RNG", autocompletion=completes(RNGS), help="tf-keras only: the RandomGenerator branch, "
                        "stateless, stateful or legacy (default: the library's own).")


def _keep_prob():
    return typer.Option(None, "--keep-prob", metavar="P", help="tf.compat.v1.nn.dropout only: TF1's keep "
                        "probability, instead of --rate.")


def _training():
    return typer.Option(True, "--training/--no-training", help="Layers only: call with training=False to see "
                        "where the chain stops.")


def _rate_tensor():
    return typer.Option(False, "--rate-tensor", help="Function APIs only: pass the rate as a tensor, which "
                        "takes _dropout's other branch.")


def _grad():
    return typer.Option(False, "--grad", help="The backward pass too: the call runs under tf.GradientTape and the "
                        "gradient of sum(output * upstream) with respect to the input is taken in the same "
                        "tf.function (or eagerly). Shows the gradient beside the keep mask, the forward tensors the "
                        "gradient functions were handed, and the scale in the gradient.")


def _upstream():
    return typer.Option(None, "--upstream", metavar="KIND", autocompletion=completes(UPSTREAMS), help="With --grad: "
                        f"the gradient arriving at the output, {', '.join(UPSTREAMS)} (default {UPSTREAMS[0]}).")


def _plumbing():
    return typer.Option(False, "--plumbing", help="Show decorator plumbing frames (error handlers, dispatch).")


def _max_elements():
    return typer.Option(DEFAULT_MAX_ELEMENTS, "--max-elements", metavar="N",
                        help="Refuse inputs with more elements than this at run time.")


def _max_memory():
    return typer.Option(None, "--max-memory", metavar="SIZE", help="Refuse runs estimated to need more memory than "
                        "this at their peak, e.g. 16G or 512M (powers of 1024). Default: the memory available now.")


def _values():
    return typer.Option(None, "--values", metavar="HOW", autocompletion=completes(VALUES), help="How --format json writes each tensor: full, summary "
                        f"(shape, dtype, min, max, mean; a mask's kept count) or none. Default: full up to "
                        f"{FULL_UP_TO:,} elements, a summary above.")


def _debug():
    return typer.Option(False, "--debug", help="Show Python tracebacks for errors.")


def _format(choices: tuple[str, ...]):
    return typer.Option(choices[0], "--format", metavar="FORMAT", autocompletion=completes(choices), help=f"Output format: {', '.join(choices)}.")


def _check_format(fmt: str, choices: tuple[str, ...]) -> None:
    if fmt not in choices:
        raise UsageError(f"--format {fmt!r} is not known here; choose {' or '.join(choices)}")


def _defaults(api: str, rate: str | None, keep_prob: str | None, shape: str | None) -> tuple:
    """chain and graph need no options: rate 0.3 and a small None-batch input the API accepts."""
    from ..apis import default_shape

    if rate is None and keep_prob is None:
        rate = "0.3"
    return rate, shape if shape is not None else default_shape(api)


def _export():
    return typer.Option(None, "--export", metavar="FILE|DIR/", help="Also write the output to FILE; the suffix "
                        "picks the format: .svg or .html (colours kept, in --theme's colours), .txt (plain) or .json. "
                        "run and walkthrough play also take a folder, DIR/ (a new or an empty one): a slide deck, one "
                        "SVG per stage or per block, 01-header.svg, 02-stage-1-call.svg, ..., at most 30 lines each. "
                        "Never overwrites without --force; written atomically.")


def _width():
    return typer.Option(None, "--width", metavar="COLUMNS", help="Draw at this width (40 to 400), on screen and in "
                        "the export (a terminal narrower keeps its own width); default: the terminal's.")


def _force():
    return typer.Option(False, "--force", help="Let --export overwrite an existing file.")


def _theme():
    return typer.Option(None, "--theme", metavar="THEME", autocompletion=completes(THEMES), help="Colours for a dark or a light background (a "
                        "projector): dark or light.")
