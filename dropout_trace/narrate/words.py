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


def _one_round(items: list) -> tuple[list, int]:
    """The shortest run that repeats to make `items`, and how many times it does (3, 5, 3, 5 -> [3, 5], 2)."""
    n = len(items)
    for p in range(1, n + 1):
        if n % p == 0 and items == items[:p] * (n // p):
            return items[:p], n // p
    return items, 1


def in_turn(items: list[str], noun: str = "", rounds: bool = False) -> str:
    """Each call's value, in order: 'a', 'a, then b', 'a, b, then c'; one round repeated is said once, and with
    `rounds` the calls it spans follow ('a, then b, in turn over the 4 calls'). `noun` follows the values."""
    one, times_over = _one_round(list(items))
    text = one[0] if len(one) == 1 else ", ".join(one[:-1]) + ", then " + one[-1]
    over = rounds and len(one) > 1 and times_over > 1
    return text + noun + (f", in turn over the {len(items)} calls" if over else "")


def counts_in_turn(values: list[int], word: str) -> str:
    """Each call's count of `word`, in order: '12, then 20 uniforms' (one count: '12 uniforms')."""
    one, _ = _one_round(list(values))
    return in_turn([f"{v:,}" for v in values], " " + (word if all(v == 1 for v in one) else word + "s"))


def times(n: int) -> str:
    """1 -> 'once', 2 -> 'twice', n -> 'n times'."""
    return {1: "once", 2: "twice"}.get(n, f"{n:,} times")
