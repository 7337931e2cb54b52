"""Each explain topic's facts are one frozen dataclass: what its compute returns is what its page reads, and
its JSON is its fields, in order. Read from the annotations: nothing here runs TensorFlow."""

from __future__ import annotations

import dataclasses
import importlib
import json
import typing

import pytest

from dropout_trace import lessons
from dropout_trace.render_json import identified


def _module(layer: str, topic: str):
    return importlib.import_module(f"dropout_trace.{layer}.{lessons.TOPICS[topic]}")


@pytest.mark.parametrize("topic", list(lessons.TOPICS))
def test_compute_returns_the_dataclass_its_page_reads(topic):
    made = typing.get_type_hints(_module("lessons", topic).compute)["return"]
    assert typing.get_type_hints(_module("narrate", topic).page)["f"] == made
    for cls in typing.get_args(made) or (made,):  # a topic may have two outcomes (recurrent: NotMeasured)
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls


@dataclasses.dataclass(frozen=True)
class _Inner:
    b: int
    a: str


@dataclasses.dataclass(frozen=True)
class _Facts:
    inner: _Inner
    cls: str = lessons.keyed("class")
    flags: dict = dataclasses.field(default_factory=dict)
    version: str | None = lessons.absent_when_none()
    error: str | None = lessons.absent_when_none()


def test_the_json_is_the_fields_in_order():
    data = identified(_Facts(_Inner(1, "x"), "K", {"model.fit": [True], "keras": None}, version="3"))
    assert json.dumps(data) == json.dumps({"inner": {"b": 1, "a": "x"}, "class": "K",
                                           "flags": [{"name": "model.fit", "value": [True]},
                                                     {"name": "keras", "value": None}],
                                           "version": "3"})  # error: None, so left out; a name-keyed dict: a list
    assert list(identified(_Facts(_Inner(1, "x"), "K", error="E"))) == ["inner", "class", "flags", "error"]
    assert identified(lessons.Failed("ValueError: no")) == {"error": "ValueError: no"}
    failed = lessons.Failed.of(ValueError("no"))  # the type is a field of its own, already in the error's words
    assert failed.error_type == "ValueError" and identified(failed) == {"error": "ValueError: no"}
