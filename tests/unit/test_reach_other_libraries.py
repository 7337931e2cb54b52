"""Words for what another installed TensorFlow or Keras would measure: each explain page's branch that the
installed library never produces here, worded from a recorded fact (tests/snapshots/facts) with the one field
that decides it changed. Each test checks that the branch's words follow the changed fact and that the words
of the branch the installed library takes are gone. TF-free.
"""

from __future__ import annotations

import dataclasses
import io

from dropout_trace import lessons
from dropout_trace.lessons import Failed
from dropout_trace.render import make_console, render_lesson

import recorded_facts


def lesson(name: str, **facts):
    recorded = recorded_facts.load(name)
    return dataclasses.replace(recorded, facts=dataclasses.replace(recorded.facts, **facts)) if facts else recorded


def words(value) -> str:
    console = make_console(io.StringIO(), width=200, color=False)
    render_lesson(value, lessons.page(value), console)
    return " ".join(console.file.getvalue().split())


NAN = "explain_nan_0.3_42"


def test_nan_an_older_dropout_that_multiplies_by_the_cast_mask():
    f = recorded_facts.load(NAN).facts
    cast = dataclasses.replace(f.source, uses_select=False, uses_cast_multiply=True)
    text = words(lesson(NAN, source=cast))
    assert "multiplies by the cast mask" in text and "A dropped element is multiplied by 0." in text
    assert "applies the mask with a select" not in text
    neither = dataclasses.replace(f.source, uses_select=False, uses_cast_multiply=False)
    assert "has no where_v2(keep_mask ...) nor cast(keep_mask) line" in words(lesson(NAN, source=neither))


def _rows(f, **nan):
    return [dataclasses.replace(r, **nan) if r.input == "nan" else r for r in f.rows]


def test_nan_outcomes_the_installed_select_does_not_give():
    f = recorded_facts.load(NAN).facts
    none_dropped = words(lesson(NAN, rows=_rows(f, dropped=0, dropped_out=None)))
    assert "No NaN was dropped at this rate" in none_dropped
    both_zero = words(lesson(NAN, rows=_rows(f, kept_out="0.0")))
    assert "A dropped NaN came out 0: the select took the constant instead." in both_zero
    kept_nan = words(lesson(NAN, rows=_rows(f, dropped_out="nan")))
    assert "A dropped NaN came out NaN: dropping does not remove it." in kept_nan
    multiply = words(lesson(NAN, matches_select=False, matches_multiply=True))
    assert "equals the multiply formula bit for bit, and differs from the select" in multiply
    assert "equals the select formula" not in multiply


XLA = "explain_xla_0.3_42"


def test_xla_outcomes_of_other_kernels():
    f = recorded_facts.load(XLA).facts
    same_draws = dataclasses.replace(f.dropout, equal=True, draws=dataclasses.replace(f.dropout.draws, equal=True))
    assert "drew the same uniforms with and without jit_compile, so the same mask" in words(
        lesson(XLA, dropout=same_draws))
    uncaptured = dataclasses.replace(f.dropout, equal=True, draws=None)
    assert "its draws were not captured" in words(lesson(XLA, dropout=uncaptured))
    auto_same = dataclasses.replace(f.uniform, auto_select=dataclasses.replace(f.uniform.auto_select, equal=True))
    text = words(lesson(XLA, uniform=auto_same))
    assert "Here XLA drew the same uniforms as the regular kernel" in text and "resolves auto_select" not in text
    both_differ = dataclasses.replace(f.uniform, philox=dataclasses.replace(f.uniform.philox, equal=False))
    assert "Under XLA the uniforms differ from the regular kernel's, even with alg='philox'." in words(
        lesson(XLA, uniform=both_differ))
    on_gpu = dataclasses.replace(f.fit_default, jit_compile=True, devices=["CPU", "GPU"])
    assert "resolved to True (devices: CPU, GPU)" in words(lesson(XLA, fit_default=on_gpu))


TRAINING = "explain_training_flag_0.3_42"


def test_training_flag_a_keras_2_that_does_not_drop_under_predict():
    f = recorded_facts.load(TRAINING).facts
    both = words(lesson(TRAINING, keras=dataclasses.replace(f.keras, predict=True)))
    assert "predict() kept dropout on for this recipe" in both and "drops under predict() too" in both
    neither = words(lesson(TRAINING, tf_keras=dataclasses.replace(f.tf_keras, predict=False)))
    assert "gives no dropout through predict() either" in neither and "changes behaviour silently" not in neither
    no_call = words(lesson(TRAINING, keras=dataclasses.replace(f.keras, call=False)))
    assert "no dropout through predict()." in no_call and "a flag the caller passes wins" not in no_call


def test_recurrent_another_keras_layout_is_not_measured():
    from dropout_trace.lessons.recurrent import NotMeasured

    recorded = recorded_facts.load("explain_recurrent_0.3_42")
    text = words(dataclasses.replace(recorded, facts=NotMeasured(rate=0.3, missing="keras.src.layers.rnn")))
    assert "Not measured: the installed Keras has no keras.src.layers.rnn" in text
    f = recorded.facts
    run = f.runs[0]
    fresh = dataclasses.replace(run.masks, input=dataclasses.replace(run.masks.input, same_every_step=False))
    runs = [dataclasses.replace(run, masks=fresh), *f.runs[1:]]
    assert "Some steps read different masks" in words(lesson("explain_recurrent_0.3_42", runs=runs))


SEEDS = "explain_seeds_0.3_42"


def test_seeds_a_failed_run_and_masks_that_repeat():
    assert "The traced run failed: ValueError: no" in words(lesson(SEEDS, layer=Failed("ValueError: no")))
    f = recorded_facts.load(SEEDS).facts
    repeat = dataclasses.replace(f.layer, masks_repeat=True)
    text = words(lesson(SEEDS, layer=repeat))
    assert "The masks were the same on every call here." in text and "So each batch gets a fresh mask." not in text
    name = next(iter(f.constant))
    constant = {**f.constant, name: Failed("TypeError: bad seed", "TypeError")}
    assert "could not run: TypeError" in words(lesson(SEEDS, constant=constant))


GRAPH = "explain_graph_ops_0.3_42"


def test_graph_ops_a_tensorflow_without_run_metadata_and_rebuilt_graphs():
    f = recorded_facts.load(GRAPH).facts
    assert "was not measured: this TensorFlow exported no graph" in words(lesson(GRAPH, executed=None))
    rebuilt = dataclasses.replace(f.executed, graphs_built=[1, 1, 0])
    assert "The runtime built a graph again for call 2" in words(lesson(GRAPH, executed=rebuilt))
    branching = dataclasses.replace(f.executed, graphs_built=[1, 0, 0], branches=["If"])
    assert "It branches (If), so not every op in it runs on every call." in words(lesson(GRAPH, executed=branching))
    twice = dataclasses.replace(f.run, traces=2)
    assert "only the last trace's graph runs" in words(lesson(GRAPH, run=twice))
    states = [[42, 0], [42, 1], [42, 1], [42, 3]]
    assert "not one step per call" in words(lesson(GRAPH, run=dataclasses.replace(f.run, states=states)))


def test_replicas_a_failed_api_and_a_failed_check():
    name = "explain_replicas_0.3_42"
    text = words(lesson(name, keras=Failed("RuntimeError: no devices")))
    assert "could not be traced here: RuntimeError: no devices" in text and "--replicas 2" in text
    f = recorded_facts.load(name).facts
    failing = dataclasses.replace(f.keras, checks=[True, False])
    text = words(lesson(name, keras=failing))
    assert "checks passed: the explanation above does not hold for the others" in text


def test_keras2_vs_keras3_a_legacy_switch_that_changes_nothing():
    name = "explain_keras2_vs_keras3_0.3_42"
    f = recorded_facts.load(name).facts
    legacy = "tf.keras, TF_USE_LEGACY_KERAS=1"
    ways = {**f.ways, legacy: dataclasses.replace(f.ways[legacy], cls=f.ways["keras"].cls,
                                                  package=f.ways["keras"].package,
                                                  version=f.ways["keras"].version)}
    text = words(lesson(name, ways=ways))
    assert "TF_USE_LEGACY_KERAS=1 did not change tf.keras here" in text
    assert "the Keras 2 code lives on there" not in text
