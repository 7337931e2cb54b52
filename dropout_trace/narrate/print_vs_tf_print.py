"""Words for `explain print-vs-tf-print`, chosen from what print() and tf.print wrote in this run."""

from __future__ import annotations

from ..lessons.print_vs_tf_print import PrintVsTfPrint
from ..page import Rows, Say, Table, Try
from ..spec import shape_text
from .words import listed, plural

SUMMARY = "print(x.shape) in call() runs once, tf.print on every call"


def _lines(lines: list[str]) -> str:
    return " · ".join(lines) if lines else "nothing"


def page(f: PrintVsTfPrint, p) -> list:
    body = f.code.split("def call", 1)[1].splitlines()[1:]
    blocks = [Say(f"A layer of your own, whose call() prints twice, called through one tf.function with "
                  f"input_signature [tf.TensorSpec({shape_text(f.signature)})], "
                  f"on batches of {' and '.join(str(c.batch) for c in f.calls)}:"),
              Table(("def call(self, inputs, training=None):",), tuple(("    " + line.strip(),) for line in body if line.strip())),
              Table(("call", "batch", "print() wrote", "tf.print wrote", "output"),
                    tuple((str(i + 1), str(c.batch), _lines(c.printed), _lines(c.tf_printed), listed(c.output_shape))
                          for i, c in enumerate(f.calls)))]
    once = [i + 1 for i, c in enumerate(f.calls) if c.printed]
    every = all(c.tf_printed for c in f.calls)
    if f.traces == 1 and once == [1]:
        later = "Call 2" if len(f.calls) == 2 else f"Calls 2 to {len(f.calls)}"
        blocks.append(Say(f"print() ran once, during call 1, while tf.function traced the Python: it printed the "
                          f"static shape, {_lines(f.calls[0].printed)}, where the batch size is not known yet. "
                          f"{later} ran only the graph: no Python, so no print()."))
    else:
        blocks.append(Say(f"tf.function ran the Python {plural(f.traces, 'time')}; print() wrote during call "
                          f"{', '.join(map(str, once)) or 'none'}."))
    if every:
        blocks.append(Say("tf.print is an op in the graph, so it ran on every call and printed tf.shape(inputs) "
                          f"with that call's batch: {', then '.join(c.tf_printed[-1] for c in f.calls)}; the layer's "
                          f"output followed, {', then '.join(listed(c.output_shape) for c in f.calls)}."))
    blocks.append(Rows((("traced", plural(f.traces, "time")), ("called", plural(len(f.calls), "time")))))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
