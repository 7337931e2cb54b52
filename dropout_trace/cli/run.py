"""Commands that trace one call: run, chain, graph."""

from __future__ import annotations

import typer

from ..errors import ExitStatus, LibraryRefused, exits, refused
from ..spec import build_spec, check_values, parse_batches
from .base import Command, _output, app, env_of, failed
from .options import (_api, _batch, _calls, _check_format, _debug, _defaults, _dtype, _eager, _export, _force, _format,
                      _grad, _input, _keep_prob, _layer_dtype, _max_elements, _max_memory, _noise, _plumbing, _policy, _rate,
                      _rate_tensor, _rng, _seed, _shape, _theme, _training, _upstream, _values, _width)


@app.command(cls=Command, no_args_is_help=True, short_help="Trace one Dropout call, stage by stage.",
             epilog=exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def run(
    ctx: typer.Context,
    rate: str = _rate(None), shape: str = _shape(...), batch: str = _batch(several=True), seed: str = _seed(),
    calls: int = _calls(), layer_dtype: str = _layer_dtype(), policy: str = _policy(),
    noise_shape: str = _noise(), dtype: str = _dtype(), input: str = _input(), eager: bool = _eager(),
    api: str = _api(), rng: str = _rng(), keep_prob: str = _keep_prob(), training: bool = _training(),
    rate_tensor: bool = _rate_tensor(), plumbing: bool = _plumbing(), fmt: str = _format(("text", "json")),
    max_elements: int = _max_elements(), max_memory: str = _max_memory(), values: str = _values(),
    debug: bool = _debug(), export: str = _export(), width: int = _width(), force: bool = _force(),
    theme: str = _theme(), grad: bool = _grad(), upstream: str = _upstream(),
    replicas: int = typer.Option(None, "--replicas", metavar="N", help="Run the call under "
                                 "tf.distribute.MirroredStrategy on N logical CPU devices (2 to 8), through "
                                 "strategy.run in the tf.function; each replica takes --batch rows of the global "
                                 "batch. Shows each replica's seed state and mask, and whether they agree."),
    brief: bool = typer.Option(False, "--brief", help="A projector view in about a screen: the chain on one line, "
                               "one short row per stage with its static → run-time shapes and its grid (uniforms, "
                               "mask, output), no source excerpts; then the answer and the check."),
    step: bool = typer.Option(False, "--step", help="A step per stage, for a room: Space or Enter goes on, b goes "
                              "back a step, q quits (exit 0), Ctrl-C exits 130. A stage taller than the terminal "
                              "is shown a screen at a time. Only on a terminal; piped, it never waits."),
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
      dropout-trace run --rate 0.3 --shape None,4 --batch 3,5
      dropout-trace run --api keras.random.dropout --rate 0.3 --shape None,4 --calls 3
      dropout-trace run --rate 0.3 --shape None,4 --dtype bfloat16
      dropout-trace run --rate 0.3 --shape None,4 --replicas 2
      dropout-trace run --rate 0.3 --shape None,4 --brief --step
      dropout-trace run --rate 0.3 --shape None,4 --stages keep_mask,output
    """
    _check_format(fmt, ("text", "json"))
    from ..render import parse_stages

    picked = parse_stages(stages)  # before TensorFlow: a bad name fails at once
    check_values(values)
    spec = build_spec(rate=rate, shape=shape, batch=batch, seed=seed, noise_shape=noise_shape, dtype=dtype,
                      input=input, eager=eager, max_elements=max_elements, api=api, rng=rng,
                      keep_prob=keep_prob, training=training, rate_tensor=rate_tensor, layer_dtype=layer_dtype,
                      policy=policy, calls=calls, replicas=replicas, max_memory=max_memory, fmt=fmt, values=values,
                      export=export, grad=grad, upstream=upstream)
    out = _output(ctx, export, width, force, theme, slides=True)
    from ..tfenv import DeviceSetupError
    from ..trace import trace_run

    try:
        trace = trace_run(spec)
    except DeviceSetupError as exc:  # TensorFlow started earlier in this process: say so, no traceback
        raise typer.Exit(failed(ctx, str(exc), ExitStatus.ERROR)) from None
    from ..render import render_trace
    from ..render_json import trace_json

    out.emit(fmt, text=lambda console: render_trace(trace, console, plumbing=plumbing, brief=brief, step=step,
                                                    stages=picked, stdin=out.env.stdin),
             data=lambda: trace_json(trace, values))  # q at a pause raises pause.Quit: main makes it exit 0
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


@app.command(cls=Command, short_help="Show the captured call tree of one Dropout call.",
             epilog=exits(ExitStatus.CHECK_FAILED, ExitStatus.REFUSED, ExitStatus.MISSING))
def chain(
    ctx: typer.Context,
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None),
    batch: str = _batch(), seed: str = _seed(), noise_shape: str = _noise(), dtype: str = _dtype(),
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
    spec = build_spec(rate=rate, shape=shape, batch=parse_batches(batch, "chain")[0], seed=seed,
                      noise_shape=noise_shape, dtype=dtype, eager=eager, max_elements=max_elements, api=api, rng=rng, keep_prob=keep_prob,
                      training=training, rate_tensor=rate_tensor, max_memory=max_memory)
    out = _output(ctx, export, width, force, theme)
    from ..trace import trace_run

    trace = trace_run(spec)
    from ..render_json import chain_json
    from ..render_views import render_chain

    out.emit(fmt, text=lambda console: render_chain(trace, console, plumbing=plumbing, source=source),
             data=lambda: chain_json(trace, source))
    refusal = trace.facts.refusal
    if refusal is not None:  # the tree shows where; the status alone would not say what TensorFlow said
        refused(refusal.type, refusal.message, env_of(ctx))
    _exit_for(trace)


@app.command(cls=Command, short_help="List the ops of the traced graph, the dropout ops marked.",
             epilog=exits(ExitStatus.REFUSED))
def graph(
    ctx: typer.Context,
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None),
    seed: str = _seed(), noise_shape: str = _noise(), dtype: str = _dtype(), keep_prob: str = _keep_prob(),
    training: bool = _training(), rate_tensor: bool = _rate_tensor(),
    fmt: str = _format(("text", "dot", "mermaid", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
    grad: bool = typer.Option(False, "--grad", help="The backward pass too: the graph of a tf.function that takes "
                              "tape.gradient of sum(output * upstream); the ops the gradient added follow the forward "
                              "ones, and each names the forward ops it reads (the keep mask into SelectV2)."),
) -> None:
    """List the ops of the traced tf.function graph, in the order TensorFlow created them.

    Marked: the Shape op (where the batch size enters at run time), the random op, the comparison
    and the select. --format dot or mermaid draws the graph for slides; json is for tools.

    Examples:

    \b
      dropout-trace graph --shape None,4
      dropout-trace graph --shape 2,4     # no Shape op: every size is known
      dropout-trace graph --api tf.nn.dropout --format dot | dot -Tsvg > dropout.svg
      dropout-trace graph --shape None,4 --grad   # the backward ops, and the keep mask they reuse
    """
    _check_format(fmt, ("text", "dot", "mermaid", "json"))
    rate, shape = _defaults(api, rate, keep_prob, shape)
    spec = build_spec(rate=rate, shape=shape, seed=seed, noise_shape=noise_shape, dtype=dtype, api=api, rng=rng,
                      keep_prob=keep_prob, training=training, rate_tensor=rate_tensor, grad=grad)
    out = _output(ctx, export, width, force, theme)
    from .. import graphview
    from ..render_json import graph_json
    from ..render_views import render_graph

    try:
        view = graphview.graph_view(spec)
    except LibraryRefused as exc:  # tracing the library's call raised in the library: as `run` reports it
        if debug:
            raise
        raise typer.Exit(refused(exc.kind, exc.message, env_of(ctx))) from None
    raw = {"dot": graphview.to_dot, "mermaid": graphview.to_mermaid}.get(fmt)
    out.emit(fmt, text=lambda console: render_graph(view, console), data=lambda: graph_json(view),
             raw=raw(view) if raw else None)

