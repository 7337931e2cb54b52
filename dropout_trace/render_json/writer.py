"""JSON text as every command writes it: indented, each tensor's values one innermost row a line."""

from __future__ import annotations

import io
import json


def write(data, stream) -> None:
    """`data` as indented JSON, then a newline; each tensor's values one innermost row a line, written row by row
    (never the whole text of a large tensor at once: that would need a copy of it in memory)."""
    tensors = data.get("tensors") if isinstance(data, dict) else None
    if not tensors:
        json.dump(data, stream, indent=2)
        stream.write("\n")
        return
    rest = json.dumps({k: v for k, v in data.items() if k != "tensors"}, indent=2)
    stream.write(rest[:-2] + ",\n" if len(rest) > 2 else "{\n")
    stream.write('  "tensors": {')
    for i, (name, entry) in enumerate(tensors.items()):
        stream.write(("," if i else "") + f"\n    {json.dumps(name)}: {{\n")
        for j, (k, v) in enumerate(entry.items()):
            stream.write((",\n" if j else "") + f"      {json.dumps(k)}: ")
            if k == "values":
                _rows(v, "      ", stream)
            else:
                stream.write(json.dumps(v))
        stream.write("\n    }")
    stream.write("\n  }\n}\n")


ROW_CHUNK = 4096  # elements of one row made into text at a time


def _rows(values, pad: str, stream) -> None:
    if not isinstance(values, list) or not values or not isinstance(values[0], list):
        if not isinstance(values, list) or len(values) <= ROW_CHUNK:
            stream.write(json.dumps(values))
            return
        stream.write("[")  # a long row (a rank-1 tensor): in pieces, as json.dumps joins them
        for start in range(0, len(values), ROW_CHUNK):
            stream.write((", " if start else "") + json.dumps(values[start:start + ROW_CHUNK])[1:-1])
        stream.write("]")
        return
    inner = pad + "  "
    stream.write("[\n")
    for i, v in enumerate(values):
        stream.write((",\n" if i else "") + inner)
        _rows(v, inner, stream)
    stream.write("\n" + pad + "]")


def text(data) -> str:
    """What write() writes, as a string."""
    out = io.StringIO()
    write(data, out)
    return out.getvalue()
