"""Words for `explain versions`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.versions_topic import VersionsTopic
from ..page import Heading, Rows, Say, Try
from .words import plural

SUMMARY = "the installed chain vs the widely read TF 2.9 account"


def _installed(v: dict) -> str:
    parts = [f"TensorFlow {v['tensorflow']}", f"Keras {v['keras']}"]
    parts.append(f"tf-keras {v['tf_keras']}" if v.get("tf_keras") else "no tf-keras")
    return ", ".join(parts)


def page(f: VersionsTopic, p) -> list:
    diffs = f.differences
    n = sum(d.differs for d in diffs)
    verb = "differs" if n == 1 else "differ"
    blocks = [Say("The widely read account of dropout traced TF 2.9 and Keras 2.9. Installed here: "
                  f"{_installed(f.versions)}; tf.keras is {f.tf_keras_is}. "
                  f"{n} of {plural(len(diffs), 'point')} {verb} (≠), read from the installed source now.")]
    for d in diffs:
        mark = "≠" if d.differs else "="
        blocks.append(Heading(f"  {mark} {d.topic}"))
        blocks.append(Rows((("TF 2.9", d.account), ("installed", d.installed))))
    blocks.append(Try("dropout-trace versions"))
    return blocks
