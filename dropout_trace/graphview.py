"""The ops of the traced tf.function graph, in creation order, with the dropout landmarks marked."""

from __future__ import annotations

from dataclasses import dataclass

from .apis import call_text, input_signature, make_call
from .spec import RunSpec, shape_text
from .tfenv import import_tensorflow
from .versions import installed

MARKS = ("shape", "random", "compare", "select")  # an op gets the first mark whose test it passes; narrate words them

FILL = {"shape": "#ffe08a", "random": "#a8d8ff", "compare": "#c8f0c0", "select": "#f4b6b6"}


def mark_of(op_type: str) -> str | None:
    if op_type == "Shape":
        return "shape"
    if "Uniform" in op_type:  # RandomUniform, StatelessRandomUniformV2, StatefulUniform...
        return "random"
    if op_type == "GreaterEqual":
        return "compare"
    if op_type in ("SelectV2", "Select"):
        return "select"
    return None


@dataclass(frozen=True)
class OpView:
    index: int
    name: str
    type: str
    shapes: tuple  # static shape of each output: a list with None for unknown sizes, or None for unknown rank
    inputs: tuple[str, ...]  # names of the ops producing this op's data inputs
    control_inputs: tuple[str, ...]
    mark: str | None


@dataclass(frozen=True)
class GraphView:
    api: str
    call: str
    signature: str
    versions: dict
    ops: tuple[OpView, ...]
    shape: tuple = ()  # the input shape as given, None = unknown while tracing


def graph_view(spec: RunSpec) -> GraphView:
    """Trace spec's call once with tf.function and list the graph's ops as TensorFlow created them."""
    tf, keras = import_tensorflow()
    _, call, args = make_call(spec, tf)
    signature = input_signature(spec, tf, args)
    fn = tf.function(lambda x, *a: call(x, *a), input_signature=signature, autograph=False)
    graph = fn.get_concrete_function().graph
    ops = []
    for i, op in enumerate(graph.get_operations()):
        shapes = tuple(None if t.shape.rank is None else t.shape.as_list() for t in op.outputs)
        ops.append(OpView(i, op.name, op.type, shapes, tuple(t.op.name for t in op.inputs),
                          tuple(c.name for c in op.control_inputs), mark_of(op.type)))
    return GraphView(spec.api, call_text(spec), ", ".join(repr(s) for s in signature), installed(tf, keras),
                     tuple(ops), spec.shape)


def _shape_text(shapes) -> str:
    return " ".join(shape_text(s) for s in shapes) if shapes else "no outputs"


def to_dot(view: GraphView) -> str:
    """Graphviz DOT: data edges solid, control edges dashed, marked ops filled."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def label(op: OpView) -> str:  # DOT's \n is a line break inside a quoted label
        return '"' + "\\n".join(quote(part)[1:-1] for part in (op.type, op.name, _shape_text(op.shapes))) + '"'

    ids = {op.name: f"n{op.index}" for op in view.ops}
    lines = ["digraph dropout {", "  rankdir=TB;", '  node [shape=box, fontname="monospace", fontsize=10];',
             f"  label={quote(view.call)};", "  labelloc=t;"]
    for op in view.ops:
        style = f', style=filled, fillcolor="{FILL[op.mark]}"' if op.mark else ""
        lines.append(f"  {ids[op.name]} [label={label(op)}{style}];")
    for op in view.ops:
        for src in op.inputs:
            lines.append(f"  {ids[src]} -> {ids[op.name]};")
        for src in op.control_inputs:
            lines.append(f"  {ids[src]} -> {ids[op.name]} [style=dashed];")
    lines.append("}")
    return "\n".join(lines)


def to_mermaid(view: GraphView) -> str:
    """A Mermaid flowchart for slides; marked ops get a class each."""
    def label(op: OpView) -> str:
        text = f"{op.type}<br/>{op.name}<br/>{_shape_text(op.shapes)}"
        return text.replace('"', "#quot;")

    lines = ["flowchart TD"]
    for op in view.ops:
        lines.append(f'  n{op.index}["{label(op)}"]')
    ids = {op.name: f"n{op.index}" for op in view.ops}
    for op in view.ops:
        for src in op.inputs:
            lines.append(f"  {ids[src]} --> n{op.index}")
        for src in op.control_inputs:
            lines.append(f"  {ids[src]} -.-> n{op.index}")
    for mark, color in FILL.items():
        members = [f"n{op.index}" for op in view.ops if op.mark == mark]
        if members:
            lines.append(f"  classDef {mark} fill:{color}")
            lines.append(f"  class {','.join(members)} {mark}")
    return "\n".join(lines)
