"""The snapshot codec: plain JSON in, the same records and arrays out, bit for bit; no pickle anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from dropout_trace import snapshot_codec as codec
from dropout_trace.model import PyValue, TensorView

TESTS = Path(__file__).resolve().parents[1]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("array", [
    np.array([[0.1, 0.7], [1 / 3, 2.0]], np.float32),
    np.array([0.30078125, 0.69921875, -0.0], ml_dtypes.bfloat16),
    np.array([1e-8, 65504.0], np.float16),
    np.array([np.nan, np.inf, -np.inf, 5e-324], np.float64),
    np.array([2**63 - 1, -(2**63)], np.int64),
    np.array([True, False]),
    np.zeros((0, 4), np.float32),
])
def test_arrays_read_back_bit_for_bit(array):
    back = codec.decode(json.loads(json.dumps(codec.encode(array))))
    assert same(back, array)


def test_a_nan_payload_is_kept_as_bits():
    odd = np.array([0x7FC00001], np.uint32).view(np.float32)  # a NaN that is not the default NaN
    back = codec.decode(json.loads(json.dumps(codec.encode(odd))))
    assert same(back, odd)


def test_one_array_held_twice_stays_one_object():
    a = np.arange(3.0)
    back = codec.decode(json.loads(json.dumps(codec.encode((a, a, a.copy())))))
    assert back[0] is back[1] and back[2] is not back[0] and same(back[2], a)


def test_records_are_named_by_class_not_by_module_path():
    value = TensorView(dtype="int32", static_shape=(2,), value=np.array([3, 4], np.int32), symbolic="Shape:0",
                       static_value=[None, 4])
    data = codec.encode(value)
    assert data["class"] == "TensorView" and "dropout_trace" not in json.dumps(data)
    back = codec.decode(data)
    assert back == value and same(back.value, value.value) and back.static_value == [None, 4]
    assert codec.decode(codec.encode(PyValue("[1, None]", [1, None]))) == PyValue("[1, None]", [1, None])


def test_another_format_or_version_is_refused_with_what_to_do():
    with pytest.raises(codec.SnapshotFormatError, match="regenerate"):
        codec.loads(json.dumps({"format": codec.FORMAT, "format_version": codec.FORMAT_VERSION + 1, "snapshot": {}}))
    with pytest.raises(codec.SnapshotFormatError):
        codec.loads("[]")


def test_no_pickle_under_tests():
    assert sorted(p.name for p in TESTS.rglob("*") if p.suffix in (".pkl", ".pickle")) == []
