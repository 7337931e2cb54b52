"""Hypothesis strategies shared by the tests."""

from hypothesis import strategies as st

from dropout_trace.spec import DTYPES

rates = st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.9, 0.99])
seeds = st.integers(min_value=0, max_value=2**31 - 1)
dtypes = st.sampled_from(DTYPES)
sizes = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
shapes = st.lists(sizes, min_size=1, max_size=3).map(tuple)
batches = st.integers(min_value=1, max_value=4)


def dims_text(dims) -> str:
    return ",".join("None" if d is None else str(d) for d in dims)
