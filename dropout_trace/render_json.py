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


def value_json(v: Value):
    if isinstance(v, TensorView):
        return {"dtype": v.dtype, "static_shape": list(v.static_shape) if v.static_shape is not None else None,
                "dynamic_shape": list(v.dynamic_shape), "symbolic": v.symbolic,
                "static_value": v.static_value if v.symbolic else None, "value": plain(v.value)}
    if isinstance(v, ListView):
        return {"items": [value_json(i) for i in v.items]}
    return {"python": v.data if isinstance(v, PyValue) and v.data is not None else v.text}


def trace_json(trace: Trace) -> dict:
    check = trace.check
    return {
        "api": trace.api,
        "call": trace.call,
        "rate": trace.rate,
        "seed": trace.seed,
        "shape": list(trace.shape),
        "run_shape": list(trace.run_shape),
        "noise_shape": list(trace.noise_shape) if trace.noise_shape is not None else None,
        "dtype": trace.dtype,
        "input": trace.input_kind,
        "mode": trace.mode,
        "versions": trace.versions,
        "notes": list(trace.notes),
        "chain": [{"function": f.function, "file": f.file, "line": f.line, "plumbing": f.plumbing,
                   "landmark": f.landmark} for f in trace.chain],
        "stages": [{
            "name": s.key, "title": s.title, "reached": s.reached, "note": s.note or None,
            "function": s.function.qualname if s.function else None,
            "file": s.function.file if s.function else None,
            "line": s.function.line if s.function else None,
            "static_shape": s.static_shape, "dynamic_shape": s.dynamic_shape, "dtype": s.dtype,
            "source": [{"function": e.function.qualname, "file": e.function.file,
                        "lines": [{"line": sl.lineno, "text": sl.text, "ran": sl.ran} for sl in e.lines]}
                       for e in s.excerpts],
            "values": {nv.label: value_json(nv.value) for nv in s.values},
        } for s in trace.stages],
        "tensors": {name: plain(a) for name, a in trace.tensors.items()},
        "check": None if check is None else {
            "bit_exact": check.bit_exact, "mask_matches": check.mask_matches,
            "fresh_layer_equal": check.fresh_layer_equal, "passed": check.passed,
            "kept": check.kept, "total": check.total, "kept_fraction": check.kept_fraction,
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
    from .compare import differences

    letter = {label: g.letter for g in c.groups for label in g.labels}
    return {
        "rate": c.spec.rate, "shape": list(c.spec.shape), "run_shape": list(c.spec.run_shape), "seed": c.spec.seed,
        "entries": [{"api": e.label, "group": letter.get(e.label), "skipped": e.skipped, "sampler": e.sampler,
                     "randomness": e.randomness, "mask": plain(e.mask),
                     "check": None if e.trace is None else e.trace.check.passed} for e in c.entries],
        "groups": [{"group": g.letter, "apis": list(g.labels), "reason": g.reason} for g in c.groups],
        "differences": differences(c),
    }


def versions_json(r) -> dict:
    return {"versions": r.versions, "tf_keras_is": r.tf_keras_is,
            "apis": [{"api": n, "available": ok, "detail": d} for n, ok, d in r.apis],
            "differences": [{"topic": d.topic, "account": d.account, "installed": d.installed,
                             "differs": d.differs} for d in r.differences]}
