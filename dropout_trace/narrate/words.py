"""How numbers, lists and counts are written in every sentence."""

from __future__ import annotations


def num(v) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.10g}"


def listed(values) -> str:
    return "[" + ", ".join("None" if v is None else num(v) for v in values) + "]"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def axes(ax: tuple[int, ...]) -> str:
    return ("axis " if len(ax) == 1 else "axes ") + ", ".join(map(str, ax))


def ints(values) -> str:
    """Integers in full (a 64-bit key would lose digits as a float)."""
    return "-" if values is None else "[" + ", ".join(str(int(v)) for v in values) + "]"
