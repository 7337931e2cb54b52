"""dropout-trace: step through the real TensorFlow/Keras Dropout call chain."""

import sys
import types

from .version import __version__


def trace(rate=None, shape=None, **options):
    """Trace one Dropout call, e.g. trace(rate=0.3, shape=(None, 4)); see dropout_trace.notebook.trace."""
    from .notebook import trace as run

    return run(rate, shape, **options)


class _Package(types.ModuleType):
    """Keeps `dropout_trace.trace` the function above: importing the submodule of the same name would
    otherwise rebind it to the module (the submodule stays importable as `from dropout_trace.trace import ...`)."""

    def __setattr__(self, name, value):
        if name == "trace" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
