"""`explain` topics: each computes, live with the installed library, the facts its lesson rests on.

A topic is two modules with one name: `lessons/<name>.py` defines its facts, a frozen dataclass, and
computes them; `narrate/<name>.py` turns them into a page (SUMMARY, page(facts)). The JSON is the same
dataclass, field by field, in order. Nothing on the page is asserted that was not computed in this run.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

# Topic name (the interface) -> module name, in the order `explain` lists them.
TOPICS = {
    "static-vs-dynamic": "static_vs_dynamic",
    "print-vs-tf-print": "print_vs_tf_print",
    "noise-shape": "noise_shape",
    "scaling": "scaling",
    "backward": "backward_topic",
    "precision": "precision",
    "training-flag": "training_flag",
    "seeds": "seeds",
    "keras2-vs-keras3": "keras2_vs_keras3",
    "v1-vs-v2": "v1_vs_v2",
    "graph-ops": "graph_ops",
    "independence": "independence",
    "replicas": "replicas",
    "recurrent": "recurrent",
    "nan": "nan",
    "xla": "xla",
    "versions": "versions_topic",
}
# The topics that show something true at rate 1, where nothing is drawn: the others are about masks and draws.
AT_RATE_ONE = ("static-vs-dynamic", "print-vs-tf-print", "precision", "xla", "versions", "backward")


class Facts(Protocol):
    """A topic's facts: a frozen dataclass of JSON-able values (nested dataclasses, lists, name-keyed dicts)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


def absent_when_none():
    """A fact only some runs have: None here, and then left out of the JSON rather than written null."""
    return field(default=None, metadata={"omit_none": True})  # read by render_json.identified


def not_in_json():
    """A fact the views read that the JSON already gives in another field's words: left out of the JSON."""
    return field(default=None, metadata={"not_in_json": True})  # read by render_json.identified


def keyed(key: str):
    """A fact whose JSON key is not a Python name (`class`): the field is named otherwise, the JSON says `key`."""
    return field(metadata={"key": key})  # read by render_json.identified


@dataclass(frozen=True)
class Stopped:
    """Where a traced call returned early, before anything was drawn."""

    function: str
    file: str
    line: int
    source: str


def stopped(at) -> Stopped | None:
    """A trace's `facts.stopped` as lesson facts."""
    return None if at is None else Stopped(at.function, at.file, at.line, at.source)


@dataclass(frozen=True)
class Failed:
    """A measurement that could not be made, and why (the exception's type and message)."""

    error: str  # the words shown, e.g. "ValueError: Seed must be between 0 and 2**32 - 1"
    error_type: str | None = not_in_json()  # the exception's class name, when an exception stopped it

    @classmethod
    def of(cls, exc: BaseException) -> "Failed":
        return cls(f"{type(exc).__name__}: {exc}", type(exc).__name__)


@dataclass(frozen=True)
class Params:
    rate: float = 0.3
    seed: int = 42


@dataclass(frozen=True)
class Lesson:
    topic: str
    params: Params
    facts: Facts  # what the topic rests on, computed in this run
    versions: dict = field(default_factory=dict)


def available() -> list[str]:
    """The topics whose modules exist in this installation."""
    return [name for name, module in TOPICS.items() if importlib.util.find_spec(f"{__name__}.{module}")]


def closest(name: str) -> str | None:
    found = difflib.get_close_matches(name, list(TOPICS), n=1, cutoff=0.6)
    return found[0] if found else None


def compute(topic: str, params: Params) -> Lesson:
    """Run the topic's live computation with the installed TensorFlow and Keras."""
    from ..tfenv import import_tensorflow
    from ..versions import installed

    tf, keras = import_tensorflow()
    module = importlib.import_module(f"{__name__}.{TOPICS[topic]}")
    return Lesson(topic, params, module.compute(params), installed(tf, keras))


def page(lesson: Lesson) -> list:
    """The lesson's blocks, worded by narrate/<topic>.py from the computed facts."""
    words = importlib.import_module(f"dropout_trace.narrate.{TOPICS[lesson.topic]}")
    return words.page(lesson.facts, lesson.params)


def summary(topic: str) -> str:
    """The topic's one line (its narrate module's SUMMARY), read from the source without importing the module
    (which would load numpy and the facts): --help lists every topic and stays quick."""
    import ast

    source = Path(__file__).resolve().parent.parent / "narrate" / f"{TOPICS[topic]}.py"  # not its package either
    tree = ast.parse(source.read_text(encoding="utf-8"))
    return next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "SUMMARY" for t in node.targets))
