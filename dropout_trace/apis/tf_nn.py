"""TensorFlow's stateful dropout: `tf.nn.dropout` (v2) and `tf.compat.v1.nn.dropout`, seeded by the global
and the op seed."""

from __future__ import annotations

from .base import COMMON, Function, noise_kw, number, rate_arg, seed_kw


class TfNnDropout(Function):
    name = "tf.nn.dropout"
    sampler = "tf.random_uniform"
    summary = "stateful sampler (RandomUniform) seeded by the global and the op seed"

    def landmark_keys(self, rng):
        return ("tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")

    def text(self, spec):
        set_seed = "" if spec.seed is None else f"tf.random.set_seed({spec.seed}); "
        return f"{set_seed}tf.nn.dropout(x, rate={rate_arg(spec)}{noise_kw(spec)}{seed_kw(spec)})"

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

    def state_kind(self, spec, rng):
        return "op_state"

    def reference(self, rng):
        return "tf.random.set_seed(seed), then a fresh tf.nn.dropout(..., seed=seed): the same op seeds"

    def front(self, b):
        return [b.function_call("tf.dropout_v2", ("x", "rate", "noise_shape", "seed"), excerpt=False),
                b.global_op_seeds(), b.op_stage("tf.dropout_v2", ("x", "rate", "seed", "noise_shape"))]


class TfV1Dropout(TfNnDropout):
    name = "tf.compat.v1.nn.dropout"
    converts_keep_prob = True
    summary = "the TF1 signature: keep_prob is turned into rate = 1 - keep_prob, then tf.nn.dropout runs"

    def landmark_keys(self, rng):
        return ("tf.dropout_v1", "tf.dropout_v2", "tf.get_seed", *COMMON, "tf.random_uniform")

    def keep(self, spec) -> float:
        return spec.keep_prob if spec.keep_prob is not None else 1 - spec.rate

    def text(self, spec):
        kp = number(self.keep(spec))
        kp = f"tf.constant({kp}, tf.{spec.dtype})" if spec.rate_tensor else kp
        set_seed = "" if spec.seed is None else f"tf.random.set_seed({spec.seed}); "
        return f"{set_seed}tf.compat.v1.nn.dropout(x, keep_prob={kp}{noise_kw(spec)}{seed_kw(spec)})"

    def given(self, spec, extra):
        return extra[0] if extra else self.keep(spec)

    def call(self, tf, x, keep, noise, seed):
        return tf.compat.v1.nn.dropout(x, keep_prob=keep, noise_shape=noise, seed=seed)

    def reference(self, rng):
        return "tf.random.set_seed(seed), then a fresh tf.compat.v1.nn.dropout(..., seed=seed)"

    def front(self, b):
        return [b.v1_call(), b.global_op_seeds(), b.op_stage("tf.dropout_v2", ("x", "rate", "seed", "noise_shape"))]
