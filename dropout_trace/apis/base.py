"""What every entry point shares: the Api protocol, TensorFlow's own landmarks, and the call-text helpers.

An entry point is one module in this package that defines an Api subclass and registers an
instance (apis/__init__.py): everything the tool knows about it lives there.
"""

from __future__ import annotations

# TensorFlow's landmark functions, by key: (import path, attribute path). The attribute path is
# followed from the imported module, so public names resolve to wherever the installed version
# keeps the code. Each entry point adds its own in its `landmarks`.
TF_LANDMARKS = {
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
TF_LOCALS = {
    "tf._dropout": ("x", "rate", "keep_prob", "scale", "noise_shape", "random_tensor", "keep_mask", "zero_tensor"),
    "tf._get_noise_shape": ("x", "noise_shape"),
    "tf.stateless_dropout": ("x", "rate", "seed", "noise_shape", "rng_alg"),
    "tf.dropout_v2": ("x", "rate", "noise_shape", "seed"),
    "tf.dropout_v1": ("x", "keep_prob", "rate_from_keep_prob"),
    "tf.general_dropout": ("x", "rate", "noise_shape", "uniform_sampler"),
    "tf.get_seed": ("op_seed",),
}

COMMON = ("tf._dropout", "tf._get_noise_shape")


def number(x: float) -> str:
    """A rate or keep_prob as the user gave it: the shortest text that reads back as the same float (0.1234567,
    not 0.123457), without a trailing .0."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


class Api:
    """One way into dropout. Subclasses fill in how it is called, traced, checked, compared and summarised."""

    name = ""
    kind = "function"  # "layer" (has training and a layer object) or "function"
    sampler = "tf.stateless_random_uniform"
    rank: int | None = None  # the input rank a spatial layer requires
    takes_noise_shape = True
    rngs: tuple[str | None, ...] = (None,)  # the RandomGenerator branches it has (tf-keras), for `versions`
    library = "keras"  # whose version the header names: "keras" or "tf_keras"
    landmarks: dict[str, tuple[str, str]] = {}  # its own landmark functions, added to the registry's table
    local_names: dict[str, tuple[str, ...]] = {}  # the locals its own stages read, per landmark
    summary = ""  # one line for `versions`: how it reaches TensorFlow
    replays_drawn_seed = False  # an unseeded call can be replayed from the seed it drew (Keras 3 layers)
    takes_rate_tensor = False  # its rate may be a tensor (--rate-tensor)
    converts_keep_prob = False  # takes TF1's keep_prob and turns it into rate before dropout runs
    zeros_at_rate_one = False  # rate 1 returns zeros before `_dropout` (Keras 3's backend); else `_dropout` raises

    @property
    def has_rng_branches(self) -> bool:
        """It has RandomGenerator branches that --rng chooses between (tf-keras)."""
        return self.rngs != (None,)

    def landmark_keys(self, rng) -> tuple[str, ...]:
        raise NotImplementedError

    def text(self, spec) -> str:
        raise NotImplementedError

    def make(self, spec, tf, seed=None):
        """(owner, call, args): a fresh layer (or None) and call(x, *args)."""
        raise NotImplementedError

    def front(self, b) -> list:
        """Stages 1-3, built from the snapshot by the stage builder `b`."""
        raise NotImplementedError

    def state(self, owner):
        """The random state Python can read between calls (a SeedGenerator or Generator), or None."""
        return None

    def state_kind(self, spec, rng) -> str:
        """What carries the randomness from call to call: "seed_generator", "global_seed_generator",
        "generator", "constant_seed" or "op_state" (the global and op seeds of a stateful op)."""
        raise NotImplementedError

    def rng(self, spec) -> str | None:
        """The RandomGenerator branch this call takes (tf-keras), or None for an API without branches."""
        return None

    def sampler_for(self, rng) -> str:
        """The landmark that draws the uniforms (on this branch)."""
        return self.sampler

    def reference(self, rng) -> str:
        """The public-API reference the closing check replays, in words."""
        raise NotImplementedError

    def repeats_because(self, rng) -> str | None:
        """Why a seeded call returns one mask on every call, when its random state never advances (else None);
        "{seed}" stands for the seed."""
        return None

    def variants(self) -> tuple[tuple[str, dict], ...]:
        """(label, options) for `compare`: this API once, or once per branch."""
        return ((self.name, {"api": self.name}),)

    def validate(self, spec, given) -> str | None:
        """What is wrong with these options for this API, or None. `given` names the options set."""
        return None


def noise_kw(spec) -> str:
    return f", noise_shape={spec.noise_shape}" if spec.noise_shape is not None else ""


def seed_kw(spec) -> str:
    return "" if spec.seed is None else f", seed={spec.seed}"


def dtype_kw(spec) -> str:
    d = spec.layer_dtype_arg
    return "" if d is None else f", dtype='{d}'"


def rate_arg(spec) -> str:
    r = number(spec.rate)
    return f"tf.constant({r}, tf.{spec.dtype})" if spec.rate_tensor else r


# Filled in by the registry as entry points register, for the messages below.
NAMES = {"layers": "", "rate_tensor": ""}


class Layer(Api):
    kind = "layer"

    def validate(self, spec, given):
        if "rate_tensor" in given:
            return (f"--rate-tensor passes the rate as a tensor to a function API; --api {self.name} is a layer "
                    f"whose rate is a Python float (use {NAMES['rate_tensor']})")
        return None


class Function(Api):
    takes_rate_tensor = True

    def validate(self, spec, given):
        for option in ("no_training", "layer_dtype", "policy"):
            if option in given:
                flag = "--" + option.replace("_", "-")
                return (f"{flag} applies to layers, which have a training flag and a dtype policy; {self.name} is "
                        f"a function (layers: {NAMES['layers']})")
        return None
