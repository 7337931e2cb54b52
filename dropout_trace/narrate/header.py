"""The run view's header: the mode line and the notes that change what the stages mean, full and brief."""

from __future__ import annotations

from ..apis import APIS
from ..facts import Facts
from .words import listed, plural


def library_version(api: str, versions: dict) -> str:
    """The Keras the API belongs to, with its version: "Keras 3.x" or "tf-keras 2.x"."""
    if APIS[api].library == "tf_keras":
        return f"tf-keras {versions['tf_keras']}"
    return f"Keras {versions['keras']}"


def mode_line(f: Facts, signature: str) -> str:
    if f.mode == "eager":
        return "eager: each op runs as soon as it is called; every shape is concrete, nothing is traced"
    calls = f"called {plural(len(f.calls), 'time')}" if f.calls else "never ran"
    again = ""
    if f.trace_count > 1:
        made = f.made_while_tracing
        # polymorphic_function: a first trace that created variables is followed by one that may not create any
        again = (f" (the first trace created {plural(len(made), 'variable')}, {', '.join(made)}, so tf.function "
                 f"traced again, as a function that creates none; only the last trace's graph runs)" if made else
                 " (tf.function traced again; only the last trace's graph runs)")
    what = "keep_prob" if f.converts_keep_prob else "rate"
    tensor = (f", the {what} tensor passed as its second argument (a placeholder while tracing)"
              if f.rate_is_tensor else "")
    return (f"graph: tf.function(input_signature=[{signature}]){tensor}; traced {plural(f.trace_count, 'time')}"
            f"{again}, {calls}")


def notes(f: Facts) -> list[str]:
    out = []
    if f.kind == "layer" and f.compute_dtype:
        arg = f"dtype='{f.layer_dtype}'" if f.layer_dtype else "no dtype= argument"
        if f.compute_dtype == f.input_dtype:
            out.append(f"input {f.input_dtype}, layer built with {arg}: _dropout received x in {f.compute_dtype}")
        else:
            out.append(f"input {f.input_dtype}, layer built with {arg}: the layer cast x to {f.compute_dtype} "
                       f"before dropout, so the draw and the comparison ran in {f.compute_dtype}")
    if f.rng_default:
        out.append(f"no --rng given: tf_keras's default RandomGenerator branch ran, {f.rng}" if f.dropped else
                   f"no --rng given: tf_keras's default RandomGenerator branch is {f.rng}; it did not run here")
    if f.seed is None:
        out.append(("no seed given: the library drew its own" + (
            f"; the stateless op received {listed(f.seed_passed)}" if f.seed_passed else "")) if f.dropped else
            "no seed given; nothing was drawn")
    out += [f"missing in the installed version: {m}" for m in f.missing]
    if f.replicas:
        n, rows = len(f.replicas), f.replicas[0].rows
        out.append(f"MirroredStrategy with {n} replicas, one logical CPU device each, through strategy.run in the "
                   f"tf.function; each replica took {plural(rows, 'row')} of a global batch of {n * rows:,}, and the "
                   "stages below follow replica 0")
    return out


def mode_brief(f: Facts) -> str:
    if f.mode == "eager":
        return "eager: every shape concrete, nothing traced"
    calls = f"called {plural(len(f.calls), 'time')}" if f.calls else "never ran"
    return f"graph: tf.function traced {plural(f.trace_count, 'time')}, {calls}"


def notes_brief(f: Facts) -> list[str]:
    """The header notes that change what the stages mean, shortened; the trivial ones are left out."""
    out = []
    if f.kind == "layer" and f.compute_dtype and f.compute_dtype != f.input_dtype:
        out.append(f"the layer cast x to {f.compute_dtype}: the draw and the comparison ran in {f.compute_dtype}")
    if f.rng_default:
        out.append(f"no --rng given: tf_keras's default branch ran, {f.rng}" if f.dropped else
                   f"no --rng given: tf_keras's default branch is {f.rng}; it did not run here")
    if f.seed is None:
        out.append("no seed given: the library drew its own" if f.dropped else "no seed given; nothing was drawn")
    out += [f"missing in the installed version: {m}" for m in f.missing]
    if f.replicas:
        out.append(f"MirroredStrategy, {plural(len(f.replicas), 'replica')} of {plural(f.replicas[0].rows, 'row')}; "
                   "the stages follow replica 0")
    return out
