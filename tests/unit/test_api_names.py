"""An API's knowledge lives in its module: no API name is spelled as a string literal in dropout_trace/ outside
dropout_trace/apis/. Code asks the registry (an API's flags, DEFAULT_API, the names it lists) instead."""

from __future__ import annotations

import ast
from pathlib import Path

from dropout_trace.apis import APIS

PACKAGE = Path(__file__).resolve().parents[2] / "dropout_trace"
# Names that are also something else the code must spell: the Keras library ("keras", the version key and
# import name), the tf-keras distribution ("tf-keras", read from its metadata) and tf-keras's stateless
# RandomGenerator branch ("stateless", an --rng value).
ALSO_ANOTHER_THING = {"keras", "tf-keras", "stateless"}


def literals() -> list[tuple[str, int, str]]:
    names = set(APIS) - ALSO_ANOTHER_THING
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "apis" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append((str(path.relative_to(PACKAGE)), node.lineno, node.value))
    return found


def test_no_api_name_is_spelled_outside_the_apis_package():
    assert literals() == []  # (file, line, name)

