"""The installed chain against the widely read TF 2.9 account, point by point."""

from __future__ import annotations

from dataclasses import dataclass

from ..narrate.commands import Difference


@dataclass(frozen=True)
class VersionsTopic:
    versions: dict[str, str | None]  # package -> its installed version (None: not installed)
    tf_keras_is: str
    differences: list[Difference]


def compute(p) -> VersionsTopic:
    from ..versions import report

    r = report()
    return VersionsTopic(versions=dict(r.versions), tf_keras_is=r.tf_keras_is, differences=list(r.differences))
