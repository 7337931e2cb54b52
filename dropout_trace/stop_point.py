"""Where a traced call returned early, read from its landmark executions and their `return` lines.

Shared by the stage builder (on a frozen snapshot) and `stats` (on the live recorder of its one trace):
both pass events with `key`, `finished` and `lines`, and landmarks with `found`, `returns`, `ref` and `line`.
"""

from __future__ import annotations

from .model import StopPoint


def returned_at(events, landmarks: dict, key: str) -> list[int]:
    """The `return` statement that ended the first execution of landmark `key`: the last one that ran."""
    ev, lm = next((e for e in events if e.key == key), None), landmarks.get(key)
    if ev is None or not ev.finished or lm is None or not lm.found:
        return []
    return [n for n in ev.lines if n in lm.returns][-1:]


def stopped_at(events, landmarks: dict) -> StopPoint | None:
    """The last `return` that ran, `_dropout`'s own first (its fast path is where rate 0 stops); None if none."""
    finished = [e for e in events if e.finished and returned_at(events, landmarks, e.key)]
    if not finished:
        return None
    inner = [e for e in finished if e.key == "tf._dropout"]
    ev = (inner or finished)[-1]
    lm, line = landmarks[ev.key], returned_at(events, landmarks, ev.key)[0]
    return StopPoint(lm.ref.qualname, lm.ref.file, line, lm.line(line).strip())
