"""Keras 2 (tf-keras): `tf_keras.layers.Dropout`, which branches on its RandomGenerator's rng type."""

from __future__ import annotations

from .base import COMMON, Layer, dtype_kw, noise_kw, number, seed_kw

LANDMARKS = {
    "tf_keras.Dropout.call": ("tf_keras.layers", "Dropout.call"),
    "tf_keras.Dropout._get_noise_shape": ("tf_keras.layers", "Dropout._get_noise_shape"),
    "tf_keras.RandomGenerator.dropout": ("tf_keras.src.backend", "RandomGenerator.dropout"),
    "tf_keras.RandomGenerator.make_seed_for_stateless_op":
        ("tf_keras.src.backend", "RandomGenerator.make_seed_for_stateless_op"),
    "tf_keras.RandomGenerator.make_legacy_seed": ("tf_keras.src.backend", "RandomGenerator.make_legacy_seed"),
}
LOCALS = {"tf_keras.Dropout.call": ("inputs", "training")}

RNGS = ("stateless", "stateful", "legacy")
RNG_TYPE = {"stateless": "stateless", "stateful": "stateful", "legacy": "legacy_stateful"}
TF_OP_FOR_RNG = {"stateless": "tf.stateless_dropout", "stateful": "tf.general_dropout", "legacy": "tf.dropout_v2"}
SAMPLER_FOR_RNG = {"stateless": "tf.stateless_random_uniform", "stateful": "tf.Generator.uniform",
                   "legacy": "tf.random_uniform"}
STATE_FOR_RNG = {"stateless": "constant_seed", "stateful": "generator", "legacy": "op_state"}


def default_rng() -> str:
    """The branch tf-keras takes when none is asked for, read from the installed tf_keras."""
    from tf_keras.src import backend

    return "stateful" if backend.is_tf_random_generator_enabled() else "legacy"


class TfKerasDropout(Layer):
    name = "tf-keras"
    landmarks, local_names = LANDMARKS, LOCALS
    rngs = RNGS
    library = "tf_keras"
    summary = "Keras 2 layer: BaseRandomLayer -> RandomGenerator.dropout, branching on its rng type"

    def rng(self, spec) -> str:
        return spec.rng or default_rng()

    def landmark_keys(self, rng):
        seed = {"stateless": ("tf_keras.RandomGenerator.make_seed_for_stateless_op",),
                "stateful": (), "legacy": ("tf_keras.RandomGenerator.make_legacy_seed", "tf.get_seed")}[rng]
        return ("tf_keras.Dropout.call", "tf_keras.Dropout._get_noise_shape", "tf_keras.RandomGenerator.dropout",
                *seed, TF_OP_FOR_RNG[rng], *COMMON, SAMPLER_FOR_RNG[rng])

    def text(self, spec):
        rng = f", rng_type='{RNG_TYPE[spec.rng]}'" if spec.rng else ""
        legacy = self.rng(spec) == "legacy" and spec.seed is not None
        return (("" if not legacy else f"tf.random.set_seed({spec.seed}); ") + f"tf_keras.layers.Dropout({number(spec.rate)}{noise_kw(spec)}{seed_kw(spec)}{dtype_kw(spec)}{rng})"
                f"(x, training={spec.training})")

    def make(self, spec, tf, seed=None):
        import tf_keras

        extra = {"rng_type": RNG_TYPE[spec.rng]} if spec.rng else {}
        s = spec.seed if seed is None else seed
        layer = tf_keras.layers.Dropout(spec.rate, noise_shape=spec.noise_shape, seed=s,
                                        dtype=spec.layer_dtype_arg, **extra)
        if self.rng(spec) == "legacy" and s is not None:
            tf.random.set_seed(s)
        return layer, lambda x: layer(x, training=spec.training), ()

    def state(self, owner):
        gen = getattr(getattr(owner, "_random_generator", None), "_generator", None)
        return None if gen is None else gen.state.numpy()

    def state_kind(self, spec, rng):
        return STATE_FOR_RNG[rng]

    def sampler_for(self, rng):
        return SAMPLER_FOR_RNG[rng] if rng else self.sampler

    def reference(self, rng):
        if rng == "legacy":
            return "a fresh layer with the same seed, after tf.random.set_seed(seed)"
        return "a fresh layer with the same seed and rng type"

    def repeats_because(self, rng):
        return "tf-keras's stateless branch passes the same seed, [{seed}, 0], on every call" if rng == "stateless" else None

    def front(self, b):
        return [b.layer_call("tf_keras.Dropout.call"), b.tf_keras_branch(), b.tf_keras_op()]

    def variants(self):
        return tuple((f"{self.name} {rng}", {"api": self.name, "rng": rng}) for rng in ("legacy", "stateless", "stateful"))
