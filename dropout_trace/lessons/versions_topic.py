"""The installed chain against the widely read TF 2.9 account, point by point."""

from __future__ import annotations

from dataclasses import dataclass

from ..narrate.versions import Difference


@dataclass(frozen=True)
class VersionsTopic:
    versions: dict[str, str | None]  # package -> its installed version (None: not installed)
    tf_keras_is: str
    differences: list[Difference]


def compute(p) -> VersionsTopic:
    from ..narrate.versions import differences, tf_keras_is
    from ..versions import report

    r = report()  # this topic's JSON writes its facts as they are shown, so they are worded here
    return VersionsTopic(versions=dict(r.versions), tf_keras_is=tf_keras_is(r.source), differences=list(differences(r)))
