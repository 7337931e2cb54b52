"""Commands that measure many calls or APIs: compare, versions, stats."""

from __future__ import annotations

import math

import typer

from ..errors import ExitStatus, LibraryRefused, exits, refused
from ..spec import build_spec, check_rate_one, check_values, parse_batches
from .base import Command, _output, app, env_of
from .options import (_api, _batch, _check_format, _debug, _defaults, _dtype, _eager, _export, _force, _format, _input,
                      _max_elements, _max_memory, _noise, _rate, _rng, _seed, _shape, _theme, _values, _width)


@app.command(cls=Command, short_help="Run every API on one input and compare their masks.",
             epilog=exits(ExitStatus.CHECK_FAILED))
def compare(
    ctx: typer.Context,
    rate: str = _rate("0.3"), shape: str = _shape("None,4"), seed: str = _seed(), batch: str = _batch(),
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
    spec = build_spec(rate=rate, shape=shape, batch=parse_batches(batch, "compare")[0], seed=seed, dtype=dtype,
                      input=input, eager=eager,
                      max_elements=max_elements, max_memory=max_memory)
    check_rate_one(spec.rate, "compare", "masks to compare")
    out = _output(ctx, export, width, force, theme)
    from ..compare import compare as run_compare
    from ..render_json import compare_json
    from ..render_views import render_compare

    result = run_compare(spec)
    out.emit(fmt, text=lambda console: render_compare(result, console), data=lambda: compare_json(result, values))
    if any(e.trace is not None and e.trace.check is not None and not e.trace.check.passed for e in result.entries):
        raise typer.Exit(int(ExitStatus.CHECK_FAILED))


@app.command(cls=Command, short_help="Show the installed versions and how dropout changed since TF 2.9.",
             epilog=exits())
def versions(
    ctx: typer.Context,
    fmt: str = _format(("text", "json")), debug: bool = _debug(),
    export: str = _export(), width: int = _width(), force: bool = _force(), theme: str = _theme(),
) -> None:
    """Show the installed versions, which APIs are available, and where the installed dropout differs
    from the widely read TF 2.9 / Keras 2.9 account (read from the installed source)."""
    _check_format(fmt, ("text", "json"))
    out = _output(ctx, export, width, force, theme)
    from ..render_json import versions_json
    from ..render_views import render_versions
    from ..versions import report

    result = report()
    out.emit(fmt, text=lambda console: render_versions(result, console), data=lambda: versions_json(result))


@app.command(cls=Command, short_help="Call one Dropout many times and test its masks statistically.",
             epilog=exits(ExitStatus.REFUSED))
def stats(
    ctx: typer.Context,
    api: str = _api(), rng: str = _rng(), rate: str = _rate(None), shape: str = _shape(None), batch: str = _batch(),
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
    spec = build_spec(rate=rate, shape=shape, batch=parse_batches(batch, "stats")[0], seed=seed,
                      noise_shape=noise_shape, dtype=dtype, input="ones", max_elements=max_elements, api=api, rng=rng, max_memory=max_memory)
    check_rate_one(spec.rate, "stats", "masks to count")
    from .. import stats as core

    core.check_trials(trials, math.prod(spec.run_shape))  # before any work, as every value is
    out = _output(ctx, export, width, force, theme)
    from ..render_json import stats_json
    from ..render_views import draw_stats, render_stats

    try:  # measure checks --trials before TensorFlow is imported
        if fmt == "json":
            result = core.measure(spec, trials)
            out.emit(fmt, data=lambda: stats_json(result))  # and its export, if asked
        else:  # drawn as it measures (a progress bar on a terminal), so only the export is left to do
            result = render_stats(lambda progress: core.measure(spec, trials, progress), out.console)
        if out.path is not None and fmt != "json":
            out.save(text=lambda console: draw_stats(result, console), data=lambda: stats_json(result))
    except LibraryRefused as exc:
        raise typer.Exit(refused(exc.kind, exc.message, env_of(ctx))) from None

