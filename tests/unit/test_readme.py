"""The README's first screen and CI agree: CI runs exactly the test command a newcomer types."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "the README opens with a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_first_screen_installs_and_runs_then_installs_and_tests():
    install, tests = first_block()
    assert install == "pip install . && dropout-trace run --rate 0.3 --shape None,4"
    assert tests.startswith('pip install ".[test]" && python -m pytest')


def test_ci_runs_the_readmes_test_command_exactly():
    _, tests = first_block()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in [line.strip() for line in ci]
