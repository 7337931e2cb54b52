"""Facts checked over a matrix of runs: each run's facts, recomputed from plain TensorFlow/Keras, against the tool's.

The runs are tests/matrix_cases.py's covering design (every pair of factor levels: API and RNG branch, graph or
eager, noise shape, dtype or policy, --calls 1/3, seed, rate 0/0.3/1, float or tensor rate). Each runs through
the CLI in this process (`run ... --format json`, with the Trace it built kept), then again as a plain call
(tests/matrix_replay.py), and tests/matrix_compare.py compares every fact a printed sentence rests on.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import importlib
from inproc import run
from matrix_cases import design
from matrix_compare import compare
from matrix_replay import replay

trace_module = importlib.import_module("dropout_trace.trace")
CASES = design()

# A fact the matrix finds false is listed here until the change that fixes it removes its mark.
KNOWN = [  # (predicate on a case, why): a disagreement found and not yet fixed, as a strict xfail
]


def known(case) -> str | None:
    return next((why for match, why in KNOWN if match(case)), None)


def params():
    for case in CASES:
        why = known(case)
        marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
        yield pytest.param(case, id=case.command.removeprefix("dropout-trace run "), marks=marks)


def tool_run(case):
    """(status, json document or None, Trace or None): the CLI in process, and the Trace it rendered."""
    kept = []
    original = trace_module.trace_run

    def keeping(spec, table=None):
        kept.append(original(spec, table))
        return kept[-1]

    trace_module.trace_run = keeping
    try:
        ran = run(*case.argv(), "--format", "json")
    finally:
        trace_module.trace_run = original
    doc = json.loads(ran.out) if ran.out.strip().startswith("{") else None
    return ran.status, doc, kept[-1] if kept else None, ran.err


def plain_options(case, tf) -> dict:
    o = case.options()
    shape = tuple(None if s == "None" else int(s) for s in o["shape"].split(","))
    noise = None if o["noise_shape"] is None else tuple(None if s == "None" else int(s)
                                                         for s in o["noise_shape"].split(","))
    dtype = o.get("dtype", "float32")
    return dict(rate=float(case.rate), noise=noise, shape=shape, calls=case.calls, eager=o["eager"],
                rate_tensor=o["rate_tensor"], input_dtype=tf.as_dtype(dtype),
                dtype=tf.as_dtype(dtype), layer_dtype=o.get("policy", dtype),
                legacy=case.api == "tf-keras" and (case.rng or default_rng()) == "legacy", grad=case.grad != "off")


def default_rng() -> str:
    """tf-keras's branch when no rng_type is given, read from the installed tf_keras."""
    from tf_keras.src import backend

    return "stateful" if backend.is_tf_random_generator_enabled() else "legacy"


def seed_for(case, trace) -> tuple[int | None, bool]:
    """(seed for the plain call, whether its draws can be replayed bit for bit)."""
    if case.seed != "none":
        return int(case.seed), True
    layer_state = trace is not None and trace.facts.calls and trace.facts.calls[0].state_before
    if trace is not None and trace.facts.state_kind == "seed_generator" and layer_state:
        return int(trace.facts.calls[0].state_before[0]), True  # a Keras 3 layer drew [seed, 0]: replay from it
    return None, False


@pytest.mark.parametrize("case", params())
def test_facts_agree_with_the_library(tf, case):
    status, doc, trace, err = tool_run(case)
    shape = tuple(3 if s is None else s for s in plain_options(case, tf)["shape"])
    o = plain_options(case, tf)
    x = np.arange(1, math.prod(shape) + 1, dtype=np.float64).reshape(shape)
    x_dtype = np.asarray(tf.cast(tf.constant(x), o["input_dtype"]).numpy())
    seed, replayable = seed_for(case, trace)
    if case.api == "tf-keras" and (case.rng or default_rng()) == "stateful" and seed is None:
        replayable = False
    rep = replay(case.api, case.rng, o, x, seed, tf)
    lines = compare(case, status, doc, trace, rep, x_dtype, replayable)
    assert not lines, f"{case.command}\n  " + "\n  ".join(lines) + (f"\n  stderr: {err.strip()}" if err else "")
