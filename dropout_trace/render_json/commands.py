"""`compare`, `versions`, `graph`, `stats` and `explain` as JSON, each made through document()."""

from __future__ import annotations

from .document import document, identified
from .tensors import Tensors


def compare_json(c, values: str | None = None) -> dict:
    """`compare --format json`: each API's mask is named in `tensors`; APIs whose masks agree share one."""
    from ..narrate import compare as words

    letter = {label: g.letter for g in c.groups for label in g.labels}
    tensors = Tensors(values)
    return document({
        "rate": c.spec.rate, "shape": list(c.spec.shape), "run_shape": list(c.spec.run_shape), "seed": c.spec.seed,
        "entries": [{"api": e.label, "group": letter.get(e.label), "skipped": e.skipped, "sampler": e.sampler,
                     "randomness": None if e.seeding is None else words.seeding(e.seeding),
                     "mask": None if e.mask is None else tensors.add(e.mask, f"mask_{letter[e.label].lower()}"),
                     "check": None if e.trace is None else e.trace.check.passed} for e in c.entries],
        "groups": [{"group": g.letter, "apis": list(g.labels), "reason": words.compare_reason(g)} for g in c.groups],
        "differences": [{"groups": [d.a, d.b], "kind": d.kind, "sentence": words.compare_difference(d)}
                        for d in c.differences],
        "tensors": tensors.table,
    })


def versions_json(r) -> dict:
    from ..narrate import versions as words

    return document({"versions": r.versions, "tf_keras_is": words.tf_keras_is(r.source),
            "apis": [{"api": n, "available": ok, "detail": words.api_detail(n, missing)} for n, ok, missing in r.apis],
            "landmarks": [{"landmark": k, "function": fn, "found": ok, "detail": d,
                           "locals": [{"name": n, "found": f} for n, f in locs]}
                          for k, fn, ok, d, locs in r.landmarks],
            "differences": [{"topic": d.topic, "account": d.account, "installed": d.installed,
                             "differs": d.differs} for d in words.differences(r)]})


def lesson_json(lesson) -> dict:
    """An explain topic as JSON: the facts it rests on, computed in this run."""
    return document({"topic": lesson.topic, "rate": lesson.params.rate, "seed": lesson.params.seed,
                     "versions": lesson.versions, "facts": identified(lesson.facts)})


def topics_json(topics) -> dict:
    """`explain --format json` without a topic: each topic's name and summary, from (name, summary) pairs."""
    return document({"topics": [{"topic": name, "summary": words} for name, words in topics]})


def graph_json(view) -> dict:
    """`graph --format json`: each op, in the order TensorFlow created it, and what each mark means."""
    from .. import narrate
    from ..graphview import MARKS

    return document({"api": view.api, "call": view.call, "signature": view.signature, "versions": view.versions,
                     "marks": {m: narrate.graph_mark(m, view) for m in MARKS},
                     "ops": [{"index": op.index, "name": op.name, "type": op.type, "shapes": list(op.shapes),
                              "inputs": list(op.inputs), "control_inputs": list(op.control_inputs), "mark": op.mark,
                              **({"backward": op.backward, "from_forward": list(op.from_forward)} if view.grad
                                 else {})}
                             for op in view.ops],
                     "backward": None if not view.grad else {
                         "ops": sum(op.backward for op in view.ops), "random_ops": list(view.backward_random),
                         "keep_mask_into": list(view.mask_into), "words": narrate.graph_backward(view)}})


def stats_json(s) -> dict:
    """`stats` as JSON. Keys: schema_version, tool_version, command, api, rng, call, rate, dtype, shape,
    run_shape, noise_shape, seed, trials, elements_per_call, mask_elements, draws_per_call, shared_axes,
    calls_per_graph_run, graph_runs, seconds, level, exact {p_keep, rate_in_dtype, scale, output_ratio},
    kept_fraction and output_ratio {estimate, low, high, exact, inside, draws}, correlation {samples,
    features, calls, axes: [{name, axis, r, low, high, pairs, differing}]}, identical_calls, binomial {chi2,
    dof, p_value, passed, draws, bins: [{keep_counts, observed, expected}], histogram {first_keep_count, observed,
    expected}: one entry per keep count, unpooled} or null, findings (the sentences)."""
    from ..narrate import stats as words
    from ..stats import Along

    def interval(iv) -> dict:
        return {"estimate": iv.estimate, "low": iv.low, "high": iv.high, "exact": iv.exact, "inside": iv.inside,
                "draws": iv.n}

    def corr(c) -> dict | None:
        return None if c is None else {"name": words.correlation_name(c), "axis": c.axis, "r": c.value, "low": c.low, "high": c.high,
                                       "pairs": c.pairs, "differing": c.differing}

    f = s.fit
    return document({
        "command": "stats", "api": s.api, "rng": s.rng, "call": s.call, "rate": s.rate,
        "dtype": s.dtype, "shape": list(s.shape), "run_shape": list(s.run_shape),
        "noise_shape": None if s.noise_shape is None else list(s.noise_shape), "seed": s.seed, "trials": s.trials,
        "elements_per_call": s.elements, "mask_elements": s.mask_elements, "draws_per_call": s.draws,
        "shared_axes": list(s.shared_axes), "calls_per_graph_run": s.per_run, "graph_runs": s.runs,
        "seconds": s.seconds, "level": s.level,
        "exact": {"p_keep": s.p_keep, "rate_in_dtype": s.rate_in_dtype, "scale": s.scale,
                  "output_ratio": s.ratio.exact},
        "kept_fraction": interval(s.kept), "output_ratio": interval(s.ratio),
        "correlation": {"samples": corr(s.correlation(Along.SAMPLES)), "features": corr(s.correlation(Along.FEATURES)),
                        "calls": corr(s.correlation(Along.CALLS)),
                        "axes": [corr(c) for c in s.correlations if c.axis is not None]},
        "identical_calls": s.identical,
        "binomial": None if f is None else {
            "chi2": f.chi2, "dof": f.dof, "p_value": f.p_value, "passed": f.passed, "draws": f.draws,
            "bins": [{"keep_counts": list(b), "observed": o, "expected": e}
                     for b, o, e in zip(f.bins, f.observed, f.expected)],
            "histogram": {"first_keep_count": f.histogram.first, "observed": list(f.histogram.observed),
                          "expected": list(f.histogram.expected)}},
        "findings": words.findings(s),
    })
