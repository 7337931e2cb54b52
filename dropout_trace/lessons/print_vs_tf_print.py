"""The learner's own layer: print(inputs.shape) in call() runs while tracing, tf.print(tf.shape(inputs)) at every
call. Both outputs are captured from a real run: print() from Python's stdout, tf.print from the process's stderr
(the graph's PrintV2 op writes there, below Python), each call on its own."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from dataclasses import dataclass

# The custom layer of the learner's question, run as written (its call() is the page's code).
CODE = '''\
class MyLayer(keras.layers.Layer):
    def __init__(self, rate, seed):
        super().__init__()
        self.dropout = keras.layers.Dropout(rate, seed=seed)

    def call(self, inputs, training=None):
        print(inputs.shape)
        tf.print(tf.shape(inputs))
        return self.dropout(inputs, training=training)
'''
BATCHES = (3, 5)  # one tf.function, called on batches of these sizes: it traces once


@dataclass(frozen=True)
class Call:
    batch: int
    printed: list[str]  # the lines print() wrote during this call: Python runs only while tracing
    tf_printed: list[str]  # the lines tf.print wrote during this call: the graph's op, on every call
    output_shape: list[int]
    kept: int  # elements the layer kept (on ones)


@dataclass(frozen=True)
class PrintVsTfPrint:
    code: str
    signature: list  # the tf.function's input_signature shape
    traces: int  # how often the Python function ran
    calls: list[Call]


def _captured(call):
    """(what Python printed, what went to file descriptor 2, call's result): tf.print's op writes to fd 2."""
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                out = call()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        return printed.getvalue(), sink.read().decode("utf-8", "replace"), out


def compute(p) -> PrintVsTfPrint:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    names = {"tf": tf, "keras": keras}
    exec(compile(CODE, "<the custom layer>", "exec"), names)  # our constant, never user input
    layer = names["MyLayer"](p.rate, p.seed)
    traces = []

    def call(x):
        traces.append(1)  # Python runs here only while tf.function traces
        return layer(x, training=True)

    signature = [None, 4]
    fn = tf.function(call, input_signature=[tf.TensorSpec(signature, tf.float32)], autograph=False)
    calls = []
    for batch in BATCHES:
        printed, tf_printed, out = _captured(lambda: fn(tf.ones([batch, 4])))
        values = out.numpy()
        calls.append(Call(batch, printed.splitlines(), [line for line in tf_printed.splitlines() if line.strip()],
                          list(values.shape), int((values != 0).sum())))
    return PrintVsTfPrint(CODE, signature, len(traces), calls)
