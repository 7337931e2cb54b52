"""Inverted dropout: kept values times 1/(1-rate) in training, so inference is the identity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import Stopped, stopped

N = 1_000_000  # ones: large enough that the standard error of the mean is about 1e-3


@dataclass(frozen=True)
class Mean:
    """A measured mean and its standard error, in float64."""

    mean: float
    se: float


@dataclass(frozen=True)
class Scaling:
    dropped: bool
    dropout_ran: bool  # did the installed _dropout run at all?
    stopped: Stopped | None  # where the traced call returned early, if it did
    scale_dtype: str | None
    scale_text: str | None  # numpy's shortest repr of the stored value
    scale_value: float | None
    scale_float64: float
    scale_is_rounded: bool | None  # is the stored scale exactly float64's 1/(1-rate) rounded to the stored dtype?
    bit_exact: bool | None
    n: int
    kept_fraction: float
    kept_values: list[float]
    inverted_train: Mean
    inverted_z: float | None
    inference_identity: bool
    paper_train: Mean
    paper_test_value: float
    paper_test_text: str
    paper_test_constant: bool
    paper_z: float | None


def _mean(values: np.ndarray) -> Mean:
    v = values.astype(np.float64)
    return Mean(float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size)))


def _z(measured: Mean, expected: float) -> float | None:
    """How many standard errors the measured mean is from the expected value (None: no spread at all)."""
    return None if measured.se == 0 else (measured.mean - expected) / measured.se


def compute(p) -> Scaling:
    from ..spec import build_spec
    from ..tfenv import import_tensorflow
    from ..trace import trace_run

    tf, keras = import_tensorflow()
    trace = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed))
    scale = trace.stage("rate").value("scale")  # the local `scale` of the installed _dropout
    scale = None if scale is None or scale.value is None else np.asarray(scale.value)

    x = tf.ones([N], tf.float32)
    layer = keras.layers.Dropout(p.rate, seed=p.seed)
    train = layer(x, training=True).numpy()
    infer = layer(x, training=False).numpy()
    kept = train != 0
    # The original paper's scheme on the same mask: train x*mask, unscaled; test x*(1-rate).
    paper_train = (x * tf.cast(kept, tf.float32)).numpy()
    paper_test = (x * tf.constant(1 - p.rate, tf.float32)).numpy()
    inverted, paper = _mean(train), _mean(paper_train)
    paper_test_value = float(paper_test[0])
    return Scaling(
        dropped=trace.facts.dropped,
        dropout_ran=trace.stage("rate").status == "ran",
        stopped=stopped(trace.facts.stopped),
        scale_dtype=None if scale is None else scale.dtype.name,
        scale_text=None if scale is None else str(scale[()]),
        scale_value=None if scale is None else float(scale),
        scale_float64=1 / (1 - p.rate),
        scale_is_rounded=None if scale is None else bool(scale.dtype.type(1 / (1 - p.rate)) == scale),
        bit_exact=bool(trace.check.bit_exact) if trace.check is not None else None,
        n=N,
        kept_fraction=float(kept.mean()),
        kept_values=sorted({float(v) for v in np.unique(train[kept])}),
        inverted_train=inverted,
        inverted_z=_z(inverted, 1.0),
        inference_identity=bool(np.array_equal(infer, x.numpy())),
        paper_train=paper,
        paper_test_value=paper_test_value,
        paper_test_text=str(paper_test[0]),
        paper_test_constant=bool((paper_test == paper_test_value).all()),
        paper_z=_z(paper, paper_test_value),
    )
