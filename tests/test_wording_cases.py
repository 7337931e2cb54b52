"""Sentences an audit found true for the default run and false for another: each is checked here against
what the run itself shows (a stage that was not reached, the sampler that drew, the rate given), not
against the tool's wording."""

import re

import pytest

from dropout_trace import narrate
from dropout_trace.cli import main


def drew(trace) -> bool:
    return trace.stage("uniform").reached


@pytest.mark.parametrize("options", [dict(api="tf-keras", training=False), dict(api="tf-keras", rate="0")])
def test_tf_keras_default_branch_is_not_said_to_run_when_it_did_not(traced, options):
    trace = traced(**{"rate": "0.3", "shape": "None,4", **options})
    assert not drew(trace)
    notes = " ".join(narrate.notes(trace.facts) + narrate.notes_brief(trace.facts))
    assert "branch ran" not in notes and "did not run" in notes


@pytest.mark.parametrize("api", ["keras", "tf.nn.dropout"])
def test_no_seed_is_not_said_to_be_drawn_when_nothing_drew(traced, api):
    trace = traced(rate="0", shape="None,4", seed="none", api=api)
    assert not drew(trace)
    notes = " ".join(narrate.notes(trace.facts) + narrate.notes_brief(trace.facts))
    assert "drew its own" not in notes and "nothing was drawn" in notes


def test_the_input_note_does_not_claim_the_mask_takes_its_shape_under_a_noise_shape(traced):
    trace = traced(rate="0.5", shape="None,3", noise_shape="None,1")
    mask, x = trace.tensors["keep_mask"], trace.tensors["input"]
    assert mask.shape != x.shape  # the mask is (3, 1) for a (3, 3) input
    assert "mask takes" not in narrate.value_note(trace.stage("noise_shape"), "x", trace.facts)


@pytest.mark.parametrize("options, given", [(dict(rate="0.1234567"), 0.1234567),
                                            (dict(api="tf.compat.v1.nn.dropout", rate=None, keep_prob="0.87654321"),
                                             0.87654321)])
def test_the_call_line_shows_the_rate_as_given(traced, options, given):
    trace = traced(**{"rate": options.get("rate"), "shape": "None,4", **options})
    numbers = re.findall(r"Dropout\(([0-9.]+)|keep_prob=([0-9.]+)", trace.call)
    assert [float(n) for pair in numbers for n in pair if n] == [given], trace.call


def test_stats_with_a_noise_shape_that_names_the_batch_size(tf, capsys):
    """--noise-shape 8,1 with --batch 8: accepted by TensorFlow, as `run` shows; stats must not fail on it."""
    args = ["--rate", "0.3", "--shape", "None,8", "--batch", "8", "--noise-shape", "8,1"]
    assert main(["run", *args]) == 0
    capsys.readouterr()
    assert main(["stats", *args, "--trials", "20"]) == 0
    assert "error" not in capsys.readouterr().err


def test_stats_of_a_stateful_op_repeats_with_its_seed(tf):
    """The calls run in order: the same seed gives the same masks in the same order, so the same correlations."""
    from dropout_trace import stats
    from dropout_trace.spec import build_spec

    spec = build_spec(rate="0.3", shape="None,8", batch=8, api="tf.nn.dropout", input="ones")
    first, second = stats.measure(spec, 200), stats.measure(spec, 200)
    assert [c.value for c in first.correlations] == [c.value for c in second.correlations]


def test_compare_without_a_seed_names_no_generator_for_the_stateful_ops(tf):
    from dropout_trace.compare import compare
    from dropout_trace.narrate.compare import seeding
    from dropout_trace.spec import build_spec

    result = compare(build_spec(rate="0.3", shape="None,4", seed="none"))
    for entry in result.entries:
        if entry.trace is None or entry.sampler is None:
            continue
        if "Generator" in entry.sampler:
            assert "drew at random" in seeding(entry.seeding)
        elif entry.trace.tensors.get("seed") is None and entry.trace.tensors.get("op_seed") is None:
            assert "Generator" not in seeding(entry.seeding) and "(None, None)" in seeding(entry.seeding)


def test_one_draw_is_counted_in_the_singular(tf, capsys):
    """--shape 1: the run draws exactly one uniform (its tensor has one element)."""
    assert main(["run", "--rate", "0.3", "--shape", "1", "--format", "json", "--values", "full"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert len(data["tensors"]["random"]["values"]) == 1
    assert main(["run", "--rate", "0.3", "--shape", "1", "--width", "200"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the 1 captured draw lies on it" in text and "for the 1 draw" in text
    assert "all 1 captured" not in text and "for all 1 draw" not in text


def test_chain_says_what_the_library_refused(tf, capsys):
    status = main(["chain", "--api", "tf.nn.dropout", "--shape", "None,4", "--noise-shape", "None,1"])
    err = capsys.readouterr().err
    assert status == 4
    assert err.count("\n") == 1 and "the library refused the call: ValueError" in err
