"""TF1's keep_prob vs TF2's rate: rate = 1 - keep_prob in Python floats, and whether the last digit matters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..apis import TF_NN, TF_V1

N = 100_000  # elements compared bit for bit


@dataclass(frozen=True)
class Stored:
    """What the installed _dropout held: its rate and keep_prob (Python floats) and the scale tensor."""

    rate: float | None
    keep_prob: float | None
    scale_text: str | None
    scale_value: float | None
    compute_dtype: str | None
    rate_in_dtype: float | None  # the rate as the comparison `random >= rate` sees it: converted to x's dtype
    rate_in_dtype_text: str | None


@dataclass(frozen=True)
class V1VsV2:
    keep_prob: float
    keep_prob_text: str  # what a TF1 user would write for the rate
    keep_prob_exact: bool  # some decimal k gives back the rate exactly
    rate: float
    rate_from_keep_prob: float | None  # what tf.compat.v1.nn.dropout passed on
    v1: Stored
    v2: Stored
    n: int
    bit_identical: bool
    elements_differ: int
    masks_differ: int
    kept: int


def _data(value):
    return getattr(value, "data", None)


def _stored(trace) -> Stored:
    st = trace.stage("rate")
    scale = st.value("scale")
    scale = None if scale is None or scale.value is None else np.asarray(scale.value)
    probs = trace.facts.probabilities
    dtype = trace.facts.compute_dtype
    return Stored(
        rate=_data(st.value("rate")),
        keep_prob=_data(st.value("keep_prob")),
        scale_text=None if scale is None else str(scale[()]),
        scale_value=None if scale is None else float(scale),
        compute_dtype=dtype,
        rate_in_dtype=None if probs is None else probs.rate_in_dtype,
        rate_in_dtype_text=None if probs is None else str(np.dtype(dtype).type(probs.rate_in_dtype)),
    )


def keep_prob_text(rate: float) -> str:
    """What a TF1 user would write: the shortest decimal k with 1 - k == rate in Python floats, if one
    exists; else repr(1 - rate), the float Python computes."""
    for digits in range(1, 18):
        text = f"{1 - rate:.{digits}g}"
        if 1 - float(text) == rate:
            return text
    return repr(1 - rate)


def compute(p) -> V1VsV2:
    from ..spec import build_spec
    from ..tfenv import import_tensorflow
    from ..trace import trace_run

    tf, _ = import_tensorflow()
    keep_text = keep_prob_text(p.rate)
    keep = float(keep_text)
    v1 = trace_run(build_spec(rate=None, keep_prob=keep_text, shape="None,4", seed=p.seed,
                              api=TF_V1.name))
    v2 = trace_run(build_spec(rate=str(p.rate), shape="None,4", seed=p.seed, api=TF_NN.name))
    converted = v1.stage("call").value("rate_from_keep_prob")

    x = tf.range(1, N + 1, dtype=tf.float32)  # nonzero everywhere: output == 0 exactly where dropped
    tf.random.set_seed(p.seed)
    a = tf.compat.v1.nn.dropout(x, keep_prob=keep, seed=p.seed).numpy()
    tf.random.set_seed(p.seed)
    b = tf.nn.dropout(x, rate=p.rate, seed=p.seed).numpy()
    differ = a.view(np.uint32) != b.view(np.uint32)
    return V1VsV2(
        keep_prob=keep,
        keep_prob_text=keep_text,
        keep_prob_exact=1 - keep == p.rate,
        rate=p.rate,
        rate_from_keep_prob=_data(converted),
        v1=_stored(v1),
        v2=_stored(v2),
        n=N,
        bit_identical=bool(not differ.any()),
        elements_differ=int(differ.sum()),
        masks_differ=int(((a != 0) != (b != 0)).sum()),
        kept=int((b != 0).sum()),
    )
