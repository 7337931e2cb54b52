"""explain backward: one page, computed live, on 'the backward pass uses the forward mask, scaled; dropped units get
no gradient', checked against a plain tape on a fresh layer built here."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inproc import run

tf = pytest.importorskip("tensorflow")


def _plain(rate: float, seed: int):
    """A fresh keras.layers.Dropout under a plain tape in a tf.function: the output and the gradient, upstream 1..12."""
    import keras

    from dropout_trace.tfstate import isolated

    with isolated():
        layer = keras.layers.Dropout(rate, seed=seed)

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)] * 2, autograph=False)
        def taped(x, u):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, training=True)
                loss = tf.reduce_sum(y * u)
            return y, tape.gradient(loss, x)

        u = tf.reshape(tf.range(1, 13, dtype=tf.float32), (3, 4))
        y, g = taped(u, u)
        return y.numpy(), None if g is None else g.numpy()


def test_the_page_fits_and_says_what_a_plain_tape_gives():
    ran = run("explain", "backward", columns=80)
    assert ran.status == 0, ran.err
    lines = ran.out.splitlines()
    assert len(lines) <= 80 and max(len(line) for line in lines) <= 80
    facts = json.loads(run("explain", "backward", "--format", "json").out)["facts"]
    y, g = _plain(0.3, 42)
    assert np.array_equal(np.asarray(facts["gradient"], np.float32), g)
    assert np.array_equal(np.asarray(facts["keep_mask"]), y != 0)  # the input 1..12 is 0 exactly where dropped
    text = " ".join(ran.out.split())
    assert facts["zero_where_dropped"] and "a dropped unit gets no gradient" in text
    assert facts["kept_get_scaled_upstream"] and "upstream × 1.4285715 (float32)" in text
    assert facts["mask_read_by"] == ["SelectV2"] and facts["backward_random"] == []
    assert "None of the" in text and "dropout-trace run --rate 0.3 --shape None,4 --grad" in text


@pytest.mark.parametrize("rate,says", [(0.0, "the gradient is the upstream itself, unchanged"),
                                       (1.0, "tape.gradient returned None")])
def test_without_a_mask(rate, says):
    ran = run("explain", "backward", "--rate", str(rate))
    assert ran.status == 0, ran.err
    assert says in " ".join(ran.out.split())
    _, g = _plain(rate, 42)
    facts = json.loads(run("explain", "backward", "--rate", str(rate), "--format", "json").out)["facts"]
    if g is None:
        assert facts["gradient"] is None and facts["zeroed"]
    else:
        assert np.array_equal(np.asarray(facts["gradient"], np.float32), g)
