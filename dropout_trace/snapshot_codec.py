"""A Snapshot as versioned, diffable JSON, and back: plain data only, no pickle, no TensorFlow.

Each record is written as an object naming its class by its short name (never a module path, so moving
a module does not break a recording); the reader rebuilds it from the classes listed in `CLASSES`.
JSON has fewer kinds than Python, so the kinds a record holds are spelled out:
- a JSON array is a tuple (records are frozen, and nearly every sequence in them is a tuple);
- every JSON object has a "class": a record's class name, or "list", "dict", "frozenset", "float"
  (nan and the infinities), "ndarray", "scalar" (a numpy scalar) or "same" (an array written
  before, by its "id": one captured array in several places stays one object);
- an array keeps its dtype and shape; its values are written as numbers, each the shortest decimal
  that reads back to the same value in that dtype (the writer checks every array restores bit for
  bit), and as raw bits only when no numbers would (a NaN's payload).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from .landmarks import FunctionRef
from .model import ListView, PyValue, TensorView
from .snapshot import (BackwardGraph, CallRecord, Event, GradientCall, LandmarkInfo, Refusal, ReplicaRecord, Snapshot,
                       StackFrame)
from .spec import RunSpec

FORMAT = "dropout-trace snapshot"
FORMAT_VERSION = 1
CLASSES = {c.__name__: c for c in (Snapshot, RunSpec, LandmarkInfo, FunctionRef, Event, StackFrame, CallRecord,
                                   ReplicaRecord, Refusal, TensorView, ListView, PyValue, BackwardGraph, GradientCall)}
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_WIDTH = 100  # a container whose one-line form fits this is written on one line


class SnapshotFormatError(ValueError):
    """A file that is not a snapshot this version of the codec reads."""


def encode(value, where: str = "snapshot"):
    """A record, or anything a record holds, as plain JSON data."""
    return _Encoder(value).encode(value, where)


class _Encoder:
    """Writes an array (or numpy scalar) held in several places once, with an "id"; the other places say
    {"class": "same", "id": n}. Which captured values are one object is data: the JSON view names an
    integer array once only where it is one captured array."""

    def __init__(self, root):
        self.held, self.ids = {}, {}
        self._count(root)

    def _count(self, value) -> None:
        if isinstance(value, (np.ndarray, np.generic)):
            self.held[id(value)] = self.held.get(id(value), 0) + 1
            return
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = [getattr(value, f.name) for f in dataclasses.fields(value)]
        elif isinstance(value, dict):
            value = [*value.keys(), *value.values()]
        if isinstance(value, (tuple, list, frozenset)):
            for v in value:
                self._count(v)

    def encode(self, value, where: str):
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"class": "float", "value": repr(value)}
        if kind is tuple:
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if kind is list:
            return {"class": "list", "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if kind is frozenset:
            return {"class": "frozenset", "items": [self.encode(v, where) for v in sorted(value, key=repr)]}
        if kind is dict:
            if all(type(k) is str for k in value):
                return {"class": "dict", "items": {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
            return {"class": "dict", "pairs": [[self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                                               for k, v in value.items()]}
        if isinstance(value, (np.ndarray, np.generic)):
            return self._array(value, where)
        if dataclasses.is_dataclass(value) and CLASSES.get(kind.__name__) is kind:
            fields = {f.name: self.encode(getattr(value, f.name), f"{where}.{f.name}")
                      for f in dataclasses.fields(value) if not _unset(f, getattr(value, f.name))}
            return {"class": kind.__name__, **fields}
        raise TypeError(f"{where}: a {kind.__module__}.{kind.__qualname__} has no snapshot form; add it to the codec")

    def _array(self, value, where: str) -> dict:
        if id(value) in self.ids:
            return {"class": "same", "id": self.ids[id(value)]}
        shared = {}
        if self.held.get(id(value), 0) > 1:
            shared = {"id": self.ids.setdefault(id(value), len(self.ids) + 1)}
        if type(value) is np.ndarray:
            return {"class": "ndarray", **shared, "dtype": value.dtype.name, "shape": list(value.shape),
                    **_numbers(value, where)}
        array = np.asarray(value)
        return {"class": "scalar", **shared, "dtype": array.dtype.name, **_numbers(array, where)}


def _unset(f: dataclasses.Field, value) -> bool:
    """A field added to a record after recordings were made, left empty: not written, so an older recording
    reads back to its own text (it decodes to the default)."""
    return bool(f.metadata.get("written_when_set")) and (value is None or (type(value) is tuple and not value))


def _numbers(array: np.ndarray, where: str) -> dict:
    """{"data": nested numbers} when they restore the array bit for bit, else {"bits": nested integers}."""
    if array.dtype.kind not in "biuf" and array.dtype.name != "bfloat16":
        raise TypeError(f"{where}: an array of {array.dtype.name} has no snapshot form")
    if array.dtype.kind in "biu":
        return {"data": array.tolist()}
    shortest = np.array([float(str(v)) for v in array.reshape(-1)], dtype=np.float64).reshape(array.shape)
    for numbers in (shortest, array):  # the dtype's shortest decimals, else float64's exact widening
        data = _finite_or_named(np.asarray(numbers, dtype=np.float64).tolist())
        if _same_bits(_array(array.dtype.name, list(array.shape), data), array):
            return {"data": data}
    return {"bits": array.view(f"u{array.dtype.itemsize}").tolist()}


def _finite_or_named(data):
    if isinstance(data, list):
        return [_finite_or_named(v) for v in data]
    return data if math.isfinite(data) else repr(data)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _dtype(name: str) -> np.dtype:
    if name == "bfloat16":
        import ml_dtypes  # lazy: numpy has no bfloat16; ml_dtypes ships with TensorFlow and needs only numpy

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def _array(dtype: str, shape: list, data=None, bits=None) -> np.ndarray:
    if bits is not None:
        return np.array(bits, dtype=f"u{_dtype(dtype).itemsize}").view(_dtype(dtype)).reshape(shape)
    if _dtype(dtype).kind in "biu":
        return np.array(data, dtype=dtype).reshape(shape)
    return np.array(_restore_floats(data), dtype=np.float64).astype(_dtype(dtype)).reshape(shape)


def _restore_floats(data):
    if isinstance(data, list):
        return [_restore_floats(v) for v in data]
    return _NON_FINITE[data] if isinstance(data, str) else data


def decode(data):
    """The value `encode` wrote: records rebuilt from their classes, arrays with their dtype."""
    return _decode(data, {})


def _decode(data, shared: dict):
    if isinstance(data, list):
        return tuple(_decode(v, shared) for v in data)
    if not isinstance(data, dict):
        return data
    kind = data.get("class")
    if kind == "list":
        return [_decode(v, shared) for v in data["items"]]
    if kind == "frozenset":
        return frozenset(_decode(v, shared) for v in data["items"])
    if kind == "dict":
        if "pairs" in data:
            return {_decode(k, shared): _decode(v, shared) for k, v in data["pairs"]}
        return {k: _decode(v, shared) for k, v in data["items"].items()}
    if kind == "float":
        return _NON_FINITE[data["value"]]
    if kind in ("ndarray", "scalar"):
        array = _array(data["dtype"], data["shape"] if kind == "ndarray" else [], data.get("data"), data.get("bits"))
        value = array if kind == "ndarray" else array[()]
        return shared.setdefault(data["id"], value) if "id" in data else value
    if kind == "same":
        return shared[data["id"]]
    if kind not in CLASSES:
        raise SnapshotFormatError(f"no record class {kind!r}; regenerate the snapshot")
    fields = {k: _decode(v, shared) for k, v in data.items() if k != "class"}
    try:
        return CLASSES[kind](**fields)
    except TypeError as e:  # a field renamed or removed since it was recorded
        raise SnapshotFormatError(f"{kind}: {e}; regenerate the snapshot") from None


def dumps(snapshot: Snapshot) -> str:
    """The snapshot as JSON text: one line per short container, so a change shows as a small diff."""
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "snapshot": encode(snapshot)}
    return _write(document, "") + "\n"


def loads(text: str) -> Snapshot:
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotFormatError("not a dropout-trace snapshot")
    if document.get("format_version") != FORMAT_VERSION:
        raise SnapshotFormatError(f"snapshot format {document.get('format_version')}; this version reads "
                                  f"{FORMAT_VERSION}: regenerate the snapshot")
    return decode(document["snapshot"])


def save(snapshot: Snapshot, path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps(snapshot))


def load(path) -> Snapshot:
    with open(path, encoding="utf-8") as f:
        return loads(f.read())


def _write(data, indent: str) -> str:
    """JSON with a container on one line when it fits or holds only numbers, strings and nulls."""
    flat = json.dumps(data, ensure_ascii=False, allow_nan=False)
    if not isinstance(data, (list, dict)) or len(indent) + len(flat) <= _WIDTH or _scalars(data):
        return flat
    inner = indent + " "
    if isinstance(data, list):
        return "[\n" + ",\n".join(inner + _write(v, inner) for v in data) + "\n" + indent + "]"
    items = (f"{inner}{json.dumps(k, ensure_ascii=False)}: {_write(v, inner)}" for k, v in data.items())
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def _scalars(data) -> bool:
    return isinstance(data, list) and not any(isinstance(v, (list, dict)) for v in data)
