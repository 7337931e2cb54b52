"""`run` and `chain` as JSON: another rendering of the trace's dataclasses, not a second code path."""

from __future__ import annotations

from ..model import CallNode, Excerpt, ListView, PyValue, TensorView, Trace, Value
from .document import document
from .tensors import Tensors, plain
from .writer import text


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
            "output": tensors.add(c.output, f"{prefix}call_{c.index}_output"),
            **({} if c.upstream is None else {
                "upstream": tensors.add(c.upstream, f"{prefix}call_{c.index}_upstream"),
                "gradient": tensors.add(c.gradient, f"{prefix}call_{c.index}_gradient")})}


def _call_facts_json(cf, k) -> dict:
    """What one call ran on and drew (--batch 3,5 gives each call its own size), and its part of the check."""
    return {"run_shape": list(cf.run_shape), "noise_shape": None if cf.noise_shape is None else list(cf.noise_shape),
            "draws": cf.draws, "kept": cf.kept,
            "check": None if k is None else {"mask_matches": k.mask_matches, "bit_exact": k.bit_exact,
                                             "fresh_equal": k.fresh_equal,
                                             **({} if k.gradient_exact is None else {
                                                 "gradient_exact": k.gradient_exact,
                                                 "fresh_gradient_equal": k.fresh_gradient_equal})}}


def _backward_json(b) -> dict | None:
    """--grad: the gradient functions that ran and what they read, and the backward graph's random ops."""
    if b is None:
        return None
    return {"upstream": b.upstream, "no_path": b.no_path, "gradient_dtype": b.gradient_dtype,
            "gradient_functions": [{"op_type": s.op_type, "function": s.function, "file": s.file, "line": s.line,
                                    "reads": list(s.reads)} for s in b.steps],
            "keep_mask_read_by": list(b.mask_readers), "scale_read_by": list(b.scale_readers),
            "keep_mask_tensor": b.mask_tensor, "keep_mask_into": list(b.mask_edges),
            "backward_ops": b.backward_ops,
            "backward_random_ops": None if b.backward_random is None else list(b.backward_random),
            "forward_random_ops": None if b.forward_random is None else list(b.forward_random),
            "sampler_runs": b.sampler_runs}


def _replicas_json(trace: Trace, tensors: Tensors) -> list | None:
    """--replicas: each replica's state, seeds, mask and check; None without --replicas."""
    from .. import narrate

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


def _stage_json(s, f, tensors: Tensors) -> dict:
    from .. import narrate

    return {
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
        "values": {nv.key: value_json(nv.value, tensors, nv.key) for nv in s.values},
    }


def trace_json(trace: Trace, values: str | None = None) -> dict:
    """`run --format json`; `values` is --values (None: full up to FULL_UP_TO elements per tensor)."""
    from .. import narrate

    check, f = trace.check, trace.facts
    p = f.probabilities
    tensors = Tensors(values)
    # the run's own tensors keep their names, each in its own entry (rate 0's output equals its input)
    for name, a in trace.tensors.items():
        tensors.add(a, name, own=True)
    calls = [{**_call_json(c, tensors, ""), **_call_facts_json(cf, k)}
             for c, cf, k in zip(trace.calls, f.calls, check.per_call if check else [None] * len(f.calls))]
    stages = [_stage_json(s, f, tensors) for s in trace.stages]
    return document({
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
        "made_while_tracing": list(f.made_while_tracing),
        "batches": list(trace.spec.sizes),
        "versions": trace.versions,
        "notes": narrate.notes(f),
        "chain": [{"function": fr.function, "file": fr.file, "line": fr.line, "plumbing": fr.plumbing,
                   "landmark": fr.landmark} for fr in trace.chain],
        "stages": stages,
        "calls": calls,
        "masks_repeat": f.masks_repeat,
        "backward": _backward_json(f.backward),
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
            "calls": check.calls, "zeroed": check.zeroed,
        },
        "tensors": tensors.table,
    })


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
    return document(out)


def dumps(trace: Trace) -> str:
    return text(trace_json(trace))


