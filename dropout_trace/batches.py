"""--batch: the sizes every None takes at run time, one call of the same function each. No TensorFlow here."""

from __future__ import annotations

from .errors import UsageError

MAX_CALLS = 10  # every call counts: --batch 3,5 --calls 5 is 10 calls
MAX_BATCHES = 4  # --batch 3,5: at most this many sizes


def batch_text(sizes) -> str:
    """(3, 5) -> '3,5', the syntax --batch takes."""
    return ",".join(str(b) for b in sizes)


def parse_batches(text, command: str | None = None) -> tuple[int, ...]:
    """--batch '3' or '3,5': 1 to MAX_BATCHES positive sizes, each one call; `command` takes one size only."""
    if isinstance(text, int):
        text = str(text)
    valid = f"--batch takes 1 to {MAX_BATCHES} positive sizes, comma-separated, e.g. 3 or 3,5"
    if text is None or not str(text).strip():
        raise UsageError(f"--batch is empty; {valid}")
    sizes = []
    items = str(text).split(",")
    for i, raw in enumerate(items):
        item = raw.strip()
        if not item:
            raise UsageError(f"--batch {text!r} has an empty size at position {i + 1}; {valid}")
        try:
            value = int(item)
        except ValueError:
            raise UsageError(f"--batch {text!r}: {item!r} is not a size; {valid}") from None
        if value < 1 and len(items) == 1:
            raise UsageError(f"--batch {value} is not positive; it is the size every None takes at run time, e.g. 3")
        if value < 1:
            raise UsageError(f"--batch {text!r}: size {value} is not positive; {valid}")
        sizes.append(value)
    if len(sizes) > MAX_BATCHES:
        raise UsageError(f"--batch {text!r} has {len(sizes)} sizes; {valid}")
    if command is not None and len(sizes) > 1:
        raise UsageError(f"{command} takes one --batch size, not {batch_text(sizes)}; run --batch {batch_text(sizes)} "
                         "calls one traced function on each size")
    return tuple(sizes)


def check_sizes(sizes: tuple[int, ...], dims: tuple, calls: int, replicas: int | None) -> None:
    """Several --batch sizes: each fills a None, each is a call that counts towards MAX_CALLS, one strategy run."""
    if len(sizes) < 2:
        return
    given, shape = batch_text(sizes), ",".join("None" if d is None else str(d) for d in dims)
    if None not in dims:
        raise UsageError(f"--batch {given}: the sizes fill a None in --shape, and --shape {shape} has none; give "
                         "one --batch, or a shape with None, e.g. None,4")
    if len(sizes) * calls > MAX_CALLS:
        raise UsageError(f"--batch {given} with --calls {calls} is {len(sizes) * calls} calls (each size is a call, "
                         f"--calls times over); the most is {MAX_CALLS}")
    if replicas is not None:
        raise UsageError(f"--replicas takes one --batch size (the rows of each replica), not {given}")
