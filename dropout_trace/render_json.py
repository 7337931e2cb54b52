"""The outputs as JSON: another rendering of the same dataclasses, not a second code path.

Every array is written once, in the output's top-level `tensors` table ({name: {dtype, shape, values
or summary}}), and named wherever else it appears. Every key is an identifier. The schema of each
command's output is in dropout_trace/schemas/<command>.schema.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import re

import numpy as np

from .model import CallNode, Excerpt, ListView, PyValue, TensorView, Trace, Value
from .spec import FULL_UP_TO

SCHEMA_VERSION = 3
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def _floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or a.dtype.name == "bfloat16"


def plain(array: np.ndarray | None):
    """Nested lists; float16/bfloat16 widen exactly to float64 first."""
    if array is None:
        return None
    a = np.asarray(array)
    return (a.astype(np.float64) if _floating(a) else a).tolist()


def summary(a: np.ndarray) -> dict:
    """min, max and mean (in float64); a mask also says how many elements it keeps."""
    if a.size == 0:
        return {"min": None, "max": None, "mean": None}
    if a.dtype == bool:
        kept = int(np.count_nonzero(a))
        return {"min": bool(a.min()), "max": bool(a.max()), "mean": kept / a.size, "kept": kept}
    wide = a.astype(np.float64) if _floating(a) else a
    return {"min": wide.min().item(), "max": wide.max().item(), "mean": float(wide.mean(dtype=np.float64))}


def key(label: str) -> str:
    """A display label as an identifier: 'state before' -> 'state_before', 'self.rate' -> 'self_rate'."""
    return re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_") or "value"


class Tensors:
    """An output's one table of arrays: each is written once, under a name; elsewhere only its name appears.

    The snapshot may hold one tensor in several copies (the input as made, and as `_dropout` received
    it): equal float or bool arrays are one tensor. Integer arrays (seeds, shapes) are one tensor only
    when they are the same captured array: the seed state while tracing and before the call are equal
    but are two tensors.
    """

    def __init__(self, values: str | None = None):
        self.values = values  # full, summary or none; None: full up to FULL_UP_TO elements, a summary above
        self.table: dict[str, dict] = {}
        self._names: dict[tuple, list[str]] = {}  # (dtype, shape, digest of the bytes[, id]) -> names written

    def add(self, array, name: str, own: bool = False) -> str | None:
        """The name `array` is written under: the same tensor's, if it is in the table, else `name`.

        `own`: always an entry of its own under `name`, e.g. the output even where it equals the input.
        """
        if array is None:
            return None
        a = np.asarray(array)
        same = (a.dtype.name, a.shape, _digest(a)) + (() if _floating(a) or a.dtype == bool else (id(array),))
        names = self._names.setdefault(same, [])
        if name in names:
            return name
        if names and not own:
            return names[0]
        unique, n = name, 1
        while unique in self.table:
            n += 1
            unique = f"{name}_{n}"
        names.append(unique)
        self.table[unique] = self._entry(a)
        return unique

    def _entry(self, a: np.ndarray) -> dict:
        mode = self.values or ("full" if a.size <= FULL_UP_TO else "summary")
        entry = {"dtype": a.dtype.name, "shape": list(a.shape)}
        if mode == "full":
            entry["values"] = plain(a)
        elif mode == "summary":
            entry["summary"] = summary(a)
        return entry


def _digest(a: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(a).reshape(-1).view(np.uint8), digest_size=16).digest()


def value_json(v: Value, tensors: Tensors, name: str):
    """{"static": what was known while tracing, "runtime": the value when it ran}; static is null when the
    value did not exist while tracing (read after the run). A run-time tensor is named in `tensors`."""
    if isinstance(v, TensorView):
        existed = v.static_shape is not None or v.symbolic is not None or v.static_value is not None
        static = None
        if existed:
            static = {"dtype": v.dtype, "shape": None if v.static_shape is None else list(v.static_shape),
                      "value": v.static_value, "graph_tensor": v.symbolic}
        runtime = None
        if v.value is not None:
            runtime = {"dtype": v.dtype, "shape": list(v.dynamic_shape), "tensor": tensors.add(v.value, name)}
            if len(v.runs) > 1:
                runtime["calls"] = [tensors.add(r, f"call_{i}_{name}") for i, r in enumerate(v.runs, 1)]
        return {"static": static, "runtime": runtime}
    if isinstance(v, ListView):
        items = [value_json(item, tensors, f"{name}_{i}") for i, item in enumerate(v.items)]
        return {"static": {"items": [i["static"] for i in items]},
                "runtime": {"items": [i["runtime"] for i in items]}}
    data = v.data if isinstance(v, PyValue) and v.data is not None else v.text
    return {"static": {"python": data}, "runtime": {"python": data}}


def _call_json(c, tensors: Tensors, prefix: str) -> dict:
    """One call: its seed states inline (a few integers), its uniforms, mask and output by name."""
    return {"call": c.index, "seed_state_before": plain(c.state_before), "seed_state_after": plain(c.state_after),
            "seed_used": plain(c.seed_used), "random": tensors.add(c.random, f"{prefix}call_{c.index}_random"),
            "keep_mask": tensors.add(c.keep_mask, f"{prefix}call_{c.index}_keep_mask"),
            "output": tensors.add(c.output, f"{prefix}call_{c.index}_output")}


def _replicas_json(trace: Trace, tensors: Tensors) -> list | None:
    """--replicas: each replica's state, seeds, mask and check; None without --replicas."""
    from . import narrate

    f, reps = trace.facts, trace.snapshot.replicas
    if not reps:
        return None
    out = []
    for words, r, rf in zip(narrate.replica_rows(f), reps, f.replicas):
        c, check = (r.calls[0] if r.calls else None), rf.check
        name = f"replica_{r.replica}_"
        out.append({**words, "device": r.device, "input": tensors.add(r.input, name + "input"),
                    "random": tensors.add(c and c.random, name + "random"),
                    "keep_mask": tensors.add(c and c.keep_mask, name + "keep_mask"),
                    "output": tensors.add(c and c.output, name + "output"), "kept": rf.kept,
                    "same_draws_as_replica_0": rf.same_draws,
                    "calls": [_call_json(k, tensors, name) for k in r.calls],
                    "check": None if check is None else {"bit_exact": check.bit_exact,
                                                         "mask_matches": check.mask_matches,
                                                         "passed": check.passed, "calls": check.calls}})
    return out


def trace_json(trace: Trace, values: str | None = None) -> dict:
    """`run --format json`; `values` is --values (None: full up to FULL_UP_TO elements per tensor)."""
    from . import __version__, narrate

    check, f = trace.check, trace.facts
    p = f.probabilities
    tensors = Tensors(values)
    # the run's own tensors keep their names, each in its own entry (rate 0's output equals its input)
    for name, a in trace.tensors.items():
        tensors.add(a, name, own=True)
    calls = [_call_json(c, tensors, "") for c in trace.calls]
    stages = [{
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
        "values": {key(nv.label): value_json(nv.value, tensors, key(nv.label)) for nv in s.values},
    } for s in trace.stages]
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
        "stages": stages,
        "calls": calls,
        "masks_repeat": f.masks_repeat,
        "replicas": _replicas_json(trace, tensors),
        "replicas_agree": f.replicas_agree,
        "replica_reason": f.replica_reason,
        "probabilities": None if p is None else {
            "compute_dtype": p.compute_dtype, "rate_in_dtype": p.rate_in_dtype, "scale_in_dtype": p.scale_in_dtype,
            "p_keep": p.p_keep, "expected_output_ratio": p.expected_output_ratio, "grid_size": p.grid_size,
            "draws_on_grid": p.grid_checked_on, "draws_off_grid": p.off_grid},
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
        "tensors": tensors.table,
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


def write(data, stream) -> None:
    """`data` as indented JSON, then a newline; each tensor's values one innermost row a line, written row by row
    (never the whole text of a large tensor at once: that would need a copy of it in memory)."""
    tensors = data.get("tensors") if isinstance(data, dict) else None
    if not tensors:
        json.dump(data, stream, indent=2)
        stream.write("\n")
        return
    rest = json.dumps({k: v for k, v in data.items() if k != "tensors"}, indent=2)
    stream.write(rest[:-2] + ",\n" if len(rest) > 2 else "{\n")
    stream.write('  "tensors": {')
    for i, (name, entry) in enumerate(tensors.items()):
        stream.write(("," if i else "") + f"\n    {json.dumps(name)}: {{\n")
        for j, (k, v) in enumerate(entry.items()):
            stream.write((",\n" if j else "") + f"      {json.dumps(k)}: ")
            if k == "values":
                _rows(v, "      ", stream)
            else:
                stream.write(json.dumps(v))
        stream.write("\n    }")
    stream.write("\n  }\n}\n")


ROW_CHUNK = 4096  # elements of one row made into text at a time


def _rows(values, pad: str, stream) -> None:
    if not isinstance(values, list) or not values or not isinstance(values[0], list):
        if not isinstance(values, list) or len(values) <= ROW_CHUNK:
            stream.write(json.dumps(values))
            return
        stream.write("[")  # a long row (a rank-1 tensor): in pieces, as json.dumps joins them
        for start in range(0, len(values), ROW_CHUNK):
            stream.write((", " if start else "") + json.dumps(values[start:start + ROW_CHUNK])[1:-1])
        stream.write("]")
        return
    inner = pad + "  "
    stream.write("[\n")
    for i, v in enumerate(values):
        stream.write((",\n" if i else "") + inner)
        _rows(v, inner, stream)
    stream.write("\n" + pad + "]")


def text(data) -> str:
    """What write() writes, as a string."""
    out = io.StringIO()
    write(data, out)
    return out.getvalue()


def dumps(trace: Trace) -> str:
    return text(trace_json(trace))


def compare_json(c, values: str | None = None) -> dict:
    """`compare --format json`: each API's mask is named in `tensors`; APIs whose masks agree share one."""
    from . import narrate
    from .compare import differences

    letter = {label: g.letter for g in c.groups for label in g.labels}
    tensors = Tensors(values)
    return {
        "rate": c.spec.rate, "shape": list(c.spec.shape), "run_shape": list(c.spec.run_shape), "seed": c.spec.seed,
        "entries": [{"api": e.label, "group": letter.get(e.label), "skipped": e.skipped, "sampler": e.sampler,
                     "randomness": e.randomness,
                     "mask": tensors.add(e.mask, f"mask_{key(letter.get(e.label) or e.label)}"),
                     "check": None if e.trace is None else e.trace.check.passed} for e in c.entries],
        "groups": [{"group": g.letter, "apis": list(g.labels), "reason": g.reason} for g in c.groups],
        "differences": [{"groups": [d.a, d.b], "kind": d.kind, "sentence": narrate.compare_difference(d)}
                        for d in differences(c)],
        "tensors": tensors.table,
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
            "versions": lesson.versions, "facts": identified(lesson.facts)}


def identified(obj):
    """Every key an identifier: a mapping keyed by names (an API, a call such as model.fit) becomes a list of
    {"name": key, "value": value}, in order."""
    if isinstance(obj, dict):
        if all(isinstance(k, str) and IDENTIFIER.fullmatch(k) for k in obj):
            return {k: identified(v) for k, v in obj.items()}
        return [{"name": str(k), "value": identified(v)} for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [identified(v) for v in obj]
    return obj


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
