"""Import TensorFlow and Keras quietly: no C++ log spam or oneDNN notices in the user's terminal."""

from __future__ import annotations

import os
import sys
import tempfile

_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ INFO/WARNING/ERROR logs
    "TF_ENABLE_ONEDNN_OPTS": "0",  # the oneDNN "custom operations are on" notice
    "KERAS_BACKEND": "tensorflow",  # the trace follows the TensorFlow backend
    "GRPC_VERBOSITY": "ERROR",
}


class TensorFlowImportError(RuntimeError):
    """TensorFlow or Keras failed to import; carries what they wrote to stderr."""


class DeviceSetupError(RuntimeError):
    """TensorFlow already started with fewer logical CPU devices than a run needs."""


def quiet_environment() -> None:
    """Set the logging variables; must run before TensorFlow is imported. A user's own setting wins."""
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)


def import_tensorflow(logical_cpus: int | None = None):
    """Return (tensorflow, keras), holding back what their native code prints while loading.

    Some messages (the CUDA stub probe, absl's pre-init warning) are written to file
    descriptor 2 before any log level applies, so the descriptor itself is parked in a
    temporary file during the import and replayed only if the import fails.
    `logical_cpus` splits the physical CPU into that many logical devices (for
    MirroredStrategy); TensorFlow allows this only before its first op runs.
    """
    quiet_environment()
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        tf = sys.modules["tensorflow"]
        if logical_cpus:
            split_cpu(tf, logical_cpus)
        return tf, sys.modules["keras"]
    from . import status

    status.say("loading TensorFlow (a few seconds, once per process)…")
    try:
        return _import(logical_cpus)
    finally:
        status.clear()


def _import(logical_cpus: int | None):
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as parked:
        os.dup2(parked.fileno(), 2)
        try:
            import tensorflow as tf
            import keras

            if logical_cpus:
                split_cpu(tf, logical_cpus)
            tf.constant(0.0)  # device discovery also prints; do it while parked
        except DeviceSetupError:
            raise
        except Exception as exc:  # replay what the import said, then explain
            os.dup2(saved, 2)
            parked.seek(0)
            said = parked.read().decode(errors="replace").strip()
            raise TensorFlowImportError(f"could not import TensorFlow/Keras: {exc}\n{said}") from exc
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
    tf.get_logger().setLevel("ERROR")
    return tf, keras


def split_cpu(tf, n: int) -> None:
    """Make n logical CPU devices; if TensorFlow already started with fewer, say so clearly."""
    try:
        cpu = tf.config.list_physical_devices("CPU")[0]
        if tf.config.get_logical_device_configuration(cpu) is None:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError:  # the runtime is initialised: its devices are fixed now
        pass
    have = len(tf.config.list_logical_devices("CPU"))
    if have < n:
        raise DeviceSetupError(
            f"{n} replicas need {n} logical CPU devices, but TensorFlow was already started in this process "
            f"with {have}; devices can only be split before TensorFlow runs its first op, so run it in a fresh "
            f"process, e.g. python -m dropout_trace run --replicas {n} ...")
