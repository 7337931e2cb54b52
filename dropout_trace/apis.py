"""The Dropout entry points a learner may arrive from: how each is called and what it passes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# Every landmark function, by key: (import path, attribute path). The attribute path is followed
# from the imported module, so public names (keras.layers.Dropout) resolve to wherever the
# installed version keeps the code.
LANDMARKS = {
    # Keras 3
    "keras.Dropout.call": ("keras.layers", "Dropout.call"),
    "keras.SpatialDropout.call": ("keras.layers", "SpatialDropout1D.call"),
    "keras.SpatialDropout1D._get_noise_shape": ("keras.layers", "SpatialDropout1D._get_noise_shape"),
    "keras.SpatialDropout2D._get_noise_shape": ("keras.layers", "SpatialDropout2D._get_noise_shape"),
    "keras.SpatialDropout3D._get_noise_shape": ("keras.layers", "SpatialDropout3D._get_noise_shape"),
    "keras.backend.dropout": ("keras.src.backend.tensorflow.random", "dropout"),
    "keras.draw_seed": ("keras.src.random.seed_generator", "draw_seed"),
    "keras.SeedGenerator.next": ("keras.src.random.seed_generator", "SeedGenerator.next"),
    "keras._cast_seed": ("keras.src.backend.tensorflow.random", "_cast_seed"),
    "keras._get_concrete_noise_shape": ("keras.src.backend.tensorflow.random", "_get_concrete_noise_shape"),
    # Keras 2 (tf-keras)
    "tf_keras.Dropout.call": ("tf_keras.layers", "Dropout.call"),
    "tf_keras.Dropout._get_noise_shape": ("tf_keras.layers", "Dropout._get_noise_shape"),
    "tf_keras.RandomGenerator.dropout": ("tf_keras.src.backend", "RandomGenerator.dropout"),
    "tf_keras.RandomGenerator.make_seed_for_stateless_op":
        ("tf_keras.src.backend", "RandomGenerator.make_seed_for_stateless_op"),
    "tf_keras.RandomGenerator.make_legacy_seed": ("tf_keras.src.backend", "RandomGenerator.make_legacy_seed"),
    # TensorFlow
    "tf.dropout_v1": ("tensorflow.python.ops.nn_ops", "dropout"),
    "tf.dropout_v2": ("tensorflow.python.ops.nn_ops", "dropout_v2"),
    "tf.stateless_dropout": ("tensorflow.python.ops.nn_ops", "stateless_dropout"),
    "tf.general_dropout": ("tensorflow.python.ops.nn_ops", "general_dropout"),
    "tf._dropout": ("tensorflow.python.ops.nn_ops", "_dropout"),
    "tf._get_noise_shape": ("tensorflow.python.ops.nn_ops", "_get_noise_shape"),
    "tf.get_seed": ("tensorflow.python.framework.random_seed", "get_seed"),
    "tf.stateless_random_uniform": ("tensorflow.python.ops.stateless_random_ops", "stateless_random_uniform"),
    "tf.random_uniform": ("tensorflow.python.ops.random_ops", "random_uniform"),
    "tf.Generator.uniform": ("tensorflow.python.ops.stateful_random_ops", "Generator.uniform"),
}

RNGS = ("stateless", "stateful", "legacy")
RNG_TYPE = {"stateless": "stateless", "stateful": "stateful", "legacy": "legacy_stateful"}
TF_OP_FOR_RNG = {"stateless": "tf.stateless_dropout", "stateful": "tf.general_dropout", "legacy": "tf.dropout_v2"}
SAMPLER_FOR_RNG = {"stateless": "tf.stateless_random_uniform", "stateful": "tf.Generator.uniform",
                   "legacy": "tf.random_uniform"}
KERAS3_SEED = ("keras.backend.dropout", "keras.draw_seed", "keras.SeedGenerator.next", "keras._cast_seed",
               "keras._get_concrete_noise_shape")
COMMON = ("tf._dropout", "tf._get_noise_shape")


@dataclass(frozen=True)
class Api:
    """One way into dropout: its name on the command line and what the trace watches."""

    name: str
    kind: str  # "layer" (has training and a layer object) or "function"
    summary: str
    stateless: bool  # the random state is the seed itself (a [2] tensor), not hidden op state
    reference: str  # the deterministic public-API reference the check uses, and why it is one
    rank: int | None = None  # the input rank a spatial layer requires
    landmark_keys: Callable = field(default=None, repr=False)  # (rng) -> tuple of landmark keys


def _keras_keys(rng):
    return ("keras.Dropout.call", *KERAS3_SEED, "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")


def _spatial_keys(rank):
    def keys(rng):
        return ("keras.SpatialDropout.call", f"keras.SpatialDropout{rank - 2}D._get_noise_shape", *KERAS3_SEED,
                "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")
    return keys


def _tf_keras_keys(rng):
    seed = {"stateless": ("tf_keras.RandomGenerator.make_seed_for_stateless_op",),
            "stateful": (), "legacy": ("tf_keras.RandomGenerator.make_legacy_seed", "tf.get_seed")}[rng]
    return ("tf_keras.Dropout.call", "tf_keras.Dropout._get_noise_shape", "tf_keras.RandomGenerator.dropout",
            *seed, TF_OP_FOR_RNG[rng], *COMMON, SAMPLER_FOR_RNG[rng])


APIS = {
    "keras": Api(
        "keras", "layer",
        "Keras 3 layer: a SeedGenerator state feeds tf.nn.experimental.stateless_dropout",
        stateless=True,
        reference="a fresh layer with the same seed: its SeedGenerator starts at [seed, 0] again",
        landmark_keys=_keras_keys),
    "tf-keras": Api(
        "tf-keras", "layer",
        "Keras 2 layer: BaseRandomLayer -> RandomGenerator.dropout, branching on its rng type",
        stateless=False,
        reference="a fresh layer with the same seed and rng type (legacy also resets the global seed)",
        landmark_keys=_tf_keras_keys),
    "tf.nn.dropout": Api(
        "tf.nn.dropout", "function",
        "stateful sampler (RandomUniform) seeded by the global and the op seed",
        stateless=False,
        reference="tf.random.set_seed(seed) then a fresh tf.nn.dropout(..., seed=seed): same op seeds",
        landmark_keys=lambda rng: ("tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")),
    "tf.compat.v1.nn.dropout": Api(
        "tf.compat.v1.nn.dropout", "function",
        "the TF1 signature: keep_prob is turned into rate = 1 - keep_prob, then tf.nn.dropout runs",
        stateless=False,
        reference="tf.random.set_seed(seed) then a fresh tf.compat.v1.nn.dropout(..., seed=seed)",
        landmark_keys=lambda rng: ("tf.dropout_v1", "tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")),
    "stateless": Api(
        "stateless", "function",
        "called directly with a [2] seed: the seed is the whole random state",
        stateless=True,
        reference="the same call again: a stateless op is a pure function of its seed",
        landmark_keys=lambda rng: ("tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")),
    **{f"spatial{n}d": Api(
        f"spatial{n}d", "layer",
        "drops whole channels: the layer's noise shape is 1 on the "
        + ("spatial axis" if n == 1 else f"{n} spatial axes"),
        stateless=True, rank=n + 2,
        reference="a fresh layer with the same seed",
        landmark_keys=_spatial_keys(n + 2)) for n in (1, 2, 3)},
}

def default_shape(api: str) -> str:
    """A small input with an unknown batch that the API accepts."""
    rank = APIS[api].rank if api in APIS else None
    return {None: "None,4", 3: "None,3,4", 4: "None,2,2,3", 5: "None,2,2,2,3"}[rank]


SPATIAL_LAYOUT = {3: "(batch, steps, channels)", 4: "(batch, rows, cols, channels)",
                  5: "(batch, dim1, dim2, dim3, channels)"}


def api_names() -> str:
    return ", ".join(APIS)


def call_text(spec) -> str:
    """The public call being traced, as a learner would write it."""
    r, s, d = f"{spec.rate:g}", spec.seed, spec.dtype
    noise = f", noise_shape={spec.noise_shape}" if spec.noise_shape is not None else ""
    rate = f"tf.constant({r}, tf.{d})" if spec.rate_tensor else r
    training = "True" if spec.training else "False"
    if spec.api == "keras":
        return f"keras.layers.Dropout({r}{noise}, seed={s}, dtype='{d}')(x, training={training})"
    if spec.api.startswith("spatial"):
        return f"keras.layers.SpatialDropout{spec.api[7]}D({r}, seed={s}, dtype='{d}')(x, training={training})"
    if spec.api == "tf-keras":
        rng = f", rng_type='{RNG_TYPE[spec.rng]}'" if spec.rng else ""
        return f"tf_keras.layers.Dropout({r}{noise}, seed={s}, dtype='{d}'{rng})(x, training={training})"
    if spec.api == "tf.nn.dropout":
        return f"tf.random.set_seed({s}); tf.nn.dropout(x, rate={rate}{noise}, seed={s})"
    if spec.api == "tf.compat.v1.nn.dropout":
        kp = spec.keep_prob if spec.keep_prob is not None else 1 - spec.rate
        kp_text = f"tf.constant({kp:g}, tf.{d})" if spec.rate_tensor else f"{kp:g}"
        return f"tf.random.set_seed({s}); tf.compat.v1.nn.dropout(x, keep_prob={kp_text}{noise}, seed={s})"
    return f"tf.nn.experimental.stateless_dropout(x, rate={rate}{noise}, seed=[{s}, 0])"


def effective_rng(spec) -> str | None:
    """tf-keras's branch: the one asked for, or the library's own default (read from tf_keras)."""
    if spec.api != "tf-keras":
        return None
    if spec.rng:
        return spec.rng
    from tf_keras.src import backend

    return "stateful" if backend.is_tf_random_generator_enabled() else "legacy"


def input_signature(spec, tf, args) -> list:
    """The tf.function signature: x with its None sizes, then a scalar per extra argument (a rate tensor)."""
    dtype = tf.as_dtype(spec.dtype)
    return [tf.TensorSpec(shape=spec.shape, dtype=dtype)] + [tf.TensorSpec((), dtype) for _ in args]


def make_call(spec, tf):
    """(owner, call, args): a fresh layer (or None) and call(x, *args) for the traced API.

    Called twice per run, once for the traced call and once for the reference, so both start
    from the same random state. With --rate-tensor the rate (or keep_prob) is an argument, as a
    schedule or a variable would be: in graph mode it is then a run-time input, not a constant.
    """
    dtype = tf.as_dtype(spec.dtype)
    rate, training, noise, api = spec.rate, spec.training, spec.noise_shape, spec.api
    keep = spec.keep_prob if spec.keep_prob is not None else 1 - rate
    args = ()
    if spec.rate_tensor:
        args = (tf.constant(keep if api == "tf.compat.v1.nn.dropout" else rate, dtype),)

    def given(extra):
        return extra[0] if extra else (keep if api == "tf.compat.v1.nn.dropout" else rate)

    if api == "keras" or api.startswith("spatial"):
        import keras

        if api == "keras":
            layer = keras.layers.Dropout(rate, noise_shape=noise, seed=spec.seed, dtype=spec.dtype)
        else:
            layer = getattr(keras.layers, f"SpatialDropout{api[7]}D")(rate, seed=spec.seed, dtype=spec.dtype)
        return layer, lambda x: layer(x, training=training), args
    if api == "tf-keras":
        import tf_keras

        extra = {"rng_type": RNG_TYPE[spec.rng]} if spec.rng else {}
        layer = tf_keras.layers.Dropout(rate, noise_shape=noise, seed=spec.seed, dtype=spec.dtype, **extra)
        if effective_rng(spec) == "legacy":
            tf.random.set_seed(spec.seed)
        return layer, lambda x: layer(x, training=training), args
    if api == "tf.nn.dropout":
        tf.random.set_seed(spec.seed)
        return None, lambda x, *r: tf.nn.dropout(x, rate=given(r), noise_shape=noise, seed=spec.seed), args
    if api == "tf.compat.v1.nn.dropout":
        tf.random.set_seed(spec.seed)
        return None, lambda x, *r: tf.compat.v1.nn.dropout(x, keep_prob=given(r), noise_shape=noise,
                                                           seed=spec.seed), args
    return None, lambda x, *r: tf.nn.experimental.stateless_dropout(x, rate=given(r), seed=[spec.seed, 0],
                                                                     noise_shape=noise), args
