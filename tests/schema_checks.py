"""The shipped JSON Schemas, read by name, for the tests that validate against them."""

import json
from pathlib import Path

import dropout_trace

SCHEMAS = Path(dropout_trace.__file__).parent / "schemas"


def schema(command: str) -> dict:
    return json.loads((SCHEMAS / f"{command}.schema.json").read_text())
