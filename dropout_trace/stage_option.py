"""--stages: which stage blocks a run shows, given as names or numbers and checked before any work is done."""

from __future__ import annotations

from .spec import UsageError
from .stages import STAGE_NAMES


def parse_stages(text: str | None) -> tuple[str, ...] | None:
    """--stages a,b,...: stage names or their 1-based numbers, checked before any work is done."""
    if text is None:
        return None
    valid = ", ".join(f"{i} {name}" for i, name in enumerate(STAGE_NAMES, 1))
    picked = []
    for raw in text.split(","):
        item = raw.strip().lower()
        if item.isascii() and item.isdigit() and len(item) < 4 and 1 <= int(item) <= len(STAGE_NAMES):  # not '³'
            item = STAGE_NAMES[int(item) - 1]
        if item not in STAGE_NAMES:
            raise UsageError(f"--stages {text!r}: {raw.strip()!r} is not a stage; give names or numbers from: {valid}")
        if item not in picked:
            picked.append(item)
    return tuple(picked)
