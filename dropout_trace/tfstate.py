"""TensorFlow's and Keras's process-wide settings: a trace starts from a clean process's, and leaves the caller's.

A trace runs inside someone else's process (the shell, a notebook, a test): the global seed,
run_functions_eagerly, the mixed-precision policy and the layer-name counters there are theirs. Each
setting the trace touches or depends on is one entry of SETTINGS: how to save it, how to give it the
value a fresh process has, and how to put a saved value back. Entries read only modules already in
sys.modules; nothing here imports TensorFlow or Keras. The values were read from the installed
sources (TensorFlow 2.21, Keras 3.15, tf-keras 2.21); a module or attribute a version lacks is skipped.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

_ABSENT = object()  # an attribute that does not exist (a fresh context has no _rng at all)
_NOT_LOADED = object()  # the setting's module was not imported when the body began
_UNAVAILABLE = object()  # the installed version lacks what the entry reads: left alone


@dataclass(frozen=True)
class Setting:
    """One process-wide (or, with per_thread, this thread's) setting a trace depends on."""

    name: str
    module: str  # acted on only when this module is in sys.modules
    save: Callable[[Any], Any]  # module -> the value now
    fresh: Callable[[Any], None]  # module -> give it the value a new process has
    restore: Callable[[Any, Any], None]  # module, saved value -> put it back
    per_thread: bool = False  # threading.local state: saved and restored in the thread that entered


def _get(obj, attr):
    return getattr(obj, attr, _ABSENT)


def _put(obj, attr, value) -> None:
    if value is _ABSENT:
        if hasattr(obj, attr):
            delattr(obj, attr)
    else:
        setattr(obj, attr, value)


def _attr(name: str, module: str, attr: str, fresh, per_thread: bool = False) -> Setting:
    """A module attribute; `fresh` is its new-process value, or a function of the module giving it."""
    value = fresh if callable(fresh) else (lambda m: fresh)

    def save(m):
        if not hasattr(m, attr):
            raise AttributeError(attr)  # this version lacks it: skipped
        return getattr(m, attr)

    return Setting(name, module, save, lambda m: setattr(m, attr, value(m)), lambda m, v: setattr(m, attr, v),
                   per_thread)


# -- TensorFlow's eager context (tensorflow/python/eager/context.py) -------------------------------
_CONTEXT = "tensorflow.python.eager.context"


def _ctx(m):
    return m._context  # None until TensorFlow makes its context; context() would make one


def _seed_save(m):
    ctx = _ctx(m)
    if ctx is None:
        return None
    rng = _get(ctx, "_rng")  # random.Random(seed), made by _set_global_seed; it draws each op seed
    return ctx, _get(ctx, "_seed"), rng, None if rng is _ABSENT or rng is None else rng.getstate()


def _seed_fresh(m):
    ctx = _ctx(m)
    if ctx is not None:  # never tf.random.set_seed: it clears the kernel cache
        ctx._seed = None
        _put(ctx, "_rng", _ABSENT)


def _seed_restore(m, saved):
    if saved is None or _ctx(m) is not saved[0]:
        _seed_fresh(m)
        return
    ctx, seed, rng, state = saved
    _put(ctx, "_seed", seed)
    if state is not None:
        rng.setstate(state)
    _put(ctx, "_rng", rng)


def _config(attr: str, fresh) -> tuple:
    """save, fresh, restore for a context attribute that feeds the functions' ConfigProto.

    A dict (grappler's options) is copied when saved and refilled in place, as its public setter updates it.
    """

    def put(m, value):
        ctx = _ctx(m)
        current = _get(ctx, attr)
        if ctx is None or current is _ABSENT or current == value:  # no context yet, or this version lacks it
            return
        if isinstance(current, dict):
            current.clear()
            current.update(value)
        else:
            setattr(ctx, attr, value)
        ctx._thread_local_data.function_call_options = None  # as the public setters do: rebuilt from the config

    def save(m):
        value = _get(_ctx(m), attr)  # _ABSENT without a context: it gets the fresh value when put back
        return dict(value) if isinstance(value, dict) else value

    return save, lambda m: put(m, fresh), lambda m, v: put(m, fresh if v is _ABSENT else v)


def _callbacks_save(m):
    ctx = _ctx(m)
    return None if ctx is None else list(ctx.op_callbacks)


def _callbacks_put(m, callbacks):
    ctx = _ctx(m)
    if ctx is not None:
        ctx.op_callbacks[:] = callbacks or []


# -- op determinism (tensorflow/python/util/_pywrap_determinism) ----------------------------------
def _determinism_fresh_value() -> bool:
    """A new process reads TF_DETERMINISTIC_OPS until enable_op_determinism is called."""
    return os.environ.get("TF_DETERMINISTIC_OPS", "").strip().lower() in ("1", "true")


def _determinism_put(m, value: bool) -> None:
    if m.is_enabled() != value:  # only when it differs: an untouched process keeps reading the variable
        m.enable(value)


# -- Keras's config file (keras/src/backend/config.py, tf_keras/src/backend.py) --------------------
def _keras_json(folder: str) -> dict:
    """What a new process reads from keras.json for floatx and image_data_format ({} without the file)."""
    try:
        with open(os.path.expanduser(os.path.join(folder, "keras.json"))) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _keras3_config(key: str, default: str):
    return lambda m: _keras_json(m.keras_home()).get(key, default)


def _tf_keras_floatx(m) -> str:
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return _keras_json(home).get("floatx", "float32")


# -- Keras 3's global state (keras/src/backend/common/global_state.py): a threading.local ------------
def _keras_state_save(m):
    """The tracker object and this thread's attributes: dtype_policy, object_name_uids (layer names),
    global_seed_generator, global_random_seed, and any scope entered (stateless, symbolic, autocast, call)."""
    tracker = m.GLOBAL_STATE_TRACKER
    return tracker, {k: (dict(v) if k == "object_name_uids" else v) for k, v in vars(tracker).items()}, \
        vars(tracker).get("object_name_uids")


def _keras_state_fresh(m):
    vars(m.GLOBAL_STATE_TRACKER).clear()


def _keras_state_restore(m, saved):
    tracker, values, uids = saved
    m.GLOBAL_STATE_TRACKER = tracker  # clear_session in the body swaps in a new tracker
    state = vars(tracker)
    state.clear()
    state.update(values)
    if uids is not None:  # the same counter object, so a caller holding it sees its counts continue
        uids.clear()
        uids.update(values["object_name_uids"])
        state["object_name_uids"] = uids


# -- tf-keras's layer-name counters (tf_keras/src/backend.py) ----------------------------------------
def _tf_keras_names_save(m):
    return ({graph: (uids, dict(uids)) for graph, uids in m.PER_GRAPH_OBJECT_NAME_UIDS.items()},
            set(m.OBSERVED_NAMES))


def _tf_keras_names_fresh(m):
    m.PER_GRAPH_OBJECT_NAME_UIDS.clear()
    m.OBSERVED_NAMES.clear()


def _tf_keras_names_restore(m, saved):
    per_graph, observed = saved
    _tf_keras_names_fresh(m)
    for graph, (uids, counts) in per_graph.items():
        uids.clear()
        uids.update(counts)
        m.PER_GRAPH_OBJECT_NAME_UIDS[graph] = uids
    m.OBSERVED_NAMES.update(observed)


_TF_KERAS = "tf_keras.src.backend"

SETTINGS: tuple[Setting, ...] = (
    # TensorFlow
    Setting("tf global seed (context _seed, _rng)", _CONTEXT, _seed_save, _seed_fresh, _seed_restore),
    _attr("tf global generator", "tensorflow.python.ops.stateful_random_ops", "global_generator", None),
    _attr("tf.config.run_functions_eagerly", "tensorflow.python.eager.polymorphic_function.eager_function_run",
          "RUN_FUNCTIONS_EAGERLY", False),
    Setting("tf op determinism", "tensorflow.python.util._pywrap_determinism", lambda m: m.is_enabled(),
            lambda m: _determinism_put(m, _determinism_fresh_value()), _determinism_put),
    Setting("tf.config.optimizer jit", _CONTEXT, *_config("_optimizer_jit", None)),
    Setting("tf.config.optimizer experimental options (grappler)", _CONTEXT,
            *_config("_optimizer_experimental_options", {})),
    Setting("tf MLIR graph optimization", _CONTEXT, *_config("_enable_mlir_graph_optimization", None)),
    Setting("tf op callbacks (enable_check_numerics, dump_debug_info)", _CONTEXT, _callbacks_save,
            lambda m: _callbacks_put(m, []), _callbacks_put, per_thread=True),
    # Keras 3
    Setting("keras global state (policy, name uids, seed generator, scopes)", "keras.src.backend.common.global_state",
            _keras_state_save, _keras_state_fresh, _keras_state_restore, per_thread=True),
    _attr("keras floatx", "keras.src.backend.config", "_FLOATX", _keras3_config("floatx", "float32")),
    _attr("keras image_data_format (spatial dropout axes)", "keras.src.backend.config", "_IMAGE_DATA_FORMAT",
          _keras3_config("image_data_format", "channels_last")),
    # tf-keras
    _attr("tf_keras global policy", "tf_keras.src.mixed_precision.policy", "_global_policy", None),
    _attr("tf_keras floatx", "tf_keras.src.backend_config", "_FLOATX", _tf_keras_floatx),
    _attr("tf_keras v2 dtype behavior", "tf_keras.src.engine.base_layer_utils", "V2_DTYPE_BEHAVIOR", None),
    Setting("tf_keras name uids", _TF_KERAS, _tf_keras_names_save, _tf_keras_names_fresh, _tf_keras_names_restore),
    _attr("tf_keras tf.random.Generator switch", _TF_KERAS, "_USE_GENERATOR_FOR_RNG", False),
    Setting("tf_keras set_random_seed generator", _TF_KERAS, lambda m: _get(m._SEED_GENERATOR, "generator"),
            lambda m: _put(m._SEED_GENERATOR, "generator", _ABSENT),
            lambda m, v: _put(m._SEED_GENERATOR, "generator", v), per_thread=True),
    # Python: Keras 3 and tf-keras draw an unseeded layer's seed from it; a fresh process seeds it from OS
    # entropy, so two unseeded runs differ. (NumPy's global RandomState: nothing in a trace draws from it.)
    Setting("python random (Keras's make_default_seed)", "random", lambda m: m.getstate(), lambda m: m.seed(),
            lambda m, v: m.setstate(v)),
)


class _Frame:
    """One `with isolated()`: the values it saved, process-wide and per thread."""

    def __init__(self, saved: dict[Setting, Any]):
        self.shared = {s: v for s, v in saved.items() if not s.per_thread}
        self.local = {s: v for s, v in saved.items() if s.per_thread}


_LOCK = threading.Lock()
_OPEN: list[_Frame] = []  # frames not yet closed, oldest first, across threads


def _module(setting: Setting):
    return sys.modules.get(setting.module)


def _enter() -> _Frame:
    saved = {}
    for setting in SETTINGS:
        m = _module(setting)
        try:
            saved[setting] = _NOT_LOADED if m is None else setting.save(m)
        except (AttributeError, TypeError):
            saved[setting] = _UNAVAILABLE
    for setting, value in saved.items():
        if value is not _NOT_LOADED and value is not _UNAVAILABLE:
            setting.fresh(_module(setting))
    return _Frame(saved)


def _put_back(values: dict[Setting, Any]) -> list[BaseException]:
    """Every value back (fresh where the module was loaded during the body); each entry on its own."""
    errors = []
    for setting, value in values.items():
        m = _module(setting)
        if m is None or value is _UNAVAILABLE:
            continue
        try:
            if value is _NOT_LOADED:  # imported during the body: what a fresh process has, if this version has it
                setting.save(m)
                setting.fresh(m)
            else:
                setting.restore(m, value)
        except (AttributeError, TypeError) as exc:
            if value is not _NOT_LOADED:
                errors.append(exc)
        except Exception as exc:  # the other settings are still put back
            errors.append(exc)
    return errors


@contextmanager
def isolated():
    """Run the body with a fresh process's settings; put the caller's back afterwards. Re-entrant; imports nothing.

    Nested use restores each level's own values. Bodies that overlap in two threads close in any order:
    a frame closed before a newer one hands its process-wide values to that one, so the caller's values
    are what comes back when the last closes. Per-thread values always return to their own thread.
    """
    with _LOCK:
        frame = _enter()
        _OPEN.append(frame)
    failed = True
    try:
        yield
        failed = False
    finally:
        with _LOCK:
            at = _OPEN.index(frame)
            del _OPEN[at]
            if at < len(_OPEN):  # a newer frame is still open: it restores these values when it closes
                _OPEN[at].shared = frame.shared
                errors = []
            else:
                errors = _put_back(frame.shared)
        errors += _put_back(frame.local)
        if errors and not failed:  # never hide the body's own exception behind a restore error
            raise errors[0]
