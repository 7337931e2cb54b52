"""Words for the versions command: the TF 2.9 / Keras 2.9 account, point by point, and what is installed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    """One point of the TF 2.9 / Keras 2.9 account, worded, against what the installed source says."""

    topic: str
    account: str  # what the widely read TF 2.9 / Keras 2.9 account says
    installed: str  # what the installed source does, with where it was read
    differs: bool


ACCOUNT = {  # point -> (its topic, what the widely read TF 2.9 / Keras 2.9 account says)
    "mask_applied": ("how the mask is applied",
                     "x * scale * cast(keep_mask): a Mul by the mask cast to x's dtype (TF 2.10 and earlier)"),
    "scale": ("the scale", "scale = 1 / (1 - rate) in Python, cast to x's dtype, multiplied in"),
    "rng_branches": ("Keras 2's RandomGenerator.dropout",
                     "Keras 2.9: no rng_type branches; without a tf.random.Generator it calls tf.nn.dropout "
                     "(stateless_dropout only with the generator enabled)"),
    "tf_keras": ("which Keras tf.keras is", "Keras 2 (keras 2.9): Dropout.call -> BaseRandomLayer's RandomGenerator"),
    "noise_shape": ("where tf.shape(x) is taken", "nn_ops._get_noise_shape returns array_ops.shape(x)"),
}
_DEFAULT_RNG = {"stateful": "stateful", "legacy": "legacy (tf.nn.dropout)", None: "tf-keras not installed"}


def tf_keras_is(s) -> str:
    """What `tf.keras` resolves to, from the versions SourceFacts."""
    return f"Keras {'3' if s.keras3 else '2'} ({s.tf_keras_module})"


def where(w) -> str:
    """'qualname in file:line' of a versions.Where, or why the landmark is missing."""
    return w.missing if w.ref is None else f"{w.ref.qualname} in {w.ref.file}:{w.ref.line}"


def installed(topic: str, s) -> str:
    """What the installed source does on one point, with where it was read."""
    dropout_where, rng_where, noise_where = where(s.dropout_where), where(s.rng_where), where(s.noise_where)
    if topic == "mask_applied":
        return f"`{s.mask_line}` ({dropout_where})" if s.mask_line else f"not found in {dropout_where}"
    if topic == "scale":
        return (f"`{s.scale_line}` ({dropout_where})" if s.scale_line
                else f"no `scale = 1 / keep_prob` line in {dropout_where}")
    if topic == "rng_branches":
        return (f"branches on {', '.join(s.rng_branches)} and legacy ({rng_where}); default here: "
                f"{_DEFAULT_RNG[s.rng_default]}" if s.rng_branches else f"no rng_type branches ({rng_where})")
    if topic == "tf_keras":
        return tf_keras_is(s)
    return (f"Keras 3 takes `{s.noise_line}` first ({noise_where}) when no noise shape is given; "
            f"_get_noise_shape then {noise_returned(s)}" if s.noise_line
            else f"no tf.shape(inputs) in {noise_where}")


def _returned(kept: bool | None, eager_type: str | None) -> str:
    return "returns that tensor unchanged" if kept else f"converts it to a {eager_type or 'new value'}"


def noise_returned(s) -> str:
    """What _get_noise_shape did with a tf.shape(x) tensor, as measured eagerly and inside tf.function."""
    graph, eager = s.noise_kept_graph, s.noise_kept_eager
    if graph is None or eager is None:
        return "could not be called: it is missing from the installed TensorFlow"
    if graph == eager:
        return f"{_returned(graph, s.noise_eager_type)}, inside tf.function and eagerly alike (called now)"
    return (f"{_returned(graph, None)} inside tf.function; eagerly it "
            f"{_returned(eager, s.noise_eager_type)} (both called now)")


def differences(r) -> tuple[Difference, ...]:
    """A VersionsReport's points, worded."""
    return tuple(Difference(*ACCOUNT[p.topic], installed(p.topic, r.source), p.differs) for p in r.points)


def api_detail(name: str, missing: str | None) -> str:
    """What the installed version lacks for an API, or the API's summary."""
    from ..apis import APIS

    return missing if missing is not None else APIS[name].summary
