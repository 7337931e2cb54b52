"""What every command's JSON shares: its top level starts with schema_version and tool_version, and every
key is an identifier."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass

from ..version import __version__

SCHEMA_VERSION = 4
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def document(body: dict) -> dict:
    """A command's JSON: schema_version and tool_version, then `body`. Every command's JSON is made here, so
    no command can leave them out; the notebook's Trace.data is `run`'s, made here too."""
    return {"schema_version": SCHEMA_VERSION, "tool_version": __version__, **body}


def identified(obj):
    """Every key an identifier: a mapping keyed by names (an API, a call such as model.fit) becomes a list of
    {"name": key, "value": value}, in order. A dataclass (an explain topic's facts) is an object of its fields,
    in order; a field marked `omit_none` (lessons.absent_when_none) is left out while it is None, one marked
    `not_in_json` (lessons.not_in_json) always, and one with a `key` (lessons.keyed) is written under that key."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.metadata.get("key", f.name): identified(getattr(obj, f.name)) for f in fields(obj)
                if not (f.metadata.get("omit_none") and getattr(obj, f.name) is None)
                and not f.metadata.get("not_in_json")}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and IDENTIFIER.fullmatch(k) for k in obj):
            return {k: identified(v) for k, v in obj.items()}
        return [{"name": str(k), "value": identified(v)} for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [identified(v) for v in obj]
    return obj
