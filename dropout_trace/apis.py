"""The Dropout entry points, one object each: factory, call text, landmarks, front stages, validation, variants.

Adding an entry point means adding one object to APIS. Stages 1-3 (how an API reaches TensorFlow)
are its own; stages 4-8 are `_dropout`'s and shared (stages.py).
"""

from __future__ import annotations

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
    "keras.random.dropout": ("keras.random", "dropout"),
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

# The local names the stages read, per landmark: `versions` checks each against the installed code.
LOCALS = {
    "tf._dropout": ("x", "rate", "keep_prob", "scale", "noise_shape", "random_tensor", "keep_mask", "zero_tensor"),
    "tf._get_noise_shape": ("x", "noise_shape"),
    "tf.stateless_dropout": ("x", "rate", "seed", "noise_shape", "rng_alg"),
    "tf.dropout_v2": ("x", "rate", "noise_shape", "seed"),
    "tf.dropout_v1": ("x", "keep_prob", "rate_from_keep_prob"),
    "tf.general_dropout": ("x", "rate", "noise_shape", "uniform_sampler"),
    "tf.get_seed": ("op_seed",),
    "keras.Dropout.call": ("inputs", "training"),
    "keras.SpatialDropout.call": ("inputs", "training"),
    "keras.backend.dropout": ("inputs", "rate", "noise_shape", "seed"),
    "tf_keras.Dropout.call": ("inputs", "training"),
}

RNGS = ("stateless", "stateful", "legacy")
RNG_TYPE = {"stateless": "stateless", "stateful": "stateful", "legacy": "legacy_stateful"}
TF_OP_FOR_RNG = {"stateless": "tf.stateless_dropout", "stateful": "tf.general_dropout", "legacy": "tf.dropout_v2"}
SAMPLER_FOR_RNG = {"stateless": "tf.stateless_random_uniform", "stateful": "tf.Generator.uniform",
                   "legacy": "tf.random_uniform"}
KERAS3_SEED = ("keras.backend.dropout", "keras.draw_seed", "keras.SeedGenerator.next", "keras._cast_seed",
               "keras._get_concrete_noise_shape")
COMMON = ("tf._dropout", "tf._get_noise_shape")
SPATIAL_LAYOUT = {3: "(batch, steps, channels)", 4: "(batch, rows, cols, channels)",
                  5: "(batch, dim1, dim2, dim3, channels)"}
LAYERS = "keras, tf-keras, spatial1d, spatial2d, spatial3d"


def number(x: float) -> str:
    """A rate or keep_prob as the user gave it: the shortest text that reads back as the same float (0.1234567,
    not 0.123457), without a trailing .0."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


class Api:
    """One way into dropout. Subclasses fill in how it is called, traced, checked and compared."""

    name = ""
    kind = "function"  # "layer" (has training and a layer object) or "function"
    sampler = "tf.stateless_random_uniform"
    rank: int | None = None  # the input rank a spatial layer requires
    takes_noise_shape = True
    # The words for its check's public-API reference live in narrate.REFERENCES, with all prose.

    def landmark_keys(self, rng) -> tuple[str, ...]:
        raise NotImplementedError

    def text(self, spec) -> str:
        raise NotImplementedError

    def make(self, spec, tf):
        """(owner, call, args): a fresh layer (or None) and call(x, *args)."""
        raise NotImplementedError

    def front(self, b) -> list:
        """Stages 1-3, built from the snapshot by the stage builder `b`."""
        raise NotImplementedError

    def state(self, owner):
        """The random state Python can read between calls (a SeedGenerator or Generator), or None."""
        return None

    def variants(self) -> tuple[tuple[str, dict], ...]:
        """(label, options) for `compare`: this API once, or once per branch."""
        return ((self.name, {"api": self.name}),)

    def validate(self, spec, given) -> str | None:
        """What is wrong with these options for this API, or None. `given` names the options set."""
        return None


def _noise(spec) -> str:
    return f", noise_shape={spec.noise_shape}" if spec.noise_shape is not None else ""


def _seed_kw(spec) -> str:
    return "" if spec.seed is None else f", seed={spec.seed}"


def _dtype_kw(spec) -> str:
    d = spec.layer_dtype_arg
    return "" if d is None else f", dtype='{d}'"


def _rate_arg(spec) -> str:
    r = number(spec.rate)
    return f"tf.constant({r}, tf.{spec.dtype})" if spec.rate_tensor else r


class _Layer(Api):
    kind = "layer"

    def validate(self, spec, given):
        if "rate_tensor" in given:
            return (f"--rate-tensor passes the rate as a tensor to a function API; --api {self.name} is a layer "
                    "whose rate is a Python float (use tf.nn.dropout, tf.compat.v1.nn.dropout or stateless)")
        return None


class _Function(Api):
    def validate(self, spec, given):
        for option in ("no_training", "layer_dtype", "policy"):
            if option in given:
                flag = "--" + option.replace("_", "-")
                return (f"{flag} applies to layers, which have a training flag and a dtype policy; {self.name} is "
                        f"a function (layers: {LAYERS})")
        return None


class Keras3Dropout(_Layer):
    name = "keras"

    def landmark_keys(self, rng):
        return ("keras.Dropout.call", *KERAS3_SEED, "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def layer_text(self, spec) -> str:
        return f"keras.layers.Dropout({number(spec.rate)}{_noise(spec)}{_seed_kw(spec)}{_dtype_kw(spec)})"

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

    def front(self, b):
        call = "keras.Dropout.call" if self.rank is None else "keras.SpatialDropout.call"
        return [b.layer_call(call), b.keras_seed(), b.op_stage("tf.stateless_dropout",
                                                              ("x", "rate", "seed", "noise_shape", "rng_alg"))]


class SpatialDropout(Keras3Dropout):
    takes_noise_shape = False

    def __init__(self, n: int):
        self.n, self.rank, self.name = n, n + 2, f"spatial{n}d"

    def landmark_keys(self, rng):
        return ("keras.SpatialDropout.call", f"keras.SpatialDropout{self.n}D._get_noise_shape", *KERAS3_SEED,
                "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def layer_text(self, spec):
        return f"keras.layers.SpatialDropout{self.n}D({number(spec.rate)}{_seed_kw(spec)}{_dtype_kw(spec)})"

    def build(self, spec, keras, seed):
        return getattr(keras.layers, f"SpatialDropout{self.n}D")(spec.rate, seed=seed, dtype=spec.layer_dtype_arg)

    def validate(self, spec, given):
        if len(spec.shape) != self.rank:
            return (f"--api {self.name} needs a rank-{self.rank} input {SPATIAL_LAYOUT[self.rank]}; --shape "
                    f"{','.join('None' if d is None else str(d) for d in spec.shape)} has rank {len(spec.shape)}")
        if "noise_shape" in given:
            return f"--api {self.name} computes its own noise shape (1 on the spatial axes); --noise-shape does not apply"
        return super().validate(spec, given)


class KerasRandomDropout(_Function):
    name = "keras.random.dropout"

    def landmark_keys(self, rng):
        return ("keras.random.dropout", *KERAS3_SEED, "tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def text(self, spec):
        seed = "None" if spec.seed is None else spec.seed
        return f"keras.random.dropout(x, {number(spec.rate)}{_noise(spec)}, seed={seed})"

    def make(self, spec, tf, seed=None):
        import keras

        s = spec.seed if seed is None else seed
        return None, lambda x: keras.random.dropout(x, spec.rate, noise_shape=spec.noise_shape, seed=s), ()

    def front(self, b):
        return [b.function_call("keras.random.dropout", ("inputs", "rate", "noise_shape", "seed")), b.keras_seed(),
                b.op_stage("tf.stateless_dropout", ("x", "rate", "seed", "noise_shape", "rng_alg"))]

    def validate(self, spec, given):
        if "rate_tensor" in given:
            return "--rate-tensor: keras.random.dropout compares rate == 0 in Python, so it takes a float rate"
        return super().validate(spec, given)


class TfKerasDropout(_Layer):
    name = "tf-keras"

    def landmark_keys(self, rng):
        seed = {"stateless": ("tf_keras.RandomGenerator.make_seed_for_stateless_op",),
                "stateful": (), "legacy": ("tf_keras.RandomGenerator.make_legacy_seed", "tf.get_seed")}[rng]
        return ("tf_keras.Dropout.call", "tf_keras.Dropout._get_noise_shape", "tf_keras.RandomGenerator.dropout",
                *seed, TF_OP_FOR_RNG[rng], *COMMON, SAMPLER_FOR_RNG[rng])

    def text(self, spec):
        rng = f", rng_type='{RNG_TYPE[spec.rng]}'" if spec.rng else ""
        legacy = effective_rng(spec) == "legacy" and spec.seed is not None
        return (("" if not legacy else f"tf.random.set_seed({spec.seed}); ") + f"tf_keras.layers.Dropout({number(spec.rate)}{_noise(spec)}{_seed_kw(spec)}{_dtype_kw(spec)}{rng})"
                f"(x, training={spec.training})")

    def make(self, spec, tf, seed=None):
        import tf_keras

        extra = {"rng_type": RNG_TYPE[spec.rng]} if spec.rng else {}
        s = spec.seed if seed is None else seed
        layer = tf_keras.layers.Dropout(spec.rate, noise_shape=spec.noise_shape, seed=s,
                                        dtype=spec.layer_dtype_arg, **extra)
        if effective_rng(spec) == "legacy" and s is not None:
            tf.random.set_seed(s)
        return layer, lambda x: layer(x, training=spec.training), ()

    def state(self, owner):
        gen = getattr(getattr(owner, "_random_generator", None), "_generator", None)
        return None if gen is None else gen.state.numpy()

    def front(self, b):
        return [b.layer_call("tf_keras.Dropout.call"), b.tf_keras_branch(), b.tf_keras_op()]

    def variants(self):
        return tuple((f"tf-keras {rng}", {"api": "tf-keras", "rng": rng}) for rng in ("legacy", "stateless", "stateful"))

    @property
    def sampler_for(self):
        return SAMPLER_FOR_RNG


class TfNnDropout(_Function):
    name = "tf.nn.dropout"
    sampler = "tf.random_uniform"

    def landmark_keys(self, rng):
        return ("tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")

    def text(self, spec):
        set_seed = "" if spec.seed is None else f"tf.random.set_seed({spec.seed}); "
        return f"{set_seed}tf.nn.dropout(x, rate={_rate_arg(spec)}{_noise(spec)}{_seed_kw(spec)})"

    def given(self, spec, extra):
        return extra[0] if extra else spec.rate

    def make(self, spec, tf, seed=None):
        s = spec.seed if seed is None else seed
        if s is not None:
            tf.random.set_seed(s)
        args = (tf.constant(self.given(spec, ()), tf.as_dtype(spec.dtype)),) if spec.rate_tensor else ()
        return None, lambda x, *r: self.call(tf, x, self.given(spec, r), spec.noise_shape, s), args

    def call(self, tf, x, rate, noise, seed):
        return tf.nn.dropout(x, rate=rate, noise_shape=noise, seed=seed)

    def front(self, b):
        return [b.function_call("tf.dropout_v2", ("x", "rate", "noise_shape", "seed"), excerpt=False),
                b.global_op_seeds(), b.op_stage("tf.dropout_v2", ("x", "rate", "seed", "noise_shape"))]


class TfV1Dropout(TfNnDropout):
    name = "tf.compat.v1.nn.dropout"

    def landmark_keys(self, rng):
        return ("tf.dropout_v1", "tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")

    def keep(self, spec) -> float:
        return spec.keep_prob if spec.keep_prob is not None else 1 - spec.rate

    def text(self, spec):
        kp = number(self.keep(spec))
        kp = f"tf.constant({kp}, tf.{spec.dtype})" if spec.rate_tensor else kp
        set_seed = "" if spec.seed is None else f"tf.random.set_seed({spec.seed}); "
        return f"{set_seed}tf.compat.v1.nn.dropout(x, keep_prob={kp}{_noise(spec)}{_seed_kw(spec)})"

    def given(self, spec, extra):
        return extra[0] if extra else self.keep(spec)

    def call(self, tf, x, keep, noise, seed):
        return tf.compat.v1.nn.dropout(x, keep_prob=keep, noise_shape=noise, seed=seed)

    def front(self, b):
        return [b.v1_call(), b.global_op_seeds(), b.op_stage("tf.dropout_v2", ("x", "rate", "seed", "noise_shape"))]


class StatelessDropout(_Function):
    name = "stateless"

    def landmark_keys(self, rng):
        return ("tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def text(self, spec):
        return f"tf.nn.experimental.stateless_dropout(x, rate={_rate_arg(spec)}{_noise(spec)}, seed=[{spec.seed}, 0])"

    def make(self, spec, tf, seed=None):
        s = spec.seed if seed is None else seed
        args = (tf.constant(spec.rate, tf.as_dtype(spec.dtype)),) if spec.rate_tensor else ()
        return None, lambda x, *r: tf.nn.experimental.stateless_dropout(
            x, rate=r[0] if r else spec.rate, seed=[s, 0], noise_shape=spec.noise_shape), args

    def front(self, b):
        return [b.function_call("tf.stateless_dropout", ("x", "rate", "noise_shape"), excerpt=False),
                b.stateless_seed(), b.op_stage("tf.stateless_dropout", ("x", "rate", "seed", "rng_alg"))]

    def validate(self, spec, given):
        if spec.seed is None:
            return "--seed none: stateless dropout needs an explicit seed; its seed is its whole random state"
        return super().validate(spec, given)


APIS = {api.name: api for api in (
    Keras3Dropout(), TfKerasDropout(), TfNnDropout(), TfV1Dropout(), StatelessDropout(), KerasRandomDropout(),
    SpatialDropout(1), SpatialDropout(2), SpatialDropout(3))}


def default_shape(api: str) -> str:
    """A small input with an unknown batch that the API accepts."""
    rank = APIS[api].rank if api in APIS else None
    return {None: "None,4", 3: "None,3,4", 4: "None,2,2,3", 5: "None,2,2,2,3"}[rank]


def api_names() -> str:
    return ", ".join(APIS)


def call_text(spec) -> str:
    """The public call being traced, as a learner would write it."""
    return APIS[spec.api].text(spec)


def effective_rng(spec) -> str | None:
    """tf-keras's branch: the one asked for, or the library's own default (read from tf_keras)."""
    if spec.api != "tf-keras":
        return None
    if spec.rng:
        return spec.rng
    from tf_keras.src import backend

    return "stateful" if backend.is_tf_random_generator_enabled() else "legacy"


def sampler_key(api: str, rng: str | None) -> str:
    """The landmark that draws the uniforms for this API (and tf-keras branch)."""
    return SAMPLER_FOR_RNG[rng] if rng else APIS[api].sampler


def input_signature(spec, tf, args) -> list:
    """The tf.function signature: x with its None sizes, then a scalar per extra argument (a rate tensor)."""
    dtype = tf.as_dtype(spec.dtype)
    return [tf.TensorSpec(shape=spec.shape, dtype=dtype)] + [tf.TensorSpec((), dtype) for _ in args]


def make_call(spec, tf, seed=None):
    """(owner, call, args) for the traced API; `seed` overrides spec.seed (a seed read from a run)."""
    return APIS[spec.api].make(spec, tf, seed)
