"""The installed chain against the widely read TF 2.9 account, point by point."""

from __future__ import annotations


def compute(p) -> dict:
    from dataclasses import asdict

    from ..versions import report

    r = report()
    return {"versions": dict(r.versions), "tf_keras_is": r.tf_keras_is,
            "differences": [asdict(d) for d in r.differences]}
