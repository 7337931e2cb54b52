"""The words of the graph and versions commands."""

from __future__ import annotations

from dataclasses import dataclass


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




@dataclass(frozen=True)
class Difference:
    """One point of the TF 2.9 / Keras 2.9 account, against what the installed source says."""

    topic: str
    account: str  # what the widely read TF 2.9 / Keras 2.9 account says
    installed: str  # what the installed source does, with where it was read
    differs: bool


def version_differences(s) -> tuple:
    """The TF 2.9 / Keras 2.9 account, point by point, against what the installed source says."""
    keras3 = s.tf_keras_module.startswith("keras.")
    default = {"stateful": "stateful", "legacy": "legacy (tf.nn.dropout)", None: "tf-keras not installed"}
    return (
        Difference("how the mask is applied",
                   "x * scale * cast(keep_mask): a Mul by the mask cast to x's dtype (TF 2.10 and earlier)",
                   f"`{s.mask_line}` ({s.dropout_where})" if s.mask_line else f"not found in {s.dropout_where}",
                   "where_v2" in s.mask_line),
        Difference("the scale", "scale = 1 / (1 - rate) in Python, cast to x's dtype, multiplied in",
                   f"`{s.scale_line}` ({s.dropout_where})" if s.scale_line
                   else f"no `scale = 1 / keep_prob` line in {s.dropout_where}", not s.scale_line),
        Difference("Keras 2's RandomGenerator.dropout",
                   "Keras 2.9: no rng_type branches; without a tf.random.Generator it calls tf.nn.dropout "
                   "(stateless_dropout only with the generator enabled)",
                   (f"branches on {', '.join(s.rng_branches)} and legacy ({s.rng_where}); default here: "
                    f"{default[s.rng_default]}" if s.rng_branches else f"no rng_type branches ({s.rng_where})"),
                   bool(s.rng_branches)),
        Difference("which Keras tf.keras is", "Keras 2 (keras 2.9): Dropout.call -> BaseRandomLayer's RandomGenerator",
                   f"Keras {'3' if keras3 else '2'} ({s.tf_keras_module})", keras3),
        Difference("where tf.shape(x) is taken", "nn_ops._get_noise_shape returns array_ops.shape(x)",
                   (f"Keras 3 takes `{s.noise_line}` first ({s.noise_where}) when no noise shape is given; "
                    "_get_noise_shape then returns that tensor unchanged" if s.noise_line
                    else f"no tf.shape(inputs) in {s.noise_where}"), bool(s.noise_line)),
    )
