"""The trace as JSON: another rendering of the same dataclasses, not a second code path."""

from __future__ import annotations

import json

import numpy as np

from .model import CallNode, Excerpt, ListView, PyValue, TensorView, Trace, Value


def plain(array: np.ndarray | None):
    """Nested lists; float16/bfloat16 widen exactly to float64 first."""
    if array is None:
        return None
    a = np.asarray(array)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        a = a.astype(np.float64)
    return a.tolist()


SCHEMA_VERSION = 2


def _side(dtype, shape, value):
    return {"dtype": dtype, "shape": None if shape is None else list(shape), "value": value}


def value_json(v: Value):
    """{"static": what was known while tracing, "runtime": the value when it ran}; static is null when the
    value did not exist while tracing (read after the run)."""
    if isinstance(v, TensorView):
        existed = v.static_shape is not None or v.symbolic is not None or v.static_value is not None
        static = _side(v.dtype, v.static_shape, v.static_value) if existed else None
        if static is not None and v.symbolic:
            static["tensor"] = v.symbolic
        runtime = None if v.value is None else _side(v.dtype, v.dynamic_shape, plain(v.value))
        if runtime is not None and len(v.runs) > 1:
            runtime["calls"] = [plain(r) for r in v.runs]
        return {"static": static, "runtime": runtime}
    if isinstance(v, ListView):
        items = [value_json(i) for i in v.items]
        return {"static": {"items": [i["static"] for i in items]},
                "runtime": {"items": [i["runtime"] for i in items]}}
    data = v.data if isinstance(v, PyValue) and v.data is not None else v.text
    return {"static": {"python": data}, "runtime": {"python": data}}


def _replicas_json(trace: Trace) -> list | None:
    """--replicas: each replica's state, seeds, mask and check; None without --replicas."""
    from . import narrate

    f, reps = trace.facts, trace.snapshot.replicas
    if not reps:
        return None
    out = []
    for words, r, rf in zip(narrate.replica_rows(f), reps, f.replicas):
        c, check = (r.calls[0] if r.calls else None), rf.check
        out.append({**words, "device": r.device, "input": plain(r.input), "random": plain(c and c.random),
                    "keep_mask": plain(c and c.keep_mask), "output": plain(c and c.output), "kept": rf.kept,
                    "same_draws_as_replica_0": rf.same_draws,
                    "calls": [{"call": k.index, "seed_state_before": plain(k.state_before),
                               "seed_state_after": plain(k.state_after), "seed_used": plain(k.seed_used),
                               "keep_mask": plain(k.keep_mask), "output": plain(k.output)} for k in r.calls],
                    "check": None if check is None else {"bit_exact": check.bit_exact,
                                                         "mask_matches": check.mask_matches,
                                                         "passed": check.passed, "calls": check.calls}})
    return out


def trace_json(trace: Trace) -> dict:
    from . import __version__, narrate

    check, f = trace.check, trace.facts
    p = f.probabilities
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "api": trace.api,
        "call": trace.call,
        "rate": trace.rate,
        "seed": trace.seed,
        "shape": list(trace.shape),
        "run_shape": list(trace.run_shape),
        "noise_shape": list(trace.noise_shape) if trace.noise_shape is not None else None,
        "dtype": trace.dtype,
        "compute_dtype": f.compute_dtype,
        "input": trace.input_kind,
        "mode": trace.mode,
        "trace_count": f.trace_count,
        "versions": trace.versions,
        "notes": narrate.notes(f),
        "chain": [{"function": fr.function, "file": fr.file, "line": fr.line, "plumbing": fr.plumbing,
                   "landmark": fr.landmark} for fr in trace.chain],
        "stages": [{
            "name": s.key, "title": narrate.title(s, f), "status": s.status, "reached": s.reached,
            "note": (narrate.stopped(s.stopped) if s.status == "not_reached" else
                     s.missing if s.status == "missing" else None),
            "landmark": s.landmark,
            "function": s.function.qualname if s.function else None,
            "file": s.function.file if s.function else None,
            "line": s.function.line if s.function else None,
            "static_shape": s.static_shape, "dynamic_shape": s.dynamic_shape, "dtype": s.dtype,
            "source": [{"function": e.function.qualname, "file": e.function.file,
                        "lines": [{"line": sl.lineno, "text": sl.text, "ran": sl.ran} for sl in e.lines]}
                       for e in s.excerpts],
            "values": {nv.label: value_json(nv.value) for nv in s.values},
        } for s in trace.stages],
        "calls": [{"call": c.index, "seed_state_before": plain(c.state_before),
                   "seed_state_after": plain(c.state_after), "seed_used": plain(c.seed_used),
                   "keep_mask": plain(c.keep_mask), "output": plain(c.output)} for c in trace.calls],
        "masks_repeat": f.masks_repeat,
        "replicas": _replicas_json(trace),
        "replicas_agree": f.replicas_agree,
        "replica_reason": f.replica_reason,
        "probabilities": None if p is None else {
            "compute_dtype": p.compute_dtype, "rate_in_dtype": p.rate_in_dtype, "scale_in_dtype": p.scale_in_dtype,
            "p_keep": p.p_keep, "expected_output_ratio": p.expected_output_ratio, "grid_size": p.grid_size,
            "draws_on_grid": p.grid_checked_on, "draws_off_grid": p.off_grid},
        "tensors": {name: plain(a) for name, a in trace.tensors.items()},
        "refusal": None if f.refusal is None else {
            "type": f.refusal.type, "message": f.refusal.message, "function": f.refusal.function,
            "file": f.refusal.file, "line": f.refusal.line, "landmark": f.refusal.landmark},
        "missing": list(f.missing),
        "check": None if check is None else {
            "bit_exact": check.bit_exact, "mask_matches": check.mask_matches,
            "fresh_layer_equal": check.fresh_layer_equal, "passed": check.passed,
            "kept": check.kept, "total": check.total, "draws": check.draws, "kept_fraction": check.kept_fraction,
            "calls": check.calls,
        },
    }


def node_json(node: CallNode) -> dict:
    return {"function": node.function, "file": node.file, "line": node.line, "call_line": node.call_line,
            "call_source": node.call_source, "plumbing": node.plumbing, "landmark": node.landmark,
            "children": [node_json(c) for c in node.children]}


def source_json(ex: Excerpt) -> dict:
    return {"function": ex.function.qualname, "file": ex.function.file, "line": ex.function.line,
            "ran": [line.lineno for line in ex.lines if line.ran],
            "lines": [{"line": line.lineno, "text": line.text} for line in ex.lines]}


def chain_json(trace: Trace, source: bool = False) -> dict:
    """The `chain` command's view: the call tree, and the landmark sources when asked."""
    out = {"api": trace.api, "call": trace.call, "mode": trace.mode, "versions": trace.versions,
           "tree": [node_json(n) for n in trace.tree]}
    if source:
        out["sources"] = [source_json(ex) for ex in trace.sources]
    return out


def dump(data: dict) -> str:
    return json.dumps(data, indent=2)


def dumps(trace: Trace) -> str:
    return dump(trace_json(trace))


def compare_json(c) -> dict:
    from . import narrate
    from .compare import differences

    letter = {label: g.letter for g in c.groups for label in g.labels}
    return {
        "rate": c.spec.rate, "shape": list(c.spec.shape), "run_shape": list(c.spec.run_shape), "seed": c.spec.seed,
        "entries": [{"api": e.label, "group": letter.get(e.label), "skipped": e.skipped, "sampler": e.sampler,
                     "randomness": e.randomness, "mask": plain(e.mask),
                     "check": None if e.trace is None else e.trace.check.passed} for e in c.entries],
        "groups": [{"group": g.letter, "apis": list(g.labels), "reason": g.reason} for g in c.groups],
        "differences": [{"groups": [d.a, d.b], "kind": d.kind, "sentence": narrate.compare_difference(d)}
                        for d in differences(c)],
    }


def versions_json(r) -> dict:
    return {"versions": r.versions, "tf_keras_is": r.tf_keras_is,
            "apis": [{"api": n, "available": ok, "detail": d} for n, ok, d in r.apis],
            "landmarks": [{"landmark": k, "function": fn, "found": ok, "detail": d,
                           "locals": [{"name": n, "found": f} for n, f in locs]}
                          for k, fn, ok, d, locs in r.landmarks],
            "differences": [{"topic": d.topic, "account": d.account, "installed": d.installed,
                             "differs": d.differs} for d in r.differences]}


def lesson_json(lesson) -> dict:
    """An explain topic as JSON: the facts it rests on, computed in this run."""
    return {"topic": lesson.topic, "rate": lesson.params.rate, "seed": lesson.params.seed,
            "versions": lesson.versions, "facts": lesson.facts}


def stats_json(s) -> dict:
    """`stats` as JSON. Keys: command, tool_version, api, rng, call, rate, dtype, shape, run_shape, noise_shape,
    seed, trials, elements_per_call, mask_elements, draws_per_call, shared_axes, calls_per_graph_run,
    graph_runs, seconds, level, exact {p_keep, rate_in_dtype, scale, output_ratio}, kept_fraction and
    output_ratio {estimate, low, high, exact, inside, draws}, correlation {samples, features, calls, axes:
    [{name, axis, r, low, high, pairs, differing}]}, identical_calls, binomial {chi2, dof, p_value, passed,
    draws, bins: [{keep_counts, observed, expected}]} or null, findings (the sentences)."""
    from . import __version__
    from .narrate import stats as words

    def interval(iv) -> dict:
        return {"estimate": iv.estimate, "low": iv.low, "high": iv.high, "exact": iv.exact, "inside": iv.inside,
                "draws": iv.n}

    def corr(c) -> dict | None:
        return None if c is None else {"name": c.name, "axis": c.axis, "r": c.value, "low": c.low, "high": c.high,
                                       "pairs": c.pairs, "differing": c.differing}

    f = s.fit
    return {
        "command": "stats", "tool_version": __version__, "api": s.api, "rng": s.rng, "call": s.call, "rate": s.rate,
        "dtype": s.dtype, "shape": list(s.shape), "run_shape": list(s.run_shape),
        "noise_shape": None if s.noise_shape is None else list(s.noise_shape), "seed": s.seed, "trials": s.trials,
        "elements_per_call": s.elements, "mask_elements": s.mask_elements, "draws_per_call": s.draws,
        "shared_axes": list(s.shared_axes), "calls_per_graph_run": s.per_run, "graph_runs": s.runs,
        "seconds": s.seconds, "level": s.level,
        "exact": {"p_keep": s.p_keep, "rate_in_dtype": s.rate_in_dtype, "scale": s.scale,
                  "output_ratio": s.ratio.exact},
        "kept_fraction": interval(s.kept), "output_ratio": interval(s.ratio),
        "correlation": {"samples": corr(s.correlation("samples")), "features": corr(s.correlation("features")),
                        "calls": corr(s.correlation("calls")),
                        "axes": [corr(c) for c in s.correlations if c.axis is not None]},
        "identical_calls": s.identical,
        "binomial": None if f is None else {
            "chi2": f.chi2, "dof": f.dof, "p_value": f.p_value, "passed": f.passed, "draws": f.draws,
            "bins": [{"keep_counts": list(b), "observed": o, "expected": e}
                     for b, o, e in zip(f.bins, f.observed, f.expected)]},
        "findings": words.findings(s),
    }
