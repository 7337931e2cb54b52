"""The ops of the traced tf.function graph, in creation order, with the dropout landmarks marked."""

from __future__ import annotations

from dataclasses import dataclass

from .apis import call_text, innermost_quoted, input_signature, make_call, raised_by_library
from .backward import is_random
from .errors import LibraryRefused
from .harness import differentiate
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
    backward: bool = False  # --grad: an op tape.gradient added
    from_forward: tuple[int, ...] = ()  # --grad, a backward op: the forward ops (by index) among its data inputs


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
    grad: bool = False  # --grad: the graph holds the backward pass too, after the forward ops

    @property
    def backward_random(self) -> tuple[int, ...]:
        """--grad: the random ops among those the gradient added (by index)."""
        return tuple(op.index for op in self.ops if op.backward and is_random(op.type))

    @property
    def mask_into(self) -> tuple[int, ...]:
        """--grad: the backward ops the forward comparison (the keep mask) feeds."""
        compare = {op.index for op in self.ops if not op.backward and op.mark == "compare"}
        return tuple(op.index for op in self.ops if op.backward and compare & set(op.from_forward))


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
    first: list[tuple] = []  # --grad: the ops tape.gradient added, as (first index, end index)

    def taped(x, upstream, *a):
        y, g, ops = differentiate(tf, call, x, upstream, a, tf.compat.v1.get_default_graph())
        first.append((len(ops["forward"]), len(ops["forward"]) + len(ops["backward"])))
        return y, g

    if spec.grad:
        fn = tf.function(taped, input_signature=[signature[0], *signature], autograph=False)
    else:
        fn = tf.function(lambda x, *a: call(x, *a), input_signature=signature, autograph=False)
    try:
        graph = fn.get_concrete_function().graph
    except Exception as exc:
        if raised_by_library(exc, call):
            inner = innermost_quoted(exc)
            raise LibraryRefused(type(inner).__name__, str(inner)) from exc
        raise
    ops, unknown, unused = ops_of(graph, first[-1] if first else None)
    shown = [signature[0], *signature] if spec.grad else signature
    return GraphView(spec.api, call_text(spec), ", ".join(repr(s) for s in shown), installed(tf, keras),
                     ops, spec.shape, unknown, unused, spec.grad is not None)


def ops_of(graph, added: tuple | None = None) -> tuple[tuple[OpView, ...], tuple[int, ...] | None, tuple[int, ...]]:
    """A traced graph's ops, marked; the draw's unknown axes; the Shape ops that do not reach the draw. With
    `added` (--grad: first, end), the ops in that range are the backward pass's, and each names its forward inputs
    (the ops before `first`); the function's output ops come after."""
    first, end = added if added is not None else (None, None)
    feeding, unknown = _draw_facts(graph)
    ops, unused = [], []
    index = {op.name: i for i, op in enumerate(graph.get_operations())}
    for i, op in enumerate(graph.get_operations()):
        shapes = tuple(None if t.shape.rank is None else t.shape.as_list() for t in op.outputs)
        mark = mark_of(op.type)
        if op.type == "Shape":
            mark = "shape" if op.name in feeding else None
            unused += [] if mark or (first is not None and i >= first) else [i]
        back = first is not None and first <= i < end
        if back:  # a backward op's mark would word a forward op's job (the select scales nothing here)
            mark = None
        # what the forward pass computed (not the function's own inputs, the Placeholders: x and the upstream)
        forward = tuple(sorted({index[t.op.name] for t in op.inputs if index[t.op.name] < first
                                and t.op.type != "Placeholder"})) if back else ()
        ops.append(OpView(i, op.name, op.type, shapes, tuple(t.op.name for t in op.inputs),
                          tuple(c.name for c in op.control_inputs), mark, back, forward))
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
    index = {op.name: op.index for op in view.ops}
    for op in view.ops:
        for src in op.inputs:  # --grad: an edge from the forward pass into a backward op is drawn bold
            edge = ' [color="#7d3c98", penwidth=2]' if index[src] in op.from_forward else ""
            lines.append(f"  {ids[src]} -> {ids[op.name]}{edge};")
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
