"""The words of the graph command."""

from __future__ import annotations


GRAPH_MARKS = {
    "shape": "Shape: the batch size enters here, when the graph runs",
    "random": "the random op: uniform draws of the noise shape",
    "compare": "the comparison: keep_mask = random >= rate",
    "select": "the select: kept values scaled, dropped ones 0",
}


def graph_mark(mark: str, view) -> str:
    """What a mark means, or why the graph has no such op, from the graph's own ops and input shape."""
    if any(op.mark == mark for op in view.ops):
        return GRAPH_MARKS[mark]
    drew = any(op.mark == "random" for op in view.ops)
    if mark == "shape" and not drew:
        return "no Shape op: the call drew nothing, so no noise shape was needed"
    if mark == "shape" and None not in view.shape:
        return "no Shape op: every size was known while tracing, so tf.shape(x) became a Const"
    if mark == "shape":
        return "no Shape op: the noise shape was built from known sizes only"
    return f"{GRAPH_MARKS[mark]}: no such op in this graph"
