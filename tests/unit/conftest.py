"""The TF-free tier: when a run collects only tests/unit, importing TensorFlow, Keras or tf-keras fails.

So a test here that reaches the library, directly or through the package, fails instead of quietly
paying for the import: `python -m pytest tests/unit` proves the modules it tests need no TensorFlow.
In the full run (`python -m pytest -n 2`) the guard stays off and these tests run beside the rest.
"""

from __future__ import annotations

import importlib.abc
import sys
from pathlib import Path

BLOCKED = ("tensorflow", "keras", "tf_keras")
UNIT = Path(__file__).resolve().parent


class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} imported in the TF-free tier (tests/unit): the code under test needs no "
                              "TensorFlow, or the test belongs in tests/")
        return None


def _only_unit(config) -> bool:
    paths = [Path(str(a).split("::")[0]).resolve() for a in config.args] or [Path.cwd()]
    return all(p == UNIT or UNIT in p.parents for p in paths)


def pytest_configure(config):
    if _only_unit(config):
        already = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not already, f"imported before the unit tier started: {already}"
        sys.meta_path.insert(0, NoTensorFlow())
