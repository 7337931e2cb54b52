"""The stages of a trace: what each stage shows for each API, read from the captured frames."""

from __future__ import annotations

import numpy as np

from .apis import SAMPLER_FOR_RNG, TF_OP_FOR_RNG
from .landmarks import source_line
from .model import ListView, NamedValue, PyValue, Stage, TensorView, Value

# `_dropout` is read as consecutive segments, each starting where the library assigns a local.
DROPOUT_SEGMENTS = (("rate", None), ("noise_shape", "noise_shape"), ("uniform", "random_tensor"),
                    ("keep_mask", "keep_mask"), ("output", "zero_tensor"))
STAGE_NAMES = ("call", "seed", "dropout_op", "rate", "noise_shape", "uniform", "keep_mask", "output")


class StageDefinitions:
    """Stages 1-3 differ per API (how it reaches TensorFlow); 4-8 are `_dropout`'s own segments.

    Mixed into the trace builder, whose helpers (event, local, returned, excerpt, segment...)
    read the recorded frames.
    """

    def _stopped_note(self) -> str:
        """Where the library returned early, read from the last `return` that ran."""
        finished = [e for e in self.rec.events if e.finished and self.returned_at(e.key)]
        if not finished:
            return "the library did not reach this stage"
        inner = [e for e in finished if e.key == "tf._dropout"]  # its fast path is where rate 0 stops
        ev = (inner or finished)[-1]
        lm, line = self.lm[ev.key], self.returned_at(ev.key)[0]
        return f"{lm.ref.qualname} returned at {lm.ref.file}:{line} `{source_line(ev.code, line).strip()}`"

    def stage(self, key, title, idea, fkey, values, subject, excerpts, holds_shape=False, reached=None):
        ok = (fkey in {e.key for e in self.rec.events}) if reached is None else reached
        lm = self.lm.get(fkey)
        vals = tuple(NamedValue(label, v, note) for label, v, note in values if v is not None) if ok else ()
        main = next((v for label, v, _ in values if label == subject), None) if ok else None
        static, dynamic, dtype = _shapes(main, holds_shape)
        return Stage(key, title, idea, lm.ref if lm else None, ok, tuple(e for e in excerpts if e) if ok else (),
                     vals, subject if ok else None, "" if ok else self._stopped_note(), static, dynamic, dtype)

    def stages(self) -> tuple[Stage, ...]:
        front = {"keras": self._keras_front, "tf-keras": self._tf_keras_front, "tf.nn.dropout": self._tf_nn_front,
                 "tf.compat.v1.nn.dropout": self._tf_nn_front, "stateless": self._stateless_front}
        build = front.get(self.spec.api, self._keras_front)
        return tuple(build()) + tuple(self._common())

    def _layer_call(self, key: str) -> Stage:
        return self.stage(
            "call", "The layer call",
            "The layer is called with a training flag; dropout only acts when it is True.", key,
            [("inputs", self.local(key, "inputs", call=True), ""),
             ("training", self.local(key, "training", call=True), "switches dropout on" if self.spec.training
              else "off: the layer passes its input through"),
             ("self.rate", self.attribute(key, "rate"), "")],
            "inputs", [self.excerpt(key)])

    def _op_stage(self, key: str, title: str, idea: str, names=("x", "rate", "seed", "noise_shape")) -> Stage:
        return self.stage("dropout_op", title, idea, key,
                          [(n, self.local(key, n, call=True), "") for n in names], "x", [self.excerpt(key)])

    def _keras_front(self) -> list[Stage]:
        ex = self.excerpt
        owner = self.run.owner
        state = getattr(owner, "seed_generator", None)
        state_after = state.state.numpy() if state is not None else None
        state_view = (TensorView(state_after.dtype.name, (2,), state_after, None, state_after.tolist())
                      if state_after is not None else None)
        return [
            self._layer_call("keras.Dropout.call" if self.spec.api == "keras" else "keras.SpatialDropout.call"),
            self.stage(
                "seed", "The seed from the layer's SeedGenerator",
                "The layer keeps a [seed, counter] state: each call reads it and bumps the counter, so every "
                "call gets a fresh mask that is still reproducible.",
                "keras.SeedGenerator.next",
                [("state before", self.returned("keras.SeedGenerator.next"), "read by SeedGenerator.next"),
                 ("state after", state_view, "the counter moved on for the next call"),
                 ("seed passed on", self.returned("keras._cast_seed"),
                  "int32 via floormod, as the stateless op wants")],
                "seed passed on",
                [ex("keras.backend.dropout", self.assigned("keras.backend.dropout", ["seed"])),
                 ex("keras.draw_seed", self.returned_at("keras.draw_seed")), ex("keras.SeedGenerator.next"),
                 ex("keras._cast_seed")]),
            self._op_stage("tf.stateless_dropout", "tf.nn.experimental.stateless_dropout",
                           "Keras hands the input, the rate, the [2] seed and the noise shape to TensorFlow's "
                           "stateless dropout: same seed, same mask.",
                           ("x", "rate", "seed", "noise_shape", "rng_alg")),
        ]

    def _tf_keras_front(self) -> list[Stage]:
        ex = self.excerpt
        gen = "tf_keras.RandomGenerator.dropout"
        rng = self.rng
        why = {"stateless": "a constant seed [seed, 0]: the same mask on every call",
               "stateful": "a tf.random.Generator: a new, reproducible mask on each call",
               "legacy": "TF1-style stateful op seeded by (global seed, op seed); the layer's seed is "
                         "bumped after each call"}[rng]
        values = [("rng type", self.attribute(gen, "_rng_type"), why)]
        excerpts = [ex(gen)]
        if rng == "stateless":
            key = "tf_keras.RandomGenerator.make_seed_for_stateless_op"
            values.append(("seed passed on", self.returned(key), "a Python list: the seed never changes"))
            excerpts.append(ex(key))
        elif rng == "stateful":
            generator = getattr(getattr(self.run.owner, "_random_generator", None), "_generator", None)
            if generator is not None:
                values.append(("generator state after", self.view(generator.state), "advanced by the draw"))
        else:
            key = "tf_keras.RandomGenerator.make_legacy_seed"
            values.append(("op seed", self.returned(key), "the layer's seed, then seed + 1 for the next call"))
            values.append(("(global, op) seeds", self.returned("tf.get_seed"), "what the RandomUniform op gets"))
            excerpts.append(ex(key))
        op = TF_OP_FOR_RNG[rng]
        op_title = {"stateless": "tf.nn.experimental.stateless_dropout",
                    "stateful": "tf.nn.experimental.general_dropout", "legacy": "tf.nn.dropout"}[rng]
        return [
            self._layer_call("tf_keras.Dropout.call"),
            self.stage("seed", f"RandomGenerator.dropout: the {rng} branch",
                       "tf-keras's RandomGenerator picks the random op from its rng type.", gen,
                       values, "rng type", excerpts),
            self._op_stage(op, op_title, "The chosen TensorFlow dropout builds its uniform sampler and hands "
                                         "everything to the shared _dropout.",
                           ("x", "rate", "noise_shape", "seed", "uniform_sampler")),
        ]

    def _tf_nn_front(self) -> list[Stage]:
        ex = self.excerpt
        if self.spec.api == "tf.compat.v1.nn.dropout":
            key = "tf.dropout_v1"
            call = self.stage(
                "call", "tf.compat.v1.nn.dropout: keep_prob becomes rate",
                "TF1 took keep_prob; the v1 function turns it into rate = 1 - keep_prob (in Python floats, "
                "so the rate may carry a rounding digit) and calls tf.nn.dropout.", key,
                [("keep_prob", self.local(key, "keep_prob", call=True), "TF1's argument"),
                 ("rate_from_keep_prob", self.local(key, "rate_from_keep_prob"), "1. - keep_prob"),
                 ("x", self.local(key, "x", call=True), "")],
                "x", [ex(key)])
        else:
            key = "tf.dropout_v2"
            call = self.stage(
                "call", "tf.nn.dropout", "A plain function: no layer, no training flag; it always drops.", key,
                [(n, self.local(key, n, call=True), "") for n in ("x", "rate", "noise_shape", "seed")],
                "x", [])  # its body is stage 3
        seed = self.stage(
            "seed", "The global and op seeds",
            "A stateful op is seeded by the pair (global seed, op seed); the op keeps its own position in "
            "the random stream, so calling it again gives a new mask.", "tf.get_seed",
            [("op seed", self.local("tf.get_seed", "op_seed", call=True), "the seed= argument"),
             ("(global, op) seeds", self.returned("tf.get_seed"), "from tf.random.set_seed and seed=")],
            "(global, op) seeds", [ex("tf.get_seed")])
        op = self._op_stage("tf.dropout_v2", "dropout_v2 builds a stateful sampler",
                            "tf.nn.dropout wraps random_ops.random_uniform (a RandomUniform op) and calls _dropout.")
        return [call, seed, op]

    def _stateless_front(self) -> list[Stage]:
        key = "tf.stateless_dropout"
        return [
            self.stage("call", "tf.nn.experimental.stateless_dropout",
                       "A plain function with an explicit [2] seed: no layer, no training flag.", key,
                       [(n, self.local(key, n, call=True), "") for n in ("x", "rate", "noise_shape")], "x",
                       []),  # its body is stage 3
            self.stage("seed", "The seed is the whole random state",
                       "Nothing is hidden in the op: the same seed gives the same mask, every time.", key,
                       [("seed", self.local(key, "seed", call=True), "as passed")], "seed",
                       [self.excerpt(key, self.mentioning(key, self.event(key).lines if self.event(key) else [],
                                                          ("seed",)))]),
            self._op_stage(key, "stateless_dropout builds a stateless sampler",
                           "It wraps stateless_random_uniform with the seed and calls _dropout.",
                           ("x", "rate", "seed", "rng_alg")),
        ]

    def _common(self) -> list[Stage]:
        ex = self.excerpt
        sampler = "tf.stateless_random_uniform"
        if self.spec.api in ("tf.nn.dropout", "tf.compat.v1.nn.dropout"):
            sampler = "tf.random_uniform"
        elif self.rng:
            sampler = SAMPLER_FOR_RNG[self.rng]
        seg = {name: self.segment(name) for name, _ in DROPOUT_SEGMENTS}
        noise_keys = [k for k in self.lm if k.endswith("_get_noise_shape") and not k.startswith("tf.")]
        noise_keys += ["keras._get_concrete_noise_shape"] if "keras._get_concrete_noise_shape" in self.lm else []
        layer_noise = [ex(k) for k in noise_keys if self.event(k)]
        fast_path = [n for n in self.returned_at("tf._dropout") if n in seg["rate"]]  # e.g. `return x` for rate 0
        rate_lines = self.mentioning("tf._dropout", seg["rate"], ("rate", "keep_prob", "scale")) + fast_path
        return [
            self.stage("rate", "_dropout: rate checks and scale",
                       "rate must be in [0, 1); kept values are multiplied by scale = 1/(1-rate) now, so nothing "
                       "needs rescaling at inference (inverted dropout).", "tf._dropout",
                       [("rate", self.local("tf._dropout", "rate"), ""),
                        ("keep_prob", self.local("tf._dropout", "keep_prob"), "1 - rate"),
                        ("scale", self.local("tf._dropout", "scale"), "1 / keep_prob, in the input's dtype"),
                        ("x", self.local("tf._dropout", "x"), "")],
                       "x", [ex("tf._dropout", rate_lines, cap=12)], reached=bool(seg["rate"])),
            self.stage("noise_shape", "The noise shape",
                       "The mask's shape is tf.shape(x): a tensor whose value exists only when the graph runs, "
                       "so a None batch becomes a real size just in time for the draw.", "tf._get_noise_shape",
                       [("x", self.local("tf._dropout", "x"), "the input whose shape the mask takes"),
                        *[("keras noise shape" if k.startswith("keras._") else "layer noise shape",
                           self.returned(k), f"returned by {self.lm[k].ref.qualname}")
                          for k in noise_keys if self.event(k)],
                        ("noise_shape", self.returned("tf._get_noise_shape"), self._passed_through())],
                       "noise_shape",
                       [*layer_noise, ex("tf._dropout", seg["noise_shape"]), ex("tf._get_noise_shape")],
                       holds_shape=True),
            self.stage("uniform", "The uniform draw in [0, 1)",
                       "One draw per element of the noise shape: every sample in the batch gets its own numbers.",
                       sampler, [("random_tensor", self.local("tf._dropout", "random_tensor"), "")],
                       "random_tensor", [ex("tf._dropout", seg["uniform"]), ex(sampler, self.tensor_lines(sampler))],
                       reached=bool(seg["uniform"])),
            self.stage("keep_mask", "keep_mask = random >= rate",
                       "An element is kept when its draw is at least rate, which happens with probability 1 - rate.",
                       "tf._dropout", [("keep_mask", self.local("tf._dropout", "keep_mask"), "")],
                       "keep_mask", [ex("tf._dropout", seg["keep_mask"])], reached=bool(seg["keep_mask"])),
            self.stage("output", "The output", "Kept values are multiplied by scale, dropped values become 0.",
                       "tf._dropout", [("output", self.returned("tf._dropout"), "")],
                       "output", [ex("tf._dropout", seg["output"])], reached=bool(seg["output"])),
        ]

    def _passed_through(self) -> str:
        ev = self.event("tf._get_noise_shape")
        if ev is not None and ev.finished and ev.returned is ev.call_locals.get("noise_shape"):
            return "returned unchanged: the same object it was given"
        return "what _get_noise_shape returns to _dropout"


def _shapes(v: Value | None, holds_shape: bool) -> tuple[list | None, list | None, str | None]:
    """(static, dynamic, dtype) of a stage's main value; a shape vector reports the shape it holds."""
    if isinstance(v, TensorView):
        if holds_shape:
            static = v.static_value if isinstance(v.static_value, list) else None
            return static, [int(d) for d in np.ravel(v.value)], v.dtype
        return (list(v.static_shape) if v.static_shape is not None else None), list(v.dynamic_shape), v.dtype
    if isinstance(v, ListView):  # a shape built per dimension: Python ints and scalar tensors
        static = [i.data if isinstance(i, PyValue) else i.static_value for i in v.items]
        dynamic = [int(i.data) if isinstance(i, PyValue) else int(np.ravel(i.value)[0]) for i in v.items]
        return [s if isinstance(s, int) else None for s in static], dynamic, "int32"
    if isinstance(v, PyValue) and isinstance(v.data, list):  # a TensorShape: fully known in Python
        return v.data, v.data, None
    return None, None, None
