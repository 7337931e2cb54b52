"""The words of the graph command."""

from __future__ import annotations


GRAPH_MARKS = {  # the Shape op's words depend on the draw: mark_words
    "random": "the random op: uniform draws of the noise shape",
    "compare": "the comparison: keep_mask = random >= rate",
    "select": "the select: kept values scaled, dropped ones 0",
}


def _sizes(unknown: tuple[int, ...] | None) -> str:
    """Which run-time sizes a Shape op hands the draw, from the draw's axes unknown while tracing."""
    if unknown is None:
        return "the sizes unknown while tracing enter"
    names = ["the batch size" if a == 0 else f"axis {a}'s size" for a in unknown]
    return " and ".join(names) + (" enters" if len(names) == 1 else " enter")


def mark_words(mark: str, unknown: tuple[int, ...] | None = (0,)) -> str:
    """What an op with this mark does; for the Shape op, which sizes it brings into the draw."""
    if mark == "shape":
        return f"Shape: {_sizes(unknown)} here, when the graph runs"
    return GRAPH_MARKS[mark]


def graph_mark(mark: str, view) -> str:
    """What a mark means, or why the graph has no such op, from the graph's own ops and input shape."""
    if any(op.mark == mark for op in view.ops):
        return mark_words(mark, view.draw_unknown_axes)
    drew = any(op.mark == "random" for op in view.ops)
    if mark == "shape" and not drew:
        return "no Shape op: the call drew nothing, so no noise shape was needed"
    if mark == "shape" and view.unused_shape_ops:
        which = ", ".join(map(str, view.unused_shape_ops))
        known = "" if view.draw_unknown_axes else ": every size of the noise shape was known while tracing"
        return f"no mark: Shape op {which} does not reach the random op's shape{known}"
    if mark == "shape" and None not in view.shape:
        return "no Shape op: every size was known while tracing, so tf.shape(x) became a Const"
    if mark == "shape":
        return "no Shape op: the noise shape was built from known sizes only"
    return f"{GRAPH_MARKS[mark]}: no such op in this graph"


def graph_backward_head(view) -> str:
    """The row before the first op tape.gradient added."""
    return f"backward: the {sum(op.backward for op in view.ops)} ops tape.gradient added"


def graph_backward(view) -> str:
    """--grad: what the backward ops read from the forward pass, and whether any of them draws."""
    n = sum(op.backward for op in view.ops)
    random = view.backward_random
    draws = (f"none of the {n} backward ops is a random op" if not random
             else "the backward ops include random ops: " + ", ".join(f"#{i}" for i in random))
    into = view.mask_into
    compared = any(op.mark == "compare" and not op.backward for op in view.ops)
    mask = (f"the keep mask (the comparison) feeds backward op{'s' if len(into) > 1 else ''} "
            + ", ".join(f"#{i} {view.ops[i].type}" for i in into) if into
            else "no backward op reads the comparison's keep mask" if compared
            else "the forward pass made no keep mask (no comparison)")
    return f"a backward op reads what the forward pass computed; {mask}; {draws}."
