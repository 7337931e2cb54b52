"""The command line: parse, call the core, render. TensorFlow is imported only inside commands."""

from __future__ import annotations

import functools
import math
import os
import sys
from contextvars import ContextVar
from enum import IntEnum

import typer

from .apis import APIS, DEFAULT_API
from .spec import (DEFAULT_MAX_ELEMENTS, DTYPES, FULL_UP_TO, INPUTS, MAX_CALLS, POLICIES, UsageError, build_spec,
                   check_values)

PROG = "dropout-trace"
API_NAMES = ", ".join(f"{name} (default)" if name == DEFAULT_API else name for name in APIS)


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # something failed inside the tool or the library
    USAGE = 2  # bad input
    CHECK_FAILED = 3  # the trace ran but its cross-check did not reproduce the library
    REFUSED = 4  # the library raised inside the chain: a result, shown up to where it raised
    MISSING = 5  # the installed version lacks a landmark function or local name the trace reads
    INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as shells report a command the signal ended
    TERMINATED = 143  # SIGTERM: 128 + 15


EXIT_MEANINGS = {
    ExitStatus.OK: "ok",
    ExitStatus.ERROR: "error",
    ExitStatus.USAGE: "bad input",
    ExitStatus.CHECK_FAILED: "the cross-check did not reproduce the library",
    ExitStatus.REFUSED: "the library refused the call",
    ExitStatus.MISSING: "a landmark is missing in the installed version",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitStatus.TERMINATED: "terminated (SIGTERM)",
}


def _exits(*statuses: ExitStatus) -> str:
    """The --help epilog listing the exit statuses a command can end with (always 0, 1, 2, 130 and 143)."""
    chosen = [ExitStatus.OK, ExitStatus.ERROR, ExitStatus.USAGE, *statuses, ExitStatus.INTERRUPTED,
              ExitStatus.TERMINATED]
    return "Exit status: " + ", ".join(f"{int(s)} {EXIT_MEANINGS[s]}" for s in chosen) + "."


def _version(ctx: typer.Context, value: bool) -> None:
    """--version: this tool's version and the installed libraries', read from their metadata (no import)."""
    if not value or ctx.resilient_parsing:  # only parsed (a lesson's check, completion): print nothing
        return
    from importlib import metadata

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in ("tensorflow", "keras", "tf-keras"))
    python = ".".join(str(n) for n in sys.version_info[:3])
    sys.stdout.write(f"{PROG} {installed(PROG)} ({libraries}; Python {python})\n")
    raise typer.Exit(int(ExitStatus.OK))


app = typer.Typer(
    name=PROG,
    help="Step through TensorFlow/Keras Dropout as the library really runs it: every value on screen is "
         "captured from the installed library, not re-implemented.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# -- options shared by the commands (factories: each command gets its own option objects) --------
def _rate(default):
    return typer.Option(default, "--rate", metavar="RATE", help="Drop probability in [0, 1), e.g. 0.3.")


def _shape(default):
    return typer.Option(default, "--shape", metavar="DIMS", help="Input shape, comma-separated; None = unknown "
                        "while the graph is built, e.g. None,4 or None,None,8 or 2,3.")


def _batch():
    return typer.Option(3, "--batch", metavar="N", help="The size every None takes at run time.")


def _seed():
    return typer.Option("42", "--seed", metavar="S", help="The seed (Dropout(seed=...), seed=...): any 64-bit "
                        "integer, e.g. -1 or 2147483653, or none for an unseeded call.")


def _calls():
    return typer.Option(1, "--calls", metavar="N", help=f"Call the same layer or function N times (1 to {MAX_CALLS}) "
                        "on the same input, through one tf.function: see whether the masks repeat, and why.")


def _layer_dtype():
    return typer.Option(None, "--layer-dtype", metavar="DTYPE", help="Layers only: the layer's dtype= argument, "
                        f"{', '.join(DTYPES)} or none (no dtype=, as most code writes it). Default: --dtype.")


def _policy():
    return typer.Option(None, "--policy", metavar="POLICY", help=f"Layers only: a mixed-precision policy as the "
                        f"layer's dtype=, {' or '.join(POLICIES)}.")


def _noise():
    return typer.Option(None, "--noise-shape", metavar="DIMS", help="Passed to the API, same syntax as --shape; "
                        "a 1 shares one draw along that axis, e.g. None,1.")


def _dtype():
    return typer.Option("float32", "--dtype", metavar="DTYPE", help=f"Input and layer dtype: {', '.join(DTYPES)}.")


def _input():
    return typer.Option("range", "--input", metavar="KIND", help=f"Input values: {', '.join(INPUTS)} "
                        "(range = 1, 2, 3, ... so each element can be followed).")


def _eager():
    return typer.Option(False, "--eager", help="Run the call eagerly instead of inside tf.function, for "
                        "contrast: no None, every shape concrete.")


def _api():
    return typer.Option(DEFAULT_API, "--api", metavar="API", help=f"Which dropout to trace: {API_NAMES}.")


def _rng():
    return typer.Option(None, "--rng", metavar="RNG", help="tf-keras only: the RandomGenerator branch, "
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


def _plumbing():
    return typer.Option(False, "--plumbing", help="Show decorator plumbing frames (error handlers, dispatch).")


def _max_elements():
    return typer.Option(DEFAULT_MAX_ELEMENTS, "--max-elements", metavar="N",
                        help="Refuse inputs with more elements than this at run time.")


def _max_memory():
    return typer.Option(None, "--max-memory", metavar="SIZE", help="Refuse runs estimated to need more memory than "
                        "this at their peak, e.g. 16G or 512M (powers of 1024). Default: the memory available now.")


def _values():
    return typer.Option(None, "--values", metavar="HOW", help="How --format json writes each tensor: full, summary "
                        f"(shape, dtype, min, max, mean; a mask's kept count) or none. Default: full up to "
                        f"{FULL_UP_TO:,} elements, a summary above.")


def _debug():
    return typer.Option(False, "--debug", help="Show Python tracebacks for errors.")


def _format(choices: tuple[str, ...]):
    return typer.Option(choices[0], "--format", metavar="FORMAT", help=f"Output format: {', '.join(choices)}.")


def _check_format(fmt: str, choices: tuple[str, ...]) -> None:
    if fmt not in choices:
        raise UsageError(f"--format {fmt!r} is not known here; choose {' or '.join(choices)}")


def _defaults(api: str, rate: str | None, keep_prob: str | None, shape: str | None) -> tuple:
    """chain and graph need no options: rate 0.3 and a small None-batch input the API accepts."""
    from .apis import default_shape

    if rate is None and keep_prob is None:
        rate = "0.3"
    return rate, shape if shape is not None else default_shape(api)


def _export():
    return typer.Option(None, "--export", metavar="FILE", help="Also write the output to FILE; the suffix picks "
                        "the format: .svg or .html (colours kept, for slides), .txt (plain) or .json. Never "
                        "overwrites without --force; written atomically.")


def _width():
    return typer.Option(None, "--width", metavar="COLUMNS", help="Draw at this width (40 to 400), on screen and in "
                        "the export; default: the terminal's.")


def _force():
    return typer.Option(False, "--force", help="Let --export overwrite an existing file.")


def _theme():
    return typer.Option(None, "--theme", metavar="THEME", help="Colours for a dark or a light background (a "
                        "projector): dark or light.")


@functools.cache
def command_tree():
    """The click command typer builds from `app` (building it takes tens of milliseconds: once is enough)."""
    return typer.main.get_command(app)


class Checked(Exception):
    """A command checked only (see checking): every value it was given is valid, and nothing ran."""


# Set while a lesson's commands are checked before it plays: each command validates all it was given,
# then stops at _output, the one point every command passes before it does any work.
checking: ContextVar[bool] = ContextVar("checking", default=False)


def _output(export, width, force, theme):
    """Validate --export, --width and --theme before any work, and give the command its console."""
    from .output import Output

    out = Output(export, width, force, theme)
    if checking.get():
        raise Checked
    return out


@app.callback(epilog=_exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def _root(
    debug: bool = _debug(),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Show the versions of dropout-trace, TensorFlow, Keras and tf-keras, and exit."),
) -> None:
    """Trace the real Dropout call chain of the installed TensorFlow and Keras."""


@app.command(no_args_is_help=True, short_help="Trace one Dropout call, stage by stage.",
             epilog=_exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def run(
    rate: str = _rate(None), shape: str = _shape(...), batch: int = _batch(), seed: str = _seed(),
    calls: int = _calls(), layer_dtype: str = _layer_dtype(), policy: str = _policy(),
    noise_shape: str = _noise(), dtype: str = _dtype(), input: str = _input(), eager: bool = _eager(),
    api: str = _api(), rng: str = _rng(), keep_prob: str = _keep_prob(), training: bool = _training(),
    rate_tensor: bool = _rate_tensor(), plumbing: bool = _plumbing(), fmt: str = _format(("text", "json")),
    max_elements: int = _max_elements(), max_memory: str = _max_memory(), values: str = _values(),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(),
    replicas: int = typer.Option(None, "--replicas", metavar="N", help="Run the call under "
                                 "tf.distribute.MirroredStrategy on N logical CPU devices (2 to 8), through "
                                 "strategy.run in the tf.function; each replica takes --batch rows of the global "
                                 "batch. Shows each replica's seed state and mask, and whether they agree."),
    brief: bool = typer.Option(False, "--brief", help="A projector view in about a screen: the chain on one line, "
                               "one short row per stage with its static → run-time shapes and its grid (uniforms, "
                               "mask, output), no source excerpts; then the answer and the check."),
    step: bool = typer.Option(False, "--step", help="Pause before each stage: Enter goes on, q quits (exit 0). "
                              "Only on a terminal; piped, it never waits."),
    stages: str = typer.Option(None, "--stages", metavar="NAMES", help="Show only these stage blocks, by name or "
                               "1-based number, comma-separated: call, seed, dropout_op, rate, noise_shape, uniform, "
                               "keep_mask, output (e.g. keep_mask,output or 7,8). The header, chain, answer and "
                               "check still print: the check covers the whole call."),
) -> None:
    """Trace one Dropout call, stage by stage.

    By default the call runs inside tf.function(input_signature=[TensorSpec(shape)]): you see each
    tensor twice, with its static shape while the graph is traced (None = batch unknown) and its
    value when the graph runs. The mask's shape comes from tf.shape(x), a tensor computed at run
    time, which is how every sample gets its own draws.

    Examples:

    \b
      dropout-trace run --rate 0.3 --shape None,4
      dropout-trace run --rate 0.5 --shape None,3 --noise-shape None,1
      dropout-trace run --rate 0.3 --shape None,4 --format json
      dropout-trace run --api tf-keras --rng stateful --rate 0.3 --shape None,4
      dropout-trace run --api tf.compat.v1.nn.dropout --keep-prob 0.7 --shape None,4
      dropout-trace run --rate 0.3 --shape None,4 --calls 3
      dropout-trace run --api keras.random.dropout --rate 0.3 --shape None,4 --calls 3
      dropout-trace run --rate 0.3 --shape None,4 --dtype bfloat16
      dropout-trace run --rate 0.3 --shape None,4 --replicas 2
      dropout-trace run --rate 0.3 --shape None,4 --brief --step
      dropout-trace run --rate 0.3 --shape None,4 --stages keep_mask,output
    """
    _check_format(fmt, ("text", "json"))
    from .render import parse_stages

    picked = parse_stages(stages)  # before TensorFlow: a bad name fails at once
    check_values(values)
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, noise_shape=noise_shape, dtype=dtype,
                      input=input, eager=eager, max_elements=max_elements, api=api, rng=rng,
                      keep_prob=keep_prob, training=training, rate_tensor=rate_tensor, layer_dtype=layer_dtype,
                      policy=policy, calls=calls, replicas=replicas, max_memory=max_memory, fmt=fmt, values=values,
                      export=export)
    out = _output(export, width, force, theme)
    from .tfenv import DeviceSetupError
    from .trace import trace_run

    try:
        trace = trace_run(spec)
    except DeviceSetupError as exc:  # TensorFlow started earlier in this process: say so, no traceback
        raise typer.Exit(_fail(str(exc), ExitStatus.ERROR)) from None
    from .pause import Quit
    from .render import render_trace
    from .render_json import trace_json

    try:
        out.emit(fmt, text=lambda console: render_trace(trace, console, plumbing=plumbing, brief=brief, step=step,
                                                        stages=picked),
                 data=lambda: trace_json(trace, values))
    except Quit:  # q at a --step pause: the user chose to stop, not an error
        raise typer.Exit(int(ExitStatus.OK)) from None
    _exit_for(trace)
    if any(r.check is not None and not r.check.passed for r in trace.facts.replicas):
        raise typer.Exit(int(ExitStatus.CHECK_FAILED))


def _exit_for(trace) -> None:
    """A refusal, a missing landmark or a failed check is a result, with a status of its own."""
    if trace.facts.missing:
        raise typer.Exit(int(ExitStatus.MISSING))
    if trace.facts.refusal is not None:
        raise typer.Exit(int(ExitStatus.REFUSED))
    if trace.check is not None and not trace.check.passed:
        raise typer.Exit(int(ExitStatus.CHECK_FAILED))


@app.command(short_help="Show the captured call tree of one Dropout call.",
             epilog=_exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def chain(
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None),
    batch: int = _batch(), seed: str = _seed(), noise_shape: str = _noise(), dtype: str = _dtype(),
    eager: bool = _eager(), keep_prob: str = _keep_prob(), training: bool = _training(),
    rate_tensor: bool = _rate_tensor(), plumbing: bool = _plumbing(),
    source: bool = typer.Option(False, "--source", help="Show each landmark function's full installed source, "
                                "with the lines that ran in this call marked."),
    fmt: str = _format(("text", "json")), max_elements: int = _max_elements(), max_memory: str = _max_memory(),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(),
) -> None:
    """Show the captured call tree of one Dropout call (rate 0.3 on a None-batch input unless told).

    Each call appears under the line of its caller that made it, read from the installed files.
    With --source, each landmark's whole function is shown and the lines that ran are marked, so
    you can see which branch was taken.

    Examples:

    \b
      dropout-trace chain --api tf-keras --rng stateless
      dropout-trace chain --api tf.nn.dropout --rate 0 --source
    """
    _check_format(fmt, ("text", "json"))
    rate, shape = _defaults(api, rate, keep_prob, shape)
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, noise_shape=noise_shape, dtype=dtype,
                      eager=eager, max_elements=max_elements, api=api, rng=rng, keep_prob=keep_prob,
                      training=training, rate_tensor=rate_tensor, max_memory=max_memory)
    out = _output(export, width, force, theme)
    from .trace import trace_run

    trace = trace_run(spec)
    from .render_json import chain_json
    from .render_views import render_chain

    out.emit(fmt, text=lambda console: render_chain(trace, console, plumbing=plumbing, source=source),
             data=lambda: chain_json(trace, source))
    refusal = trace.facts.refusal
    if refusal is not None:  # the tree shows where; the status alone would not say what TensorFlow said
        _refused(refusal.type, refusal.message)
    _exit_for(trace)


@app.command(short_help="List the ops of the traced graph, the dropout ops marked.",
             epilog=_exits(ExitStatus.REFUSED))
def graph(
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None),
    seed: str = _seed(), noise_shape: str = _noise(), dtype: str = _dtype(), keep_prob: str = _keep_prob(),
    training: bool = _training(), rate_tensor: bool = _rate_tensor(),
    fmt: str = _format(("text", "dot", "mermaid", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """List the ops of the traced tf.function graph, in the order TensorFlow created them.

    Marked: the Shape op (where the batch size enters at run time), the random op, the comparison
    and the select. --format dot or mermaid draws the graph for slides; json is for tools.

    Examples:

    \b
      dropout-trace graph --shape None,4
      dropout-trace graph --shape 2,4     # no Shape op: every size is known
      dropout-trace graph --api tf.nn.dropout --format dot | dot -Tsvg > dropout.svg
    """
    _check_format(fmt, ("text", "dot", "mermaid", "json"))
    rate, shape = _defaults(api, rate, keep_prob, shape)
    spec = build_spec(rate=rate, shape=shape, seed=seed, noise_shape=noise_shape, dtype=dtype, api=api, rng=rng,
                      keep_prob=keep_prob, training=training, rate_tensor=rate_tensor)
    out = _output(export, width, force, theme)
    from . import graphview
    from .render_json import graph_json
    from .render_views import render_graph

    try:
        view = graphview.graph_view(spec)
    except Exception as exc:  # tracing the library's call raised: the library refused it, as `run` reports
        if debug:
            raise
        raise typer.Exit(_refused(type(exc).__name__, str(exc))) from None
    raw = {"dot": graphview.to_dot, "mermaid": graphview.to_mermaid}.get(fmt)
    out.emit(fmt, text=lambda console: render_graph(view, console), data=lambda: graph_json(view),
             raw=raw(view) if raw else None)


@app.command(short_help="Run every API on one input and compare their masks.",
             epilog=_exits(ExitStatus.CHECK_FAILED))
def compare(
    rate: str = _rate("0.3"), shape: str = _shape("None,4"), seed: str = _seed(), batch: int = _batch(),
    dtype: str = _dtype(), input: str = _input(), eager: bool = _eager(), fmt: str = _format(("text", "json")),
    max_elements: int = _max_elements(), max_memory: str = _max_memory(), values: str = _values(),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(),
) -> None:
    """Run every API on the same input and show the masks side by side.

    Masks that agree share a letter, and the reason is read from what each call captured: the same
    sampler with the same seed derivation gives the same mask; a different sampler (RandomUniform vs
    stateless_random_uniform vs tf.random.Generator) or seed gives another.

    Examples:

    \b
      dropout-trace compare --rate 0.5 --shape None,4 --seed 7
      dropout-trace compare --shape None,2,3 --batch 2     # adds spatial1d
    """
    _check_format(fmt, ("text", "json"))
    check_values(values)
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, dtype=dtype, input=input, eager=eager,
                      max_elements=max_elements, max_memory=max_memory)
    out = _output(export, width, force, theme)
    from .compare import compare as run_compare
    from .render_json import compare_json
    from .render_views import render_compare

    result = run_compare(spec)
    out.emit(fmt, text=lambda console: render_compare(result, console), data=lambda: compare_json(result, values))
    if any(e.trace is not None and e.trace.check is not None and not e.trace.check.passed for e in result.entries):
        raise typer.Exit(int(ExitStatus.CHECK_FAILED))


@app.command(short_help="Show the installed versions and how dropout changed since TF 2.9.", epilog=_exits())
def versions(
    fmt: str = _format(("text", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """Show the installed versions, which APIs are available, and where the installed dropout differs
    from the widely read TF 2.9 / Keras 2.9 account (read from the installed source)."""
    _check_format(fmt, ("text", "json"))
    out = _output(export, width, force, theme)
    from .render_json import versions_json
    from .render_views import render_versions
    from .versions import report

    result = report()
    out.emit(fmt, text=lambda console: render_versions(result, console), data=lambda: versions_json(result))


@app.command(short_help="Call one Dropout many times and test its masks statistically.",
             epilog=_exits(ExitStatus.REFUSED))
def stats(
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None), batch: int = _batch(),
    trials: int = typer.Option(1000, "--trials", metavar="T", help="How many masks: the same layer or function "
                               "is called T times, 2 to 1,000,000."),
    seed: str = _seed(), noise_shape: str = _noise(), dtype: str = _dtype(), fmt: str = _format(("text", "json")),
    max_elements: int = _max_elements(), max_memory: str = _max_memory(), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """Call the same Dropout T times on ones (rate 0.3 on a None,4 input unless told) and test the
    masks: kept fraction and output / input against the exact values for the dtype, correlations
    between samples, features and calls, and a chi-square test of each draw's keep count against
    Binomial(T, P(keep)). Every interval is 99.9%.

    Independent masks give correlations near 0; an axis that shares one draw (--noise-shape) gives
    exactly 1; a stateless API with a fixed seed returns the same mask on every call.

    Examples:

    \b
      dropout-trace stats --rate 0.3 --shape None,16 --batch 16 --trials 1000
      dropout-trace stats --shape None,8 --batch 8 --noise-shape 1,8
      dropout-trace stats --api stateless --shape None,8 --batch 8
      dropout-trace stats --dtype bfloat16 --format json

    --format json gives the same numbers: kept_fraction, output_ratio, correlation (samples,
    features, calls), identical_calls, binomial, exact, findings.
    """
    _check_format(fmt, ("text", "json"))
    rate, shape = _defaults(api, rate, None, shape)
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, noise_shape=noise_shape, dtype=dtype,
                      input="ones", max_elements=max_elements, api=api, rng=rng, max_memory=max_memory)
    from . import stats as core

    core.check_trials(trials, math.prod(spec.run_shape))  # before any work, as every value is
    out = _output(export, width, force, theme)
    from .render_json import stats_json
    from .render_views import draw_stats, render_stats

    try:  # measure checks --trials before TensorFlow is imported
        if fmt == "json":
            result = core.measure(spec, trials)
            out.emit(fmt, data=lambda: stats_json(result))  # and its export, if asked
        else:  # drawn as it measures (a progress bar on a terminal), so only the export is left to do
            result = render_stats(lambda progress: core.measure(spec, trials, progress), out.console)
        if out.path is not None and fmt != "json":
            out.save(text=lambda console: draw_stats(result, console), data=lambda: stats_json(result))
    except core.Refused as exc:
        raise typer.Exit(_fail(f"the library refused the call: {exc}", ExitStatus.REFUSED)) from None


@app.command(short_help="Teach one idea with a live computation; without a topic, list them.",
             epilog=_exits())
def explain(
    topic: str = typer.Argument(None, metavar="[TOPIC]", help="The topic; without one, the topics are listed."),
    rate: str = _rate("0.3"),
    seed: str = typer.Option("42", "--seed", metavar="S", help="The seed the topic's runs use: any 64-bit integer."),
    fmt: str = _format(("text", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """Teach one idea: a statement, a live computation with the installed library that proves it, and
    the command to go deeper. Without TOPIC, list the topics.

    Examples:

    \b
      dropout-trace explain
      dropout-trace explain noise-shape
      dropout-trace explain precision --rate 0.1 --format json
    """
    _check_format(fmt, ("text", "json"))
    from . import lessons
    from .render_json import topics_json
    from .render_views import render_lesson, render_topics

    if topic is None:
        out = _output(export, width, force, theme)
        topics = [(name, lessons.summary(name)) for name in lessons.available()]
        out.emit(fmt, text=lambda console: render_topics(topics, console),
                 data=lambda: topics_json(topics))
        return
    if topic not in lessons.available():
        near = lessons.closest(topic)
        hint = f"; did you mean '{near}'" if near in lessons.available() else ""
        raise UsageError(f"no topic {topic!r}{hint}; topics: {', '.join(lessons.available())}")
    from .spec import parse_rate, parse_seed

    chosen = parse_seed(seed)
    if chosen is None:
        raise UsageError("--seed none: explain topics compare runs with one seed; give an integer, e.g. 42")
    params = lessons.Params(rate=parse_rate(rate), seed=chosen)
    out = _output(export, width, force, theme)
    lesson = lessons.compute(topic, params)
    from .render_json import lesson_json

    out.emit(fmt, text=lambda console: render_lesson(lesson, lessons.page(lesson), console),
             data=lambda: lesson_json(lesson))


@app.command(short_help="A prompt with TensorFlow loaded once, for live teaching.")
def shell(
    timing: bool = typer.Option(False, "--timing", hidden=True, help="After each command, write its time to stderr "
                                "(for benchmarks/run)."),
) -> None:
    """Type commands at a prompt with TensorFlow loaded once, so each answers at once (for live teaching).

    Each line is a dropout-trace command, with or without the leading dropout-trace. help lists the
    commands; exit, quit or Ctrl-D leaves; Ctrl-C cancels the line. A bad command prints its one-line
    error and the shell goes on. On a terminal, up-arrow recalls earlier lines (kept in
    $XDG_STATE_HOME/dropout-trace/history, default ~/.local/state). Commands can come from a pipe too,
    one a line, with no prompt:

    \b
      printf 'run --rate 0.3 --shape None,4\\nversions\\n' | dropout-trace shell

    Exit status, for commands from a pipe: 0 if every command succeeded, else the status of the last
    command that failed. A session at a terminal ends with 0 (each error was shown as it happened).
    """
    from .shell import shell as read_commands

    raise typer.Exit(read_commands(timing=timing))


walkthroughs = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(walkthroughs, name="walkthrough", short_help="Play a lesson for a class, block by block.")


@walkthroughs.callback(invoke_without_command=True, epilog=_exits())
def _walkthroughs(ctx: typer.Context, debug: bool = _debug()) -> None:
    """Lessons for a class: Markdown in walkthroughs/, prose and dropout-trace commands, played in order
    with TensorFlow loaded once. Without a subcommand, list them.

    Examples:

    \b
      dropout-trace walkthrough
      dropout-trace walkthrough play 1 --step
      dropout-trace walkthrough play 04-same-mask-every-batch --export lesson4.html
    """
    if ctx.invoked_subcommand is not None:
        return
    from . import walkthrough as lessons
    from .render_views import render_walkthroughs

    render_walkthroughs([lessons.load(path, check=False) for path in lessons.bundled()],  # ours: listed, not run
                        _output(None, None, False, None).console)


@walkthroughs.command("play", short_help="Play a lesson, running its commands block by block.",
                       epilog=_exits())
def _walkthrough_play(
    name: str = typer.Argument(..., metavar="NAME", help="A lesson's number (1 or 01), its name "
                               "(01-unknown-batch) or the path to a lesson of your own (.md)."),
    step: bool = typer.Option(False, "--step", help="Pause before each block until Enter is pressed; q quits. "
                              "Only on a terminal: piped, it runs straight through."),
    start: int = typer.Option(1, "--from", metavar="N", help="Start at block N (the prose just before it too)."),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(),
) -> None:
    """Play a lesson: show its prose and run its dropout-trace commands block by block.

    Every command in the lesson is checked before anything runs: only dropout-trace commands, without
    shell syntax, may run from a lesson; anything else is refused with its file and line (exit 2). A
    command that fails shows its exit status and the lesson goes on. --export records the whole lesson.

    Examples:

    \b
      dropout-trace walkthrough play 01
      dropout-trace walkthrough play 3 --step --theme light
      dropout-trace walkthrough play my-lesson.md --from 2 --export lesson.svg
    """
    from . import walkthrough as lessons

    out = _output(export, width, force, theme)
    lesson = lessons.load(lessons.find(name))
    raise typer.Exit(lessons.play(lesson, out, step=step, start=start))


def _fail(message: str, status: ExitStatus) -> int:
    """The one-line error. It may echo what the user typed, so controls are escaped and long values cut."""
    from .untrusted import one_line

    sys.stdout.flush()
    sys.stderr.write(f"{PROG}: error: {one_line(message)}\n")
    return int(status)


def _refused(kind: str, message: str) -> int:
    """The library raised inside the call: one line with its exception type and the first line of its message."""
    first = (message.strip().splitlines() or [""])[0]
    return _fail(f"the library refused the call: {kind}: {first}", ExitStatus.REFUSED)


def _is_usage_error(exc: BaseException) -> bool:
    """Typer's parser errors (click's or its own vendored copy): exit code 2 and a message."""
    return getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error becomes one line on stderr and an exit status (see ExitStatus).

    Ctrl-C and SIGTERM raise (pause.signals_raise) so that every `finally` on the way out runs: the
    temporary file is removed, the cursor shown, child processes ended. This call reports the signal it
    received with one line and 130 or 143; a 130 or 143 handed up from an inner main() (the shell, a
    lesson) was reported there already.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    from .output import ascii_stream

    sys.stdout = ascii_stream(sys.stdout)  # --help and errors too: ASCII symbols on a stream that lacks ours
    import signal

    from .pause import Terminated, signals_raise
    from .tfstate import isolated

    signalled = {signal.SIGINT: ExitStatus.INTERRUPTED, signal.SIGTERM: ExitStatus.TERMINATED}
    with signals_raise() as signals:
        try:
            with isolated():  # the caller's TensorFlow settings neither shape the trace nor are changed by it
                result = app(args=argv, prog_name=PROG, standalone_mode=False)  # typer makes Ctrl-C 130
            sys.stdout.flush()
            status = int(result) if isinstance(result, int) else int(ExitStatus.OK)
        except Terminated:
            status = int(ExitStatus.TERMINATED)
        except KeyboardInterrupt:
            status = int(ExitStatus.INTERRUPTED)
        except UsageError as exc:
            if debug:
                raise
            status = _fail(str(exc), ExitStatus.USAGE)
        except typer.Exit as exc:
            status = int(exc.exit_code)
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error, and nothing to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot complain
            status = int(ExitStatus.OK)
        except Exception as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command asks for its help
                ctx = getattr(exc, "ctx", None)
                sys.stdout.write((ctx.get_help() if ctx else "") + "\n")
                status = int(ExitStatus.OK)
            elif _is_usage_error(exc) and not debug:
                ctx = getattr(exc, "ctx", None)
                where = ctx.command_path if ctx is not None else PROG  # e.g. 'dropout-trace walkthrough play'
                message = " ".join(exc.format_message().split()).rstrip(".")
                joint = " See" if message.endswith(("?", "!")) else "; see"  # no '?; see' pile-up
                status = _fail(f"{message}{joint} '{where} --help'", ExitStatus.USAGE)
            elif debug:
                raise
            else:
                first = str(exc).splitlines()[0] if str(exc) else ""
                status = _fail(f"{type(exc).__name__}: {first} (run with --debug for the traceback)",
                               ExitStatus.ERROR)
    if signals.pending in signalled and status not in signalled.values():  # it came as the command ended
        status, signals.caught = int(signalled[signals.pending]), signals.pending
    if signals.caught in signalled and status == signalled[signals.caught]:  # received here: say so once
        _fail("interrupted" if signals.caught == signal.SIGINT else "terminated", ExitStatus(status))
    return status


def entry() -> None:
    sys.exit(main())
