"""Words for `explain graph-ops`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.graph_ops import GraphOps, Run
from ..page import Mask, Rows, Say, Table, Try
from .commands import GRAPH_MARKS
from .words import listed, plural

SUMMARY = "the ops one call leaves in the graph; which run every call"


def _ops(ops) -> list:
    listing = ", ".join(f"{op.index}:{op.type}" for op in ops)  # no space: lines break between ops
    marked = tuple((str(op.index), op.type, GRAPH_MARKS[op.mark]) for op in ops if op.mark)
    blocks = [Rows((("index:type", listing),))]
    if marked:
        blocks.append(Table(("#", "op", "what it does"), marked))
    else:
        blocks.append(Say("None of them is a Shape, random, comparison or select op: this call draws nothing."))
    return blocks


def _run(r: Run, ops, p) -> list:
    states = r.states
    moved = states[0] is not None and all(b[1] - a[1] == 1 and b[0] == a[0] for a, b in zip(states, states[1:]))
    traced = plural(r.traces, "time")
    rows = [("Python function ran", f"{traced} (a counter in it)"), ("function called", plural(r.calls, "time"))]
    if states[0] is not None:
        rows += [("state while tracing", listed(r.state_while_tracing)),
                 ("SeedGenerator state", " -> ".join(listed(s) for s in states))]
    rows.append(("distinct masks", f"{r.distinct_masks} in {plural(r.calls, 'call')}"))
    blocks = [Rows(tuple(rows))]
    variable_ops = sorted({op.type for op in ops if "Variable" in op.type})
    if moved:
        fresh = ("each call drew a fresh mask" if r.distinct_masks == r.calls
                 else f"the calls drew {plural(r.distinct_masks, 'distinct mask')}")
        blocks.append(Say(f"The Python ran {traced}, yet the state moved by one on every call: the "
                          f"{' and '.join(variable_ops) or 'state'} ops that SeedGenerator.next left in the graph "
                          f"ran each time, so {fresh}."))
    elif states[0] is None:
        drew = any(op.mark == "random" for op in ops)
        kept = all(all(row) for mask in r.masks for row in mask)
        blocks.append(Say(f"At rate {p.rate:g} the layer has no SeedGenerator"
                          + ("; the graph holds no random op" if not drew else "")
                          + (", and every call kept every element." if kept else ".")))
    else:
        blocks.append(Say(f"The state went {' -> '.join(listed(s) for s in states)}: not one step per call."))
    if r.traces > 1:
        blocks.append(Say(f"tf.function traced {traced}: only the last trace's graph runs."))
    blocks += [Mask(f"keep mask, call {i + 1}", m) for i, m in enumerate(r.masks[:2])]
    return blocks


def page(f: GraphOps, p) -> list:
    ops = f.ops
    blocks = [Say(f"Under tf.function, the Python code of Dropout.call runs once, while tracing. What it leaves "
                  f"behind is a graph of {plural(len(ops), 'op')}, and every call of the function runs every op "
                  "in it: the Python does not run again.")]
    blocks += _ops(ops)
    blocks.append(Say(f"Measured: one tf.function around one Dropout(seed={p.seed}), called "
                      f"{plural(f.run.calls, 'time')} with a batch of 3."))
    blocks += _run(f.run, ops, p)
    blocks.append(Try(f"dropout-trace graph --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
