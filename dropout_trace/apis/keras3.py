"""Keras 3: `keras.layers.Dropout`, the spatial layers, and `keras.random.dropout`.

All three reach `tf.nn.experimental.stateless_dropout` with a seed drawn from a SeedGenerator
(the layer's own, or the global one for an unseeded `keras.random.dropout`).
"""

from __future__ import annotations

from .base import COMMON, Function, Layer, noise_kw, number, rate_arg, seed_kw, dtype_kw

LANDMARKS = {
    "keras.Dropout.call": ("keras.layers", "Dropout.call"),
    "keras.SpatialDropout.call": ("keras.layers", "SpatialDropout1D.call"),
    "keras.SpatialDropout1D._get_noise_shape": ("keras.layers", "SpatialDropout1D._get_noise_shape"),
    "keras.SpatialDropout2D._get_noise_shape": ("keras.layers", "SpatialDropout2D._get_noise_shape"),
    "keras.SpatialDropout3D._get_noise_shape": ("keras.layers", "SpatialDropout3D._get_noise_shape"),
    "keras.random.dropout": ("keras.random", "dropout"),
    "keras.backend.dropout": ("keras.src.backend.tensorflow.random", "dropout"),
    "keras.draw_seed": ("keras.src.random.seed_generator", "draw_seed"),
    "keras.SeedGenerator.next": ("keras.src.random.seed_generator", "SeedGenerator.next"),
    "keras._cast_seed": ("keras.src.backend.tensorflow.random", "_cast_seed"),
    "keras._get_concrete_noise_shape": ("keras.src.backend.tensorflow.random", "_get_concrete_noise_shape"),
}
LOCALS = {
    "keras.Dropout.call": ("inputs", "training"),
    "keras.SpatialDropout.call": ("inputs", "training"),
    "keras.backend.dropout": ("inputs", "rate", "noise_shape", "seed"),
}
KERAS3_SEED = ("keras.backend.dropout", "keras.draw_seed", "keras.SeedGenerator.next", "keras._cast_seed",
               "keras._get_concrete_noise_shape")
SPATIAL_LAYOUT = {3: "(batch, steps, channels)", 4: "(batch, rows, cols, channels)",
                  5: "(batch, dim1, dim2, dim3, channels)"}


class Keras3Dropout(Layer):
    name = "keras"
    landmarks, local_names = LANDMARKS, LOCALS
    summary = "Keras 3 layer: a SeedGenerator state feeds tf.nn.experimental.stateless_dropout"
    replays_drawn_seed = True
    zeros_at_rate_one = True

    def landmark_keys(self, rng):
        return ("keras.Dropout.call", *KERAS3_SEED, "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def layer_text(self, spec) -> str:
        return f"keras.layers.Dropout({number(spec.rate)}{noise_kw(spec)}{seed_kw(spec)}{dtype_kw(spec)})"

    def text(self, spec):
        return f"{self.layer_text(spec)}(x, training={spec.training})"

    def build(self, spec, keras, seed):
        return keras.layers.Dropout(spec.rate, noise_shape=spec.noise_shape, seed=seed,
                                    dtype=spec.layer_dtype_arg)

    def make(self, spec, tf, seed=None):
        import keras

        layer = self.build(spec, keras, spec.seed if seed is None else seed)
        return layer, lambda x: layer(x, training=spec.training), ()

    def state(self, owner):
        gen = getattr(owner, "seed_generator", None)
        return None if gen is None else gen.state.numpy()

    def state_kind(self, spec, rng):
        return "seed_generator"

    def reference(self, rng):
        return "a fresh layer with the same seed: its SeedGenerator starts at [seed, 0] again"

    def front(self, b):
        call = "keras.Dropout.call" if self.rank is None else "keras.SpatialDropout.call"
        return [b.layer_call(call), b.keras_seed(), b.op_stage("tf.stateless_dropout",
                                                              ("x", "rate", "seed", "noise_shape", "rng_alg"))]


class SpatialDropout(Keras3Dropout):
    takes_noise_shape = False

    def __init__(self, n: int):
        self.n, self.rank, self.name = n, n + 2, f"spatial{n}d"
        axes = "the spatial axis" if n == 1 else f"the {n} spatial axes"
        self.summary = f"drops whole channels: the layer's noise shape is 1 on {axes}"

    def landmark_keys(self, rng):
        return ("keras.SpatialDropout.call", f"keras.SpatialDropout{self.n}D._get_noise_shape", *KERAS3_SEED,
                "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def layer_text(self, spec):
        return f"keras.layers.SpatialDropout{self.n}D({number(spec.rate)}{seed_kw(spec)}{dtype_kw(spec)})"

    def build(self, spec, keras, seed):
        return getattr(keras.layers, f"SpatialDropout{self.n}D")(spec.rate, seed=seed, dtype=spec.layer_dtype_arg)

    def needs_rank(self) -> str:
        """Why another rank will not do, as `compare` and the refusal say it."""
        return f"needs a rank-{self.rank} input {SPATIAL_LAYOUT[self.rank]}"

    def validate(self, spec, given):
        if len(spec.shape) != self.rank:
            return (f"--api {self.name} {self.needs_rank()}; --shape "
                    f"{','.join('None' if d is None else str(d) for d in spec.shape)} has rank {len(spec.shape)}")
        if "noise_shape" in given:
            return f"--api {self.name} computes its own noise shape (1 on the spatial axes); --noise-shape does not apply"
        return super().validate(spec, given)


class GlobalSeedGenerator:
    """The owner of an unseeded keras.random.dropout's state: Keras's global SeedGenerator, which the first unseeded
    call creates. Read when asked, never created here, so the capture sees the library create it."""

    @property
    def seed_generator(self):
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR

        return global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)


class KerasRandomDropout(Function):
    name = "keras.random.dropout"
    landmarks = LANDMARKS
    zeros_at_rate_one = True
    summary = ("Keras 3's functional dropout, as custom layers call it; an integer seed is a "
               "constant seed")

    def landmark_keys(self, rng):
        return ("keras.random.dropout", *KERAS3_SEED, "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def text(self, spec):
        seed = "None" if spec.seed is None else spec.seed
        return f"keras.random.dropout(x, {rate_arg(spec)}{noise_kw(spec)}, seed={seed})"

    def make(self, spec, tf, seed=None):
        import keras

        s = spec.seed if seed is None else seed
        # a --rate-tensor rate is an argument of the tf.function, so in graph mode the backend's `rate == 1.0`
        # test meets a symbolic tensor, as a custom layer's call() would hand it one; eagerly it has a value
        args = (tf.constant(spec.rate, tf.as_dtype(spec.dtype)),) if spec.rate_tensor else ()
        owner = GlobalSeedGenerator() if s is None else None
        return owner, lambda x, *r: keras.random.dropout(x, r[0] if r else spec.rate, noise_shape=spec.noise_shape,
                                                         seed=s), args

    state = Keras3Dropout.state

    def state_kind(self, spec, rng):
        return "constant_seed" if spec.seed is not None else "global_seed_generator"

    def reference(self, rng):
        return "the same call again: an integer seed makes it a pure function of x"

    def repeats_because(self, rng):
        return "an integer seed makes keras.random.dropout a pure function of x: no state advances between calls"

    def front(self, b):
        return [b.function_call("keras.random.dropout", ("inputs", "rate", "noise_shape", "seed")), b.keras_seed(),
                b.op_stage("tf.stateless_dropout", ("x", "rate", "seed", "noise_shape", "rng_alg"))]
