"""Half precision: the dtype dropout compares in, its exact P(keep), and the bias the real layer shows."""

from __future__ import annotations

import math

# (input dtype, layer policy): the plain dtypes, then the mixed policies on float32 input
CASES = (("float32", None), ("float16", None), ("bfloat16", None),
         ("float32", "mixed_float16"), ("float32", "mixed_bfloat16"))
MEASURED_ELEMENTS = 2**20  # SE ~ 0.0006 at rate 0.3: small enough to resolve bfloat16's bias


def _measure(tf, keras, p, dtype: str, policy: str | None) -> dict:
    """mean(output) / mean(input) over ones drawn by the real layer, with its standard error."""
    import numpy as np

    layer = keras.layers.Dropout(p.rate, seed=p.seed, dtype=policy or dtype)
    x = tf.ones([MEASURED_ELEMENTS], dtype=dtype)
    y = layer(x, training=True)
    out = y.numpy().astype(np.float64)  # every float dtype widens exactly
    mean_in = float(np.mean(x.numpy().astype(np.float64)))
    se = float(np.std(out) / math.sqrt(out.size)) / mean_in
    return {"elements": int(out.size), "output_dtype": y.dtype.name,
            "measured_ratio": float(np.mean(out)) / mean_in, "standard_error": se}


def compute(p) -> dict:
    from dataclasses import asdict

    from ..spec import build_spec
    from ..tfenv import import_tensorflow
    from ..trace import trace_run

    tf, keras = import_tensorflow()
    rows = []
    for dtype, policy in CASES:
        f = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, dtype=dtype, policy=policy)).facts
        row = {"layer_dtype": policy or dtype, "input_dtype": f.input_dtype, "compute_dtype": f.compute_dtype,
               "probabilities": asdict(f.probabilities) if f.probabilities else None}
        row.update(_measure(tf, keras, p, dtype, policy))
        expected = row["probabilities"]["expected_output_ratio"] if row["probabilities"] else 1.0
        se = row["standard_error"]
        row["expected_output_ratio"] = expected
        # how many standard errors the measurement sits from the exact value, the exact bias from 1, and
        # the measurement from 1 (what one run can show)
        row["z_expected"] = (row["measured_ratio"] - expected) / se if se else 0.0
        row["z_bias"] = (1.0 - expected) / se if se else 0.0
        row["z_measured"] = (1.0 - row["measured_ratio"]) / se if se else 0.0
        rows.append(row)
    return {"rate": p.rate, "rows": rows}
