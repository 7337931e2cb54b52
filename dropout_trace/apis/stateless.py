"""`tf.nn.experimental.stateless_dropout`, called directly: its seed is its whole random state."""

from __future__ import annotations

from .base import COMMON, Function, noise_kw, rate_arg


class StatelessDropout(Function):
    name = "stateless"
    summary = "called directly with a [2] seed: the seed is the whole random state"

    def landmark_keys(self, rng):
        return ("tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def text(self, spec):
        return f"tf.nn.experimental.stateless_dropout(x, rate={rate_arg(spec)}{noise_kw(spec)}, seed=[{spec.seed}, 0])"

    def make(self, spec, tf, seed=None):
        s = spec.seed if seed is None else seed
        args = (tf.constant(spec.rate, tf.as_dtype(spec.dtype)),) if spec.rate_tensor else ()
        return None, lambda x, *r: tf.nn.experimental.stateless_dropout(
            x, rate=r[0] if r else spec.rate, seed=[s, 0], noise_shape=spec.noise_shape), args

    def state_kind(self, spec, rng):
        return "constant_seed"

    def reference(self, rng):
        return "the same call again: a stateless op is a pure function of its seed"

    def repeats_because(self, rng):
        return ("tf.nn.experimental.stateless_dropout is a pure function of x and its seed, and the seed "
                "[{seed}, 0] is the same on every call")

    def front(self, b):
        return [b.function_call("tf.stateless_dropout", ("x", "rate", "noise_shape"), excerpt=False),
                b.stateless_seed(), b.op_stage("tf.stateless_dropout", ("x", "rate", "seed", "rng_alg"))]

    def validate(self, spec, given):
        if spec.seed is None:
            return "--seed none: stateless dropout needs an explicit seed; its seed is its whole random state"
        return super().validate(spec, given)
