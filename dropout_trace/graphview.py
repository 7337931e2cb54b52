"""The ops of the traced tf.function graph, in creation order, with the dropout landmarks marked."""

from __future__ import annotations

from dataclasses import dataclass

from .apis import call_text, innermost_quoted, input_signature, make_call, raised_by_library
from .errors import LibraryRefused
from .spec import RunSpec, shape_text
from .tfenv import import_tensorflow
from .versions import installed

MARKS = ("shape", "random", "compare", "select")  # an op gets the first mark whose test it passes; narrate words them

FILL = {"shape": "#ffe08a", "random": "#a8d8ff", "compare": "#c8f0c0", "select": "#f4b6b6"}


def mark_of(op_type: str) -> str | None:
    """The mark an op's type alone decides; a Shape op is marked only where it reaches the draw (_shape_marks)."""
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
    # The random op's draw, read from the graph: the axes of its output unknown while tracing (their sizes
    # enter from a Shape op when the graph runs; None: its rank is unknown), and the Shape ops whose output
    # does not reach its shape input at all.
    draw_unknown_axes: tuple[int, ...] | None = ()
    unused_shape_ops: tuple[int, ...] = ()


def _ancestors(tensor) -> set:
    """The names of every op a tensor's value is computed from (data inputs only), its own op included."""
    seen, stack = set(), [tensor.op]
    while stack:
        op = stack.pop()
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(t.op for t in op.inputs)
    return seen


def _draw_facts(graph) -> tuple[set, tuple[int, ...] | None]:
    """From the first random op: the ops its shape input is computed from, and its output's unknown axes."""
    draw = next((op for op in graph.get_operations() if mark_of(op.type) == "random"), None)
    if draw is None:
        return set(), ()
    args = [arg.name for arg in draw.op_def.input_arg]  # TensorFlow's own op definition names the input
    feeding = _ancestors(draw.inputs[args.index("shape")]) if "shape" in args else set()
    out = draw.outputs[0].shape
    unknown = None if out.rank is None else tuple(i for i, d in enumerate(out.as_list()) if d is None)
    return feeding, unknown


def graph_view(spec: RunSpec) -> GraphView:
    """Trace spec's call once with tf.function and list the graph's ops as TensorFlow created them."""
    tf, keras = import_tensorflow()
    _, call, args = make_call(spec, tf)
    signature = input_signature(spec, tf, args)
    fn = tf.function(lambda x, *a: call(x, *a), input_signature=signature, autograph=False)
    try:
        graph = fn.get_concrete_function().graph
    except Exception as exc:
        if raised_by_library(exc, call):
            inner = innermost_quoted(exc)
            raise LibraryRefused(type(inner).__name__, str(inner)) from exc
        raise
    ops, unknown, unused = ops_of(graph)
    return GraphView(spec.api, call_text(spec), ", ".join(repr(s) for s in signature), installed(tf, keras),
                     ops, spec.shape, unknown, unused)


def ops_of(graph) -> tuple[tuple[OpView, ...], tuple[int, ...] | None, tuple[int, ...]]:
    """A traced graph's ops, marked; the draw's unknown axes; the Shape ops that do not reach the draw."""
    feeding, unknown = _draw_facts(graph)
    ops, unused = [], []
    for i, op in enumerate(graph.get_operations()):
        shapes = tuple(None if t.shape.rank is None else t.shape.as_list() for t in op.outputs)
        mark = mark_of(op.type)
        if op.type == "Shape":
            mark = "shape" if op.name in feeding else None
            unused += [] if mark else [i]
        ops.append(OpView(i, op.name, op.type, shapes, tuple(t.op.name for t in op.inputs),
                          tuple(c.name for c in op.control_inputs), mark))
    return tuple(ops), unknown, tuple(unused)


def _shape_text(shapes) -> str:
    return " ".join(shape_text(s) for s in shapes) if shapes else "no outputs"


def to_dot(view: GraphView) -> str:
    """Graphviz DOT: data edges solid, control edges dashed, marked ops filled. A node reads its op's type, its
    own name (the last part of its scope, where that is not the type) and shapes; its full name is its tooltip,
    so the drawing stays narrow (full scope names made it thousands of points wide)."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def label(op: OpView) -> str:  # DOT's \n is a line break inside a quoted label
        own = op.name.rsplit("/", 1)[-1]
        parts = (op.type, *([own] if own.lower() != op.type.lower() else []), _shape_text(op.shapes))
        return '"' + "\\n".join(quote(part)[1:-1] for part in parts) + '"'

    ids = {op.name: f"n{op.index}" for op in view.ops}
    lines = ["digraph dropout {", "  rankdir=TB;", '  node [shape=box, fontname="monospace", fontsize=10];',
             f"  label={quote(view.call)};", "  labelloc=t;"]
    for op in view.ops:
        style = f', style=filled, fillcolor="{FILL[op.mark]}"' if op.mark else ""
        lines.append(f"  {ids[op.name]} [label={label(op)}, tooltip={quote(op.name)}{style}];")
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
