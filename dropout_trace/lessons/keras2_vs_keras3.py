"""Which Keras each import name gives: measured in fresh interpreters, since the choice is made at import.

One interpreter per TF_USE_LEGACY_KERAS setting: the names that share a setting are measured one after the
other in the same Python, each with its own layer (importing TensorFlow is what costs the seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from . import absent_when_none, keyed

# name -> (how the child reaches Dropout's package, TF_USE_LEGACY_KERAS for the child or None to unset it)
WAYS = {
    "keras": ("import keras as K", None),
    "tf.keras": ("import tensorflow as tf; K = tf.keras", None),
    "tf_keras": ("import tf_keras as K", None),
    "tf.keras, TF_USE_LEGACY_KERAS=1": ("import tensorflow as tf; K = tf.keras", "1"),
}

# Runs in the child: build Dropout(rate, seed=seed), call it once with training=True, and record
# (sys.setprofile) which functions Dropout.call, or a function nested in it, called: the library's own
# dispatch, not our guess. Also where Dropout.call returned, and whether it returned its own input object.
CHILD = r"""
import json, linecache, sys
{reach}
import numpy as np
import tensorflow as tf
layer = K.layers.Dropout({rate!r}, seed={seed!r})
cls = type(layer)
code, nested = cls.call.__code__, cls.call.__qualname__ + ".<locals>."
callees, seed_args, ret = [], {{}}, {{}}
def profile(frame, event, arg):
    back = frame.f_back
    if event == "call" and back and (back.f_code is code or back.f_code.co_qualname.startswith(nested)):
        name = frame.f_globals.get("__name__", "?") + "." + frame.f_code.co_qualname
        if name not in callees:
            callees.append(name)
            if "seed" in frame.f_locals:
                seed_args[name] = type(frame.f_locals["seed"]).__name__
    elif event == "return" and frame.f_code is code:
        ret.update(line=frame.f_lineno, source=linecache.getline(code.co_filename, frame.f_lineno).strip(),
                   file=code.co_filename.split("site-packages/")[-1],
                   is_input=arg is frame.f_locals.get("inputs"))
x = tf.ones((2, 3))
sys.setprofile(profile)
try:
    y = layer(x, training=True)
finally:
    sys.setprofile(None)
package = cls.__module__.split(".")[0]
print(json.dumps({{"class": cls.__module__ + "." + cls.__qualname__, "package": package,
                  "version": sys.modules[package].__version__, "seed_generator": hasattr(layer, "seed_generator"),
                  "random_generator": hasattr(layer, "_random_generator"), "callees": callees, "seed_args": seed_args,
                  "rng_type": getattr(getattr(layer, "_random_generator", None), "_rng_type", None),
                  "returned": ret, "output_equals_input": bool(np.array_equal(np.asarray(y), np.asarray(x))),
                  "kept": int(np.count_nonzero(np.asarray(y))), "elements": int(np.size(x))}}))
"""


@dataclass(frozen=True)
class Returned:
    """Where Dropout.call returned, as the child saw it (every field None: it saw no return)."""

    line: int | None = absent_when_none()
    source: str | None = absent_when_none()
    file: str | None = absent_when_none()
    is_input: bool | None = absent_when_none()  # it returned the very object it was given

    @property
    def seen(self) -> bool:
        return self.line is not None


@dataclass(frozen=True)
class Way:
    """One import name, measured in its own Python: which Dropout it gives, and what Dropout.call did."""

    code: str  # how the child reached Dropout's package
    legacy_env: str | None  # TF_USE_LEGACY_KERAS in the child (None: unset)
    python: int  # which of the fresh interpreters measured it, from 1
    cls: str = keyed("class")  # the Dropout class, module and name
    package: str
    version: str
    seed_generator: bool  # the layer has a SeedGenerator (Keras 3)
    random_generator: bool  # ... a RandomGenerator (Keras 2)
    callees: list[str]  # what Dropout.call, or a function nested in it, called, in order
    seed_args: dict[str, str]  # callee -> the type of the seed it was given
    rng_type: str | None
    returned: Returned
    output_equals_input: bool
    kept: int
    elements: int
    major: int  # Keras's major version
    calls_into: list[str]  # the dropout function Dropout.call hands the work to (a dispatcher, smart_cond, is not)


@dataclass(frozen=True)
class WayFailed:
    """One import name whose child could not measure it."""

    code: str
    legacy_env: str | None
    python: int
    error: str


@dataclass(frozen=True)
class Keras2VsKeras3:
    rate: float
    seed: int
    ways: dict[str, Way | WayFailed]  # by import name, in WAYS' order


def _env(legacy: str | None) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", KERAS_BACKEND="tensorflow")
    env.pop("TF_USE_LEGACY_KERAS", None)  # the user's own setting must not leak into the plain rows
    if legacy is not None:
        env["TF_USE_LEGACY_KERAS"] = legacy
    return env


def _results(proc: subprocess.Popen, count: int) -> list[dict]:
    """What one child printed: a dict per name it measured, in order; an error for each it did not reach."""
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return [{"error": "timed out after 120 s"}] * count
    found = [json.loads(line) for line in out.splitlines() if line.startswith("{")][:count]
    if len(found) < count:
        said = [line for line in err.strip().splitlines() if line.strip()]
        error = said[-1] if said else f"exit status {proc.returncode}"
        found += [{"error": error}] * (count - len(found))
    return found


def _way(name: str, legacy: str | None, python: int, found: dict) -> Way | WayFailed:
    """One name's facts from what its child printed (or the error in its place)."""
    code = WAYS[name][0]
    if "error" in found:
        return WayFailed(code, legacy, python, found["error"])
    return Way(code=code, legacy_env=legacy, python=python, cls=found["class"], package=found["package"],
               version=found["version"], seed_generator=found["seed_generator"],
               random_generator=found["random_generator"], callees=found["callees"], seed_args=found["seed_args"],
               rng_type=found["rng_type"], returned=Returned(**found["returned"]),
               output_equals_input=found["output_equals_input"], kept=found["kept"], elements=found["elements"],
               major=int(found["version"].split(".")[0]),
               calls_into=[c for c in found["callees"] if c.rsplit(".", 1)[-1] == "dropout"])


def compute(p) -> Keras2VsKeras3:
    from .. import status
    from ..pause import Children

    by_env: dict[str | None, list[str]] = {}
    for name, (_, legacy) in WAYS.items():
        by_env.setdefault(legacy, []).append(name)
    # The children start at once: each spends seconds importing TensorFlow. Ctrl-C, SIGTERM or an error ends
    # those still running (Children), so none outlives the command.
    with Children() as children:
        procs = {legacy: children.start(
                     [sys.executable, "-c", "\n".join(CHILD.format(reach=WAYS[n][0], rate=p.rate, seed=p.seed)
                                                       for n in names)],
                     env=_env(legacy), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for legacy, names in by_env.items()}
        measured, total = {}, len(by_env)
        for python, (legacy, names) in enumerate(by_env.items(), 1):
            status.say(f"measuring in {total} fresh Pythons at once (each loads TensorFlow): "
                       f"{python - 1} of {total} done…")
            for name, found in zip(names, _results(procs[legacy], len(names))):
                measured[name] = _way(name, legacy, python, found)
        status.say(f"measuring in {total} fresh Pythons at once: {total} of {total} done")
        return Keras2VsKeras3(rate=p.rate, seed=p.seed, ways={name: measured[name] for name in WAYS})
