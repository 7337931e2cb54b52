"""dropout-trace: step through the real TensorFlow/Keras Dropout call chain."""

__version__ = "0.1.0"
