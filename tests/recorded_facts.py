"""Facts of the commands that are not one trace (explain topics, compare, versions, stats), recorded as
plain JSON, so the views can word them without TensorFlow (tests/unit/test_reach_narrate.py).

Each record names its class by module and name (tests regenerate the files after a move);
arrays keep dtype, shape and exact values. Recorded by `DROPOUT_TRACE_REGEN=1 python -m pytest
tests/test_reach_record.py`, from the installed TensorFlow and Keras.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "snapshots" / "facts"


def encode(value):
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, enum.Enum):
        return {"enum": f"{type(value).__module__}:{type(value).__qualname__}", "name": value.name}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"class": f"{type(value).__module__}:{type(value).__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (frozenset, set)):
        return {"frozenset": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, np.ndarray):
        return {"ndarray": value.dtype.name, "shape": list(value.shape),
                "values": [encode(float(v)) if value.dtype.kind == "f" else v for v in value.ravel().tolist()]}
    if isinstance(value, np.generic):
        return {"scalar": value.dtype.name, "value": encode(value.item())}
    raise TypeError(f"no recorded form for {type(value).__module__}.{type(value).__qualname__}")


def _named(spec: str):
    module, name = spec.split(":")
    found = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def decode(data):
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "float" in data:
        return float(data["float"])
    if "enum" in data:
        return _named(data["enum"])[data["name"]]
    if "class" in data:
        cls = _named(data["class"])
        fields = {k: decode(v) for k, v in data["fields"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        made = cls(**{k: v for k, v in fields.items() if k in init})
        for k in fields.keys() - init:  # a field the dataclass computes itself: as recorded
            object.__setattr__(made, k, fields[k])
        return made
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["dict"]}
    if "frozenset" in data:
        return frozenset(decode(v) for v in data["frozenset"])
    if "ndarray" in data:
        values = [decode(v) for v in data["values"]]
        return np.array(values, dtype=data["ndarray"]).reshape(data["shape"])
    if "scalar" in data:
        return np.dtype(data["scalar"]).type(decode(data["value"]))
    raise ValueError(f"not a recorded value: {sorted(data)}")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def save(name: str, value) -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    (HERE / f"{name}.json").write_text(json.dumps(encode(value), indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")


def load(name: str):
    return decode(json.loads((HERE / f"{name}.json").read_text(encoding="utf-8")))


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))
