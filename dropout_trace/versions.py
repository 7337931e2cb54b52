"""What is installed, which APIs it offers, and where its dropout differs from the TF 2.9 account."""

from __future__ import annotations

import importlib
import platform
import re
from importlib import metadata
from dataclasses import dataclass, replace

from .apis import APIS, LANDMARKS, LOCALS
from .apis.tf_keras import default_rng
from .landmarks import FunctionRef, find, function_source


@dataclass(frozen=True)
class Where:
    """Where a landmark lives in the installed version, or why it is missing."""

    ref: FunctionRef | None
    missing: str | None = None


@dataclass(frozen=True)
class SourceFacts:
    """What the installed source says on the points where the TF 2.9 account and today differ."""

    mask_line: str  # the line of _dropout that applies the mask ('' if none matched)
    dropout_where: Where  # where _dropout lives, or why it is missing
    scale_line: str
    rng_branches: tuple[str, ...]  # RandomGenerator.dropout's rng_type branches
    rng_where: Where
    rng_default: str | None  # tf_keras's default branch here
    tf_keras_module: str  # the module tf.keras.layers.Dropout comes from
    noise_line: str  # Keras 3's tf.shape(inputs) line
    noise_where: Where
    # What _get_noise_shape returned for a tf.shape(x) tensor, measured now: eagerly and inside tf.function
    # (True: the very tensor it was given; False: something else; None: not measured).
    noise_kept_eager: bool | None = None
    noise_kept_graph: bool | None = None
    noise_eager_type: str | None = None  # the type it returned eagerly, e.g. "TensorShape"

    @property
    def keras3(self) -> bool:
        """tf.keras is Keras 3 (else Keras 2)."""
        return self.tf_keras_module.startswith("keras.")


@dataclass(frozen=True)
class Point:
    """One point of the widely read TF 2.9 / Keras 2.9 account, and whether the installed source differs."""

    topic: str  # "mask_applied", "scale", "rng_branches", "tf_keras", "noise_shape"
    differs: bool


def points(s: SourceFacts) -> tuple[Point, ...]:
    """The TF 2.9 / Keras 2.9 account, point by point, against what the installed source says."""
    return (Point("mask_applied", "where_v2" in s.mask_line), Point("scale", not s.scale_line),
            Point("rng_branches", bool(s.rng_branches)), Point("tf_keras", s.keras3),
            Point("noise_shape", bool(s.noise_line)))


@dataclass(frozen=True)
class VersionsReport:
    versions: dict
    apis: tuple  # (name, available, what the installed version lacks, or None)
    source: SourceFacts
    points: tuple[Point, ...]
    landmarks: tuple = ()  # (key, function, found, file:line or why missing, ((local, found), ...))


def installed(tf, keras) -> dict:
    """Python, TensorFlow, Keras and tf-keras versions; tf-keras read from its metadata, not imported."""
    found = {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}
    try:
        found["tf_keras"] = metadata.version("tf-keras")
    except metadata.PackageNotFoundError:
        found["tf_keras"] = None
    return found


def _source(key: str) -> tuple[str, Where]:
    """(source text, where it lives) of a landmark in the installed version, or ('', why it is missing)."""
    lm = find(key, *LANDMARKS[key])
    if not lm.found:
        return "", Where(None, lm.missing)
    lines, _ = function_source(lm.code)
    return "".join(lines), Where(lm.ref)


def _line_of(key: str, pattern: str) -> str:
    """The first line of a landmark's installed source matching pattern, stripped, or ''."""
    text, _ = _source(key)
    return next((line.strip() for line in text.splitlines() if re.search(pattern, line)), "")


def noise_shape_returned(tf) -> tuple[bool | None, bool | None, str | None]:
    """Call the installed _get_noise_shape on tf.shape(x), eagerly and while a tf.function traces: (returned
    the same tensor eagerly, ... in the graph, the type returned eagerly); Nones where it is missing."""
    module, qualname = LANDMARKS["tf._get_noise_shape"]
    if not find("tf._get_noise_shape", module, qualname).found:
        return None, None, None
    fn = getattr(importlib.import_module(module), qualname)
    x = tf.zeros((2, 3))
    shape = tf.shape(x)
    eager = fn(x, shape)
    seen = []

    @tf.function(input_signature=[tf.TensorSpec((None, 3), tf.float32)])
    def traced(t):
        s = tf.shape(t)
        seen.append(fn(t, s) is s)
        return s

    traced.get_concrete_function()
    return eager is shape, seen[0], type(eager).__name__


def report() -> VersionsReport:
    from .tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    found = installed(tf, keras)
    module = tf.keras.layers.Dropout.__module__

    apis = []
    for name, api in APIS.items():
        missing = [find(k, *LANDMARKS[k]) for rng in api.rngs for k in api.landmark_keys(rng)]
        missing = [lm.missing for lm in missing if not lm.found]
        apis.append((name, not missing, missing[0] if missing else None))
    landmarks = []
    for key, (where, qualname) in LANDMARKS.items():
        lm = find(key, where, qualname)
        names = tuple((n, lm.found and n in lm.code.co_varnames) for n in LOCALS.get(key, ()))
        landmarks.append((key, f"{where}.{qualname}", lm.found,
                          f"{lm.ref.file}:{lm.ref.line}" if lm.found else lm.missing, names))

    rg_text, rg_where = _source("tf_keras.RandomGenerator.dropout")
    default = None
    try:
        default = default_rng()
    except ImportError:
        pass
    facts = SourceFacts(
        mask_line=_line_of("tf._dropout", r"where_v2\(|cast\(keep_mask"), dropout_where=_source("tf._dropout")[1],
        scale_line=_line_of("tf._dropout", r"scale = 1 / keep_prob"),
        rng_branches=tuple(b for b in ("RNG_STATEFUL", "RNG_STATELESS") if b in rg_text), rng_where=rg_where,
        rng_default=default, tf_keras_module=module,
        noise_line=_line_of("keras._get_concrete_noise_shape", r"tf\.shape\(inputs\)"),
        noise_where=_source("keras._get_concrete_noise_shape")[1])
    facts = replace(facts, **dict(zip(("noise_kept_eager", "noise_kept_graph", "noise_eager_type"),
                                      noise_shape_returned(tf))))
    return VersionsReport(found, tuple(apis), facts, points(facts), tuple(landmarks))
