"""Every package under dropout_trace/ ships: a non-editable `pip install .` installs only the packages
pyproject.toml lists, so a new subpackage left out would work in a checkout and fail once installed."""

import pathlib

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "dropout_trace").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    mapped = set(config.get("package-dir", {}))
    assert listed - found - mapped == set(), "listed but not in dropout_trace/"
