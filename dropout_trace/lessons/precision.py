"""Half precision: the dtype dropout compares in, its exact P(keep), and the bias the real layer shows."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..probabilities import Probabilities

# (input dtype, layer policy): the plain dtypes, then the mixed policies on float32 input
CASES = (("float32", None), ("float16", None), ("bfloat16", None),
         ("float32", "mixed_float16"), ("float32", "mixed_bfloat16"))
MEASURED_ELEMENTS = 2**20  # SE ~ 0.0006 at rate 0.3: small enough to resolve bfloat16's bias


@dataclass(frozen=True)
class Row:
    """One layer dtype: what the trace derived exactly, and what the real layer measured."""

    layer_dtype: str
    input_dtype: str
    compute_dtype: str | None
    probabilities: Probabilities | None  # None: nothing was drawn
    elements: int
    output_dtype: str
    measured_ratio: float  # mean(output) / mean(input) over ones
    standard_error: float
    expected_output_ratio: float
    # how many standard errors the measurement sits from the exact value, the exact bias from 1, and the
    # measurement from 1 (what one run can show)
    z_expected: float
    z_bias: float
    z_measured: float
    zeroed: bool = False  # the layer returned zeros before `_dropout` (rate 1): no rate stored, no draw, no scale


@dataclass(frozen=True)
class Precision:
    rate: float
    rows: list[Row]


def _measure(tf, keras, p, dtype: str, policy: str | None) -> tuple[int, str, float, float]:
    """(elements, output dtype, mean(output) / mean(input), its standard error) over ones, by the real layer."""
    import numpy as np

    layer = keras.layers.Dropout(p.rate, seed=p.seed, dtype=policy or dtype)
    x = tf.ones([MEASURED_ELEMENTS], dtype=dtype)
    y = layer(x, training=True)
    out = y.numpy().astype(np.float64)  # every float dtype widens exactly
    mean_in = float(np.mean(x.numpy().astype(np.float64)))
    se = float(np.std(out) / math.sqrt(out.size)) / mean_in
    return int(out.size), y.dtype.name, float(np.mean(out)) / mean_in, se


def compute(p) -> Precision:
    from ..spec import build_spec
    from ..tfenv import import_tensorflow
    from ..trace import trace_run

    tf, keras = import_tensorflow()
    rows = []
    for dtype, policy in CASES:
        f = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, dtype=dtype, policy=policy)).facts
        elements, output_dtype, measured, se = _measure(tf, keras, p, dtype, policy)
        # with no draw the trace's own check says what came back: zeros (rate 1) or the input (rate 0)
        expected = f.probabilities.expected_output_ratio if f.probabilities else 0.0 if f.zeroed else 1.0
        rows.append(Row(layer_dtype=policy or dtype, input_dtype=f.input_dtype, compute_dtype=f.compute_dtype,
                        probabilities=f.probabilities, zeroed=f.zeroed, elements=elements, output_dtype=output_dtype,
                        measured_ratio=measured, standard_error=se, expected_output_ratio=expected,
                        z_expected=(measured - expected) / se if se else 0.0,
                        z_bias=(1.0 - expected) / se if se else 0.0,
                        z_measured=(1.0 - measured) / se if se else 0.0))
    return Precision(rate=p.rate, rows=rows)
