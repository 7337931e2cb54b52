"""`explain` topics: each computes, live with the installed library, the facts its lesson rests on.

A topic is two modules with one name: `lessons/<name>.py` computes facts (a JSON-able dict) and
`narrate/<name>.py` turns them into a page (SUMMARY, page(facts)). Nothing on the page is asserted
that was not computed in this run.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field

# Topic name (the interface) -> module name, in the order `explain` lists them.
TOPICS = {
    "static-vs-dynamic": "static_vs_dynamic",
    "noise-shape": "noise_shape",
    "scaling": "scaling",
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


@dataclass(frozen=True)
class Params:
    rate: float = 0.3
    seed: int = 42


@dataclass(frozen=True)
class Lesson:
    topic: str
    params: Params
    facts: dict  # JSON-able: what the topic rests on, computed in this run
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
    words = importlib.import_module(f"dropout_trace.narrate.{TOPICS[topic]}")
    return words.SUMMARY
