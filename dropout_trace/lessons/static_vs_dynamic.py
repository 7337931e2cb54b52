"""The learner's question: a None batch inside call(), and a mask drawn per sample anyway."""

from __future__ import annotations


def compute(p) -> dict:
    from ..graphview import graph_view
    from ..spec import build_spec
    from ..trace import trace_run

    spec = build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, batch=3)
    trace = trace_run(spec)
    f = trace.facts
    ops = graph_view(spec).ops
    stopped = f.stopped  # where the call returned early, when nothing was drawn
    return {
        "dropped": f.dropped,
        "stopped": None if stopped is None else {"function": stopped.function, "file": stopped.file,
                                                 "line": stopped.line, "source": stopped.source},
        "input_static_shape": list(f.shape),
        "input_runtime_shape": list(f.run_shape),
        "noise_source": f.noise_source,
        "noise_tensor": f.noise_tensor,
        "noise_static": f.noise_static,
        "noise_runtime": f.noise_runtime,
        "draws": f.draws,
        "elements": f.elements,
        "keep_mask": trace.tensors["keep_mask"].tolist() if trace.tensors["keep_mask"] is not None else None,
        "graph_op_types": sorted({op.type for op in ops}),
        "shape_op": next((op.name for op in ops if op.type == "Shape"), None),
        "check_passed": trace.check.passed,
    }
