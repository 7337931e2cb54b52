"""Why a mask repeats or changes between batches: the seed's state, constant seeds, and global seeds."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

import numpy as np

from ..apis import KERAS_RANDOM, TF_KERAS
from . import Failed

TF_KERAS_STATELESS = f"{TF_KERAS.name} stateless"  # tf-keras with rng_type="stateless": a constant seed too
TF_KERAS_DEFAULT = TF_KERAS.name  # tf-keras with no rng_type: whichever branch its RandomGenerator defaults to

SHAPE = (4, 32)  # 128 elements: two independent masks coincide by chance only at tiny rates


@dataclass(frozen=True)
class Call:
    state_before: list | None  # the seed state before this call
    seed_used: list | None  # the seed the op received
    kept: int | None
    same_as_first: bool | None  # this call's mask is call 1's


@dataclass(frozen=True)
class Repeat:
    """One traced run of three calls: whether the masks repeat, and why."""

    trace_count: int
    masks_repeat: bool | None
    state_kind: str
    calls: list[Call]
    masks: list  # each call's keep mask, None where nothing was drawn
    rng: str | None = None  # tf-keras's RandomGenerator branch that ran (None for other APIs)


@dataclass(frozen=True)
class Fresh:
    """Two layers built the same way: their SeedGenerators' start states and whether their masks match."""

    starts: list  # None for a layer with no SeedGenerator (Keras 3 builds none at rate 0)
    same_mask: bool


@dataclass(frozen=True)
class Seeds:
    rate: float
    seed: int
    elements: int
    layer: Repeat | Failed  # Dropout(rate, seed=seed)
    constant: dict[str, Repeat | Failed]  # by call: those with a constant seed, and tf-keras's default branch
    unseeded: dict[str, Fresh | Failed]  # unseeded layers, by the function that set the global seed
    same_seed: Fresh  # two layers given one seed


@contextlib.contextmanager
def restored_seeds(tf, keras):
    """Put back every global seed this lesson sets, so later code in the process is not silently seeded."""
    # Private handles are used only to restore state; the lesson itself calls the public APIs.
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils
    from tensorflow.python.eager import context

    keys = (rng_utils.GLOBAL_RANDOM_SEED, seed_generator.GLOBAL_SEED_GENERATOR)
    saved = (random.getstate(), np.random.get_state(), context.global_seed(),
             [global_state.get_global_attribute(k) for k in keys])
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        tf.random.set_seed(saved[2])
        for k, v in zip(keys, saved[3]):
            global_state.set_global_attribute(k, v)


def _repeat(spec_options: dict) -> Repeat | Failed:
    """One traced run of `calls=3`: the state before each call, the seed it used, and whether masks repeat."""
    from ..spec import build_spec
    from ..trace import trace_run

    try:
        trace = trace_run(build_spec(shape="None,4", calls=3, **spec_options))
    except Exception as exc:  # e.g. tf-keras not installed: shown on the page as a fact
        return Failed.of(exc)
    f = trace.facts
    return Repeat(trace_count=f.trace_count, masks_repeat=f.masks_repeat, state_kind=f.state_kind,
                  calls=[Call(c.state_before, c.seed_used, c.kept, c.same_mask_as_first) for c in f.calls],
                  masks=[None if c.keep_mask is None else np.asarray(c.keep_mask).tolist()
                         for c in trace.snapshot.calls], rng=f.rng)


def _start(layer) -> list | None:
    """The layer's SeedGenerator state before any call; None when it has none (Keras 3 skips it at rate 0)."""
    gen = getattr(layer, "seed_generator", None)
    return None if gen is None else gen.state.numpy().tolist()


def _two_fresh(keras, x, rate: float, seed=None) -> Fresh:
    layers = [keras.layers.Dropout(rate, seed=seed) for _ in range(2)]
    starts = [_start(lay) for lay in layers]
    masks = [np.asarray(lay(x, training=True)) != 0 for lay in layers]
    return Fresh(starts, bool(np.array_equal(*masks)))


def _unseeded(tf, keras, x, rate: float, seed: int) -> dict[str, Fresh | Failed]:
    """Set one global seed, build an unseeded layer; set it again, build another: do the masks match?"""
    setters = {"keras.utils.set_random_seed": keras.utils.set_random_seed,
               "tf.random.set_seed": tf.random.set_seed,
               "random.seed": random.seed}
    out = {}
    with restored_seeds(tf, keras):
        for name, setter in setters.items():
            starts, masks = [], []
            try:
                for _ in range(2):
                    setter(seed)
                    layer = keras.layers.Dropout(rate)
                    starts.append(_start(layer))
                    masks.append(np.asarray(layer(x, training=True)) != 0)
            except (ValueError, TypeError, OverflowError) as exc:  # e.g. NumPy refuses seeds outside [0, 2**32)
                out[name] = Failed.of(exc)
            else:
                out[name] = Fresh(starts, bool(np.array_equal(*masks)))
            random.seed()  # forget this setter's seeding before the next one is measured alone
    return out


def compute(p) -> Seeds:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    x = np.ones(SHAPE, "float32")
    return Seeds(
        rate=p.rate, seed=p.seed, elements=int(x.size),
        layer=_repeat({"rate": str(p.rate), "seed": p.seed}),
        constant={KERAS_RANDOM.name: _repeat({"rate": str(p.rate), "seed": p.seed, "api": KERAS_RANDOM.name}),
                  TF_KERAS_STATELESS: _repeat({"rate": str(p.rate), "seed": p.seed, "api": TF_KERAS.name,
                                                 "rng": "stateless"}),
                  # tf-keras's default branch too: whether it repeats is measured, not assumed from stateless
                  TF_KERAS_DEFAULT: _repeat({"rate": str(p.rate), "seed": p.seed, "api": TF_KERAS.name})},
        unseeded=_unseeded(tf, keras, x, p.rate, p.seed),
        same_seed=_two_fresh(keras, x, p.rate, p.seed),
    )
