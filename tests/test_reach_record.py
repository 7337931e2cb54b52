"""The recorded facts tests/unit/test_reach_narrate.py words without TensorFlow: made here, from the installed
library, by `DROPOUT_TRACE_REGEN=1 python -m pytest tests/test_reach_record.py`; otherwise this checks
they are there and were made with the installed versions."""

import os

import pytest

import recorded_facts
from regen import REGEN

# Topic runs (explain TOPIC --rate R --seed S): the defaults, and the rates whose wording differs.
TOPIC_RUNS = [(None, 0.3, 42), (None, 0.0, 42), (None, 0.5, 7)]
# compare, versions and stats: each on the options its wording branches on.
STATS_RUNS = {
    "stats_keras": dict(rate="0.3", shape="None,8", batch=16),
    "stats_shared_batch": dict(rate="0.3", shape="None,8", batch=64, noise_shape="1,8"),
    "stats_stateless": dict(api="stateless", rate="0.3", shape="None,8", batch=8),
    "stats_random_dropout": dict(api="keras.random.dropout", rate="0.3", shape="None,8", batch=8),
    "stats_bf16": dict(rate="0.5", shape="None,16", batch=16, dtype="bfloat16"),
    "stats_rate0": dict(rate="0", shape="None,8", batch=8),
    "stats_no_training": dict(rate="0.3", shape="None,8", batch=8, training=False),
}
COMPARE_RUNS = {
    "compare_default": dict(rate="0.3", shape="None,4"),
    "compare_eager_f16": dict(rate="0.5", shape="2,3", eager=True, dtype="float16"),
}


def record(tf):
    from dropout_trace import lessons
    from dropout_trace.compare import compare
    from dropout_trace.spec import build_spec
    from dropout_trace.stats import measure
    from dropout_trace.versions import report

    for topic in lessons.available():
        for _, rate, seed in TOPIC_RUNS:
            lesson = lessons.compute(topic, lessons.Params(rate=rate, seed=seed))
            recorded_facts.save(f"explain_{lessons.TOPICS[topic]}_{rate}_{seed}", lesson)
    for name, options in STATS_RUNS.items():
        recorded_facts.save(name, measure(build_spec(**options), 200))
    for name, options in COMPARE_RUNS.items():
        recorded_facts.save(name, compare(build_spec(**options)))
    recorded_facts.save("versions", report())


def test_recorded_facts_are_there_and_current(tf):
    if REGEN:
        record(tf)
    assert recorded_facts.names(), "no recorded facts; make them with DROPOUT_TRACE_REGEN=1"
    import keras

    lesson = recorded_facts.load("explain_static_vs_dynamic_0.3_42")
    if lesson.versions.get("tensorflow") != tf.__version__ or lesson.versions.get("keras") != keras.__version__:
        message = f"facts recorded with {lesson.versions}; regenerate with DROPOUT_TRACE_REGEN=1"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
