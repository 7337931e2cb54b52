"""Where Dropout's `training` flag comes from, and whether the MC-dropout recipe survives predict()."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import absent_when_none

SHAPE = (4, 8)  # ones: any change (a zero or the 1/(1-rate) scale) shows the layer dropped


@dataclass(frozen=True)
class Recipe:
    """Did the MC-dropout recipe's output differ from its input, run three ways?"""

    predict: bool  # model.predict(x)
    call: bool  # model(x)
    call_training: bool  # model(x, training=True)


@dataclass(frozen=True)
class TrainingFlag:
    rate: float
    direct_default: bool  # layer(x) changed x
    direct_training: bool  # layer(x, training=True) changed x
    flags: dict[str, list]  # run (model.fit, ...) -> the distinct training values the layer received
    keras: Recipe
    keras_version: str
    tf_keras: Recipe | None  # None: tf-keras could not be imported
    tf_keras_version: str | None = absent_when_none()
    tf_keras_error: str | None = absent_when_none()  # why tf-keras could not be imported


def _flag(v):
    """The received flag as JSON: True, False, None, or the repr of anything else (e.g. a tensor)."""
    return v if v is None or isinstance(v, bool) else repr(v)


def _changed(out, x) -> bool:
    return bool(np.any(np.asarray(out) != x))


def _flags_seen(keras, x) -> dict:
    """What `training` a layer inside a tiny functional model receives from fit, evaluate, predict and model(x)."""
    seen = []

    class Recorder(keras.layers.Layer):
        def call(self, inputs, training=None):
            seen.append(_flag(training))
            return inputs

    inp = keras.Input(x.shape[1:])
    model = keras.Model(inp, keras.layers.Dense(1)(Recorder()(inp)))
    model.compile(optimizer="sgd", loss="mse")
    y = np.zeros((len(x), 1), "float32")
    runs = {"model(x)": lambda: model(x),
            "model.fit": lambda: model.fit(x, y, batch_size=len(x), epochs=1, verbose=0),
            "model.evaluate": lambda: model.evaluate(x, y, batch_size=len(x), verbose=0),
            "model.predict": lambda: model.predict(x, batch_size=len(x), verbose=0)}
    flags = {}
    for name, run in runs.items():
        seen.clear()
        run()
        flags[name] = list(dict.fromkeys(seen))  # distinct, in order: a traced function may call twice
    return flags


def _recipe(lib, x, rate: float, seed: int) -> Recipe:
    """The MC-dropout recipe, Dropout(rate)(inp, training=True) in a functional model, run three ways."""
    inp = lib.Input(x.shape[1:])
    model = lib.Model(inp, lib.layers.Dropout(rate, seed=seed)(inp, training=True))
    return Recipe(predict=_changed(model.predict(x, verbose=0), x), call=_changed(model(x), x),
                  call_training=_changed(model(x, training=True), x))


def compute(p) -> TrainingFlag:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    x = np.ones(SHAPE, "float32")
    layer = keras.layers.Dropout(p.rate, seed=p.seed)
    measured = dict(rate=p.rate, direct_default=_changed(layer(x), x),
                    direct_training=_changed(layer(x, training=True), x), flags=_flags_seen(keras, x),
                    keras=_recipe(keras, x, p.rate, p.seed), keras_version=keras.__version__)
    try:
        import tf_keras
    except Exception as exc:  # tf-keras is optional: its absence is a fact for the page
        return TrainingFlag(**measured, tf_keras=None, tf_keras_error=f"{type(exc).__name__}: {exc}")
    return TrainingFlag(**measured, tf_keras=_recipe(tf_keras, x, p.rate, p.seed),
                        tf_keras_version=tf_keras.__version__)
