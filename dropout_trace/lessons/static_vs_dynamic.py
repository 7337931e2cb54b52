"""The learner's question: a None batch inside call(), and a mask drawn per sample anyway."""

from __future__ import annotations

from dataclasses import dataclass

from . import Stopped, stopped


@dataclass(frozen=True)
class StaticVsDynamic:
    dropped: bool
    stopped: Stopped | None  # where the call returned early, when nothing was drawn
    input_static_shape: list
    input_runtime_shape: list
    noise_source: str | None
    noise_tensor: str | None
    noise_static: list | None
    noise_runtime: list | None
    draws: int
    elements: int
    keep_mask: list | None
    graph_op_types: list[str]
    shape_op: str | None
    check_passed: bool


def compute(p) -> StaticVsDynamic:
    from ..graphview import graph_view
    from ..spec import build_spec
    from ..trace import trace_run

    spec = build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, batch=3)
    trace = trace_run(spec)
    f = trace.facts
    ops = graph_view(spec).ops
    return StaticVsDynamic(
        dropped=f.dropped,
        stopped=stopped(f.stopped),
        input_static_shape=list(f.shape),
        input_runtime_shape=list(f.run_shape),
        noise_source=f.noise_source,
        noise_tensor=f.noise_tensor,
        noise_static=f.noise_static,
        noise_runtime=f.noise_runtime,
        draws=f.draws,
        elements=f.elements,
        keep_mask=trace.tensors["keep_mask"].tolist() if trace.tensors["keep_mask"] is not None else None,
        graph_op_types=sorted({op.type for op in ops}),
        shape_op=next((op.name for op in ops if op.type == "Shape"), None),
        check_passed=trace.check.passed,
    )
