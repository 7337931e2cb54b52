"""Words for `explain graph-ops`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.graph_ops import Executed, GraphOps, Run
from ..page import Mask, Rows, Say, Table, Try
from .commands import mark_words
from .words import listed, plural

SUMMARY = "the ops one call leaves in the graph; which of them ran"


def _ops(ops, unknown) -> list:
    listing = ", ".join(f"{op.index}:{op.type}" for op in ops)  # no space: lines break between ops
    marked = tuple((str(op.index), op.type, mark_words(op.mark, unknown)) for op in ops if op.mark)
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


def _later(calls: int) -> str:
    return "Call 2" if calls == 2 else "Calls 2 and 3" if calls == 3 else f"Calls 2 to {calls}"


def _executed(ops, e: Executed | None, calls: int) -> list:
    """Which ops the runtime ran, as its run metadata reported them; only what was measured is said."""
    if e is None:
        return [Say("Which of them the runtime ran was not measured: this TensorFlow exported no graph for "
                    "the function. Its graph optimizer (Grappler) may rewrite the graph before it runs.")]
    gone = [op for op in ops if not op.ran]
    if not gone:
        blocks = [Say(f"On the first call all {plural(len(ops), 'op')} are in the graph that ran: TensorFlow's "
                      "graph optimizer (Grappler) removed none of them.")]
    else:
        blocks = [Say(f"On the first call TensorFlow's graph optimizer (Grappler) rewrote the graph before "
                      f"running it: {len(ops) - len(gone)} of the {plural(len(ops), 'op')} are in the graph that "
                      f"ran; these {len(gone)} are not (folded into constants, merged with an equal op, or removed):")]
        blocks.append(Table(("#", "op", "name"), tuple((str(op.index), op.type, op.name) for op in gone)))
    later = [i + 1 for i, n in enumerate(e.graphs_built) if i and n]
    if later:
        blocks.append(Say(f"The runtime built a graph again for call {', '.join(map(str, later))}: which ops "
                          "that one ran was not read."))
    elif calls > 1 and e.branches:
        blocks.append(Say(f"{_later(calls)} built no new graph. It branches ({', '.join(e.branches)}), so not "
                          "every op in it runs on every call."))
    elif calls > 1:
        state = sorted({op.type for op in ops if op.ran and "Variable" in op.type})
        among = [f"the random op {op.type} ({op.index})" for op in ops if op.ran and op.mark == "random"]
        among += [f"the state's {' and '.join(state)}"] if state else []
        blocks.append(Say(f"{_later(calls)} built no new graph: they ran the same one, and with no branch in it "
                          "every op in it runs on every call" + (f", {' and '.join(among)} among them." if among
                                                                  else ".")))
    return blocks


def page(f: GraphOps, p) -> list:
    ops = f.ops
    blocks = [Say(f"Under tf.function, the Python code of Dropout.call runs once, while tracing, and does not "
                  f"run again. What it leaves behind is a graph of {plural(len(ops), 'op')}:")]
    blocks += _ops(ops, None if f.draw_unknown_axes is None else tuple(f.draw_unknown_axes))
    blocks.append(Say(f"Measured: one tf.function around one Dropout(seed={p.seed}), called "
                      f"{plural(f.run.calls, 'time')} with a batch of 3, TensorFlow's run metadata read on each call."))
    blocks += _executed(ops, f.executed, f.run.calls)
    blocks += _run(f.run, ops, p)
    blocks.append(Try(f"dropout-trace graph --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
