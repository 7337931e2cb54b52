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


def quiet_environment() -> None:
    """Set the logging variables; must run before TensorFlow is imported. A user's own setting wins."""
    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)


def import_tensorflow():
    """Return (tensorflow, keras), holding back what their native code prints while loading.

    Some messages (the CUDA stub probe, absl's pre-init warning) are written to file
    descriptor 2 before any log level applies, so the descriptor itself is parked in a
    temporary file during the import and replayed only if the import fails.
    """
    quiet_environment()
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"], sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as parked:
        os.dup2(parked.fileno(), 2)
        try:
            import tensorflow as tf
            import keras

            tf.constant(0.0)  # device discovery also prints; do it while parked
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
