"""`dropout-trace stats` and `explain independence`: the statistics, checked against plain numpy and Keras."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from dropout_trace.cli import main
from dropout_trace.spec import build_spec
from dropout_trace.stats import Along, binomial_fit, measure

T = 60  # trials: small, so every test stays fast


def spec(**options):
    options.setdefault("rate", "0.3")
    options.setdefault("shape", "None,16")
    options.setdefault("batch", 16)
    return build_spec(input="ones", **options)


def keras_masks(keras, tf, trials, seed, noise_shape=None, rate=0.3, shape=(16, 16)):
    """The same layer called `trials` times eagerly, with plain Keras: the reference the stats must match."""
    layer = keras.layers.Dropout(rate, noise_shape=noise_shape, seed=seed)
    x = tf.ones(shape)
    return np.stack([layer(x, training=True).numpy() != 0 for _ in range(trials)])


def pooled_r(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of all (a, b) pairs pooled, by numpy."""
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


# -- measure(): the real API, many calls ----------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 7, 42, 2024, -5])
def test_kept_fraction_inside_its_interval(tf, seed):
    s = measure(spec(seed=seed), T)
    assert s.kept.low <= s.p_keep <= s.kept.high and s.kept.inside
    assert s.ratio.inside
    assert s.kept.n == T * 256 and s.identical < 3


def test_counts_match_plain_keras(tf, keras):
    """The loop inside one tf.function gives the masks of T plain calls of the same layer, bit for bit."""
    s = measure(spec(seed=3), T)
    masks = keras_masks(keras, tf, T, 3)
    assert s.kept.estimate == masks.mean()
    assert s.correlation(Along.SAMPLES).value == pytest.approx(pooled_r(masks[:, :-1], masks[:, 1:]), abs=1e-12)
    assert s.correlation(Along.FEATURES).value == pytest.approx(pooled_r(masks[:, :, :-1], masks[:, :, 1:]), abs=1e-12)
    assert s.correlation(Along.CALLS).value == pytest.approx(pooled_r(masks[:-1], masks[1:]), abs=1e-12)
    assert s.ratio.estimate == pytest.approx(masks.mean() * s.scale, rel=1e-6)
    assert s.fit.draws == 256 and s.fit.p_value == pytest.approx(
        binomial_fit(masks.sum(axis=0).ravel(), T, s.p_keep).p_value)


def test_correlations_near_zero_by_default(tf):
    s = measure(spec(seed=11), T)
    for name in (Along.SAMPLES, Along.FEATURES, Along.CALLS):
        c = s.correlation(name)
        assert abs(c.value) < 0.05 and c.low <= 0 <= c.high, name
    assert s.shared_axes == () and s.draws == 256 and s.fit.passed


def test_shared_axis_gives_correlation_exactly_one(tf):
    s = measure(spec(noise_shape="1,16"), T)
    samples = s.correlation(Along.SAMPLES)
    assert samples.value == 1.0 and samples.differing == 0 and (samples.low, samples.high) == (1.0, 1.0)
    assert abs(s.correlation(Along.FEATURES).value) < 0.1
    assert s.shared_axes == (0,) and s.draws == 16 and s.kept.n == T * 16


@pytest.mark.parametrize("options", [{"api": "stateless"}, {"api": "keras.random.dropout"},
                                     {"api": "tf-keras", "rng": "stateless"}])
def test_stateless_apis_repeat_one_mask(tf, options):
    s = measure(spec(**options), T)
    assert s.identical == T - 1 and s.correlation(Along.CALLS).value == 1.0
    assert not s.fit.passed


@pytest.mark.parametrize("options", [{"api": "tf.nn.dropout"}, {"api": "tf.compat.v1.nn.dropout"},
                                     {"api": "tf-keras"}, {"api": "tf-keras", "rng": "stateful"}])
def test_stateful_apis_draw_fresh_masks(tf, options):
    """tf.nn.dropout(seed=s) called in a loop: one op whose state advances, not k ops with equal seeds."""
    s = measure(spec(**options), T)
    assert s.identical == 0 and abs(s.correlation(Along.CALLS).value) < 0.05 and s.kept.inside


def test_bfloat16_uses_the_exact_probability(tf):
    s = measure(spec(dtype="bfloat16", shape="None,64", batch=64), T)
    assert s.p_keep == 0.6953125 == s.kept.exact  # the probabilities module's grid value for bfloat16
    assert s.kept.inside


def test_large_input_one_call_per_run(tf):
    s = measure(spec(shape="None,512", batch=256), 3)
    assert s.per_run == 1 and s.runs == 3 and s.kept.inside


def test_rate_zero_has_nothing_to_test(tf):
    s = measure(spec(rate="0"), 5)
    assert s.kept.estimate == 1.0 and s.fit is None and s.correlation(Along.SAMPLES).value is None


def test_rate_zero_draws_nothing_whatever_the_shape(tf, keras, capsys):
    """Keras 3's Dropout.call returns its input at rate 0: no draws, no pairs, no interval width."""
    import inspect

    from dropout_trace.narrate.stats import findings, masks_line

    layer = keras.layers.Dropout(0.0, seed=42)
    x = tf.ones([16, 16])
    assert np.array_equal(layer(x, training=True).numpy(), x.numpy()) and not hasattr(layer, "seed_generator")
    lines, start = inspect.getsourcelines(type(layer).call)
    returns = {start + i: text.strip() for i, text in enumerate(lines) if text.strip() == "return inputs"}
    s = measure(spec(rate="0"), 5)
    assert not s.drawn and s.draws == 0 and s.kept.n == 0 and (s.kept.low, s.kept.high) == (1.0, 1.0)
    assert s.stopped.line in returns and s.stopped.source == "return inputs"
    assert all(c.pairs == 0 and c.value is None for c in s.correlations)
    said = " ".join(findings(s))
    assert "nothing drawn" in masks_line(s) and f":{s.stopped.line}" in masks_line(s)
    assert "independent draw" not in said + masks_line(s) and "No binomial test: nothing was drawn." in said
    assert main(["stats", "--rate", "0", "--trials", "5"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "nothing drawn" in out and "scaled by" not in out and "independent draws" not in out


def test_repeated_mask_gets_no_binomial_verdict(tf, keras, capsys):
    """keras.random.dropout with an integer seed: every call the same mask, so the test does not apply."""
    x = tf.ones([3, 4])
    masks = [keras.random.dropout(x, 0.3, seed=42).numpy() != 0 for _ in range(3)]
    assert all(np.array_equal(masks[0], m) for m in masks)
    s = measure(spec(api="keras.random.dropout", shape="None,4", batch=3), T)
    assert s.identical == T - 1 and s.draws == 12 and s.fit.chi2_passed and not s.fit.passed
    assert main(["stats", "--api", "keras.random.dropout", "--trials", str(T)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"every call repeated one mask, so each element's keep count is 0 or {T}" in out
    assert "fits Binomial" not in out and "No binomial test" in out


# -- the command ----------------------------------------------------------------------------------
JSON_KEYS = {"schema_version", "tool_version", "command", "api", "rng", "call", "rate", "dtype", "shape",
             "run_shape", "noise_shape", "seed", "trials", "elements_per_call", "mask_elements", "draws_per_call", "shared_axes",
             "calls_per_graph_run", "graph_runs", "seconds", "level", "exact", "kept_fraction", "output_ratio",
             "correlation", "identical_calls", "binomial", "findings"}


def test_json_has_the_documented_keys(tf, capsys):
    code = main(["stats", "--shape", "None,8", "--batch", "8", "--trials", "40", "--noise-shape", "1,8",
                 "--format", "json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert code == 0 and set(data) == JSON_KEYS
    assert set(data["kept_fraction"]) == {"estimate", "low", "high", "exact", "inside", "draws"}
    assert set(data["correlation"]) == {"samples", "features", "calls", "axes"}
    assert data["correlation"]["samples"]["r"] == 1.0 and data["shared_axes"] == [0]
    assert data["trials"] == 40 and data["mask_elements"] == 40 * 64
    assert "\x1b" not in out and "drawing masks" not in out


def test_text_output(tf, capsys):
    code = main(["stats", "--api", "stateless", "--shape", "None,8", "--batch", "8", "--trials", "20"])
    out = capsys.readouterr().out
    assert code == 0
    assert "kept fraction" in out and "Every call returned the same mask (all 20 are identical)" in out
    assert "drawing masks" not in out  # not a terminal: no progress bar


def test_refusal_is_one_line_exit_4(tf, capsys):
    code = main(["stats", "--api", "tf.nn.dropout", "--shape", "None,4", "--noise-shape", "None,1", "--trials", "5"])
    err = capsys.readouterr().err
    assert code == 4 and "the library refused the call" in err and err.count("\n") == 1


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_on_a_terminal(tf, tty):
    from dropout_trace.render import make_console
    from dropout_trace.render_views import render_stats

    result = measure(spec(), 4)
    file = _Terminal() if tty else io.StringIO()

    def slow(progress):
        progress(0, 4)
        progress(4, 4)
        return result

    render_stats(slow, make_console(file=file, width=80), after=0.0)
    text = file.getvalue()
    assert ("drawing masks" in text) == tty
    assert "kept fraction" in text


# -- explain independence -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def independence(tf):
    from dropout_trace import lessons

    return lessons.compute("independence", lessons.Params()).facts


def test_independence_facts_match_plain_keras(tf, keras, independence):
    f = independence
    d = f.default
    masks = keras_masks(keras, tf, d.trials, 42)
    assert d.kept.estimate == masks.mean()
    assert d.samples.r == pytest.approx(pooled_r(masks[:, :-1], masks[:, 1:]), abs=1e-12)
    assert d.calls.r == pytest.approx(pooled_r(masks[:-1], masks[1:]), abs=1e-12)
    assert d.samples.low <= 0 <= d.samples.high and d.fit.passed
    shared = keras_masks(keras, tf, 5, 42, noise_shape=(1, 16))
    assert (shared == shared[:, :1]).all()  # plain Keras: every sample has sample 0's mask
    assert f.shared.samples.r == 1.0 and f.shared.shared_axes == [0]
    x = tf.ones((16, 16))
    a, b = (keras.random.dropout(x, 0.3, seed=42).numpy() for _ in range(2))
    assert (a == b).all()
    assert f.constant.identical == f.constant.trials - 1 and f.constant.calls.r == 1.0
    assert not f.constant.fit.passed


def test_independence_page(tf, capsys, independence):
    code = main(["explain", "independence"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert code == 0 and len(lines) <= 80 and max(len(line) for line in lines) <= 80
    d = independence.default
    assert f"{d.kept.estimate:.5f}" in out and f"{d.samples.r:.4f}" in out
    assert "1 exactly" in out and "Correlation 1 between samples" in out
    assert "Correlation 1 between calls: all 200 calls returned the same mask" in out
    assert "dropout-trace stats" in out


@pytest.mark.parametrize("noise_shape, shape, batch, named, ruled_out", [
    ("1,None", "None,8", 64, {"shape": "None,16"}, {"batch": 128}),  # point 7: axis 0 shared, --batch adds no draw
    ("None,1", "2,None", 2, {"shape": "4,None"}, {"batch": 8}),      # the unknown axis is the shared one
    (None, "None,2", 2, {"batch": 8}, None),                         # nothing shared: --batch does add draws
    ("1,None", "None,None", 2, {"batch": 8}, None),  # axis 0 shared, but --batch also sizes axis 1, which draws
])
def test_too_few_draws_advice_names_only_what_adds_draws(tf, keras, noise_shape, shape, batch, named, ruled_out):
    """Issue 15 point 7. The advice is checked by doing what it says: the option it names gives more
    independent draws, the one it rules out gives none; the shared axis is checked with plain Keras."""
    from dropout_trace.narrate.stats import fit_verdict

    options = dict(shape=shape, batch=batch, seed=5)
    if noise_shape:
        options["noise_shape"] = noise_shape
    s = measure(spec(**options), T)
    assert s.fit is None
    words = fit_verdict(s)
    run_shape = tuple(batch if d == "None" else int(d) for d in shape.split(","))
    if noise_shape:  # the axis the sentence calls shared: every mask is constant along it, by plain Keras
        ns = tuple(None if d == "None" else int(d) for d in noise_shape.split(","))
        masks = keras_masks(keras, tf, 3, 5, noise_shape=ns, shape=run_shape)
        shared = next(a for a, n in enumerate(ns) if n == 1)
        assert (masks == masks.take([0], axis=shared + 1)).all()
        assert f"axis {shared} shares one draw" in words
    more = measure(spec(**{**options, **named}), T)
    assert more.draws > s.draws
    if ruled_out:
        same = measure(spec(**{**options, **ruled_out}), T)
        assert same.draws == s.draws
        assert "a larger --batch" not in words.split("so use")[1].split("(")[0]
        assert "a larger --batch adds none" in words
    else:
        assert "a larger --batch" in words and "--batch adds none" not in words
