"""What is installed, which APIs it offers, and where its dropout differs from the TF 2.9 account."""

from __future__ import annotations

import platform
import re
from importlib import metadata
from dataclasses import dataclass

from .apis import APIS, LANDMARKS, LOCALS, RNGS
from .landmarks import find, function_source


@dataclass(frozen=True)
class Difference:
    topic: str
    account: str  # what the widely read TF 2.9 / Keras 2.9 account says
    installed: str  # what the installed source does, with where it was read
    differs: bool


@dataclass(frozen=True)
class VersionsReport:
    versions: dict
    tf_keras_is: str  # what `tf.keras` resolves to
    apis: tuple  # (name, available, detail)
    differences: tuple[Difference, ...]
    landmarks: tuple = ()  # (key, function, found, file:line or why missing, ((local, found), ...))


def installed(tf, keras) -> dict:
    """Python, TensorFlow, Keras and tf-keras versions; tf-keras read from its metadata, not imported."""
    found = {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}
    try:
        found["tf_keras"] = metadata.version("tf-keras")
    except metadata.PackageNotFoundError:
        found["tf_keras"] = None
    return found


def _source(key: str) -> tuple[str, str]:
    """(source text, 'file:line') of a landmark in the installed version, or ('', reason)."""
    lm = find(key, *LANDMARKS[key])
    if not lm.found:
        return "", lm.missing
    lines, _ = function_source(lm.code)
    return "".join(lines), f"{lm.ref.qualname} in {lm.ref.file}:{lm.ref.line}"


def _line_of(key: str, pattern: str) -> str:
    """The first line of a landmark's installed source matching pattern, stripped, or ''."""
    text, _ = _source(key)
    return next((line.strip() for line in text.splitlines() if re.search(pattern, line)), "")


def report() -> VersionsReport:
    from .tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    found = installed(tf, keras)
    module = tf.keras.layers.Dropout.__module__
    tf_keras_is = (f"Keras 3 ({module})" if module.startswith("keras.") else f"Keras 2 ({module})")

    apis = []
    for name, api in APIS.items():
        rngs = RNGS if name == "tf-keras" else (None,)
        missing = [find(k, *LANDMARKS[k]) for rng in rngs for k in api.landmark_keys(rng)]
        missing = [lm.missing for lm in missing if not lm.found]
        apis.append((name, not missing, missing[0] if missing else api.summary))
    landmarks = []
    for key, (module, qualname) in LANDMARKS.items():
        lm = find(key, module, qualname)
        names = tuple((n, lm.found and n in lm.code.co_varnames) for n in LOCALS.get(key, ()))
        landmarks.append((key, f"{module}.{qualname}", lm.found,
                          f"{lm.ref.file}:{lm.ref.line}" if lm.found else lm.missing, names))

    diffs = []
    mask_line = _line_of("tf._dropout", r"where_v2\(|cast\(keep_mask")
    _, where = _source("tf._dropout")
    diffs.append(Difference(
        "how the mask is applied",
        "x * scale * cast(keep_mask): a Mul by the mask cast to x's dtype (TF 2.10 and earlier)",
        f"`{mask_line}` ({where})" if mask_line else f"not found in {where}",
        "where_v2" in mask_line))
    scale_line = _line_of("tf._dropout", r"scale = 1 / keep_prob")
    diffs.append(Difference(
        "the scale", "scale = 1 / (1 - rate) in Python, cast to x's dtype, multiplied in",
        f"`{scale_line}` ({where})" if scale_line else f"no `scale = 1 / keep_prob` line in {where}",
        not scale_line))
    rg_text, rg_where = _source("tf_keras.RandomGenerator.dropout")
    branches = [b for b in ("RNG_STATEFUL", "RNG_STATELESS") if b in rg_text]
    default = ""
    try:
        from tf_keras.src import backend as k2

        default = "stateful" if k2.is_tf_random_generator_enabled() else "legacy (tf.nn.dropout)"
    except ImportError:
        pass
    diffs.append(Difference(
        "Keras 2's RandomGenerator.dropout",
        "Keras 2.9: no rng_type branches; without a tf.random.Generator it calls tf.nn.dropout "
        "(stateless_dropout only with the generator enabled)",
        (f"branches on {', '.join(branches)} and legacy ({rg_where}); default here: {default}"
         if branches else f"no rng_type branches ({rg_where})"),
        bool(branches)))
    diffs.append(Difference(
        "which Keras tf.keras is", "Keras 2 (keras 2.9): Dropout.call -> BaseRandomLayer's RandomGenerator",
        tf_keras_is, module.startswith("keras.")))
    noise_line = _line_of("keras._get_concrete_noise_shape", r"tf\.shape\(inputs\)")
    _, noise_where = _source("keras._get_concrete_noise_shape")
    diffs.append(Difference(
        "where tf.shape(x) is taken", "nn_ops._get_noise_shape returns array_ops.shape(x)",
        (f"Keras 3 takes `{noise_line}` first ({noise_where}); _get_noise_shape then passes the tensor through"
         if noise_line else f"no tf.shape(inputs) in {noise_where}"),
        bool(noise_line)))
    return VersionsReport(found, tf_keras_is, tuple(apis), tuple(diffs), tuple(landmarks))
