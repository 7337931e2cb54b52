"""The narrate package's line coverage over the whole test suite, and a failure below the target.

    python tests/narrate_coverage.py [--under PERCENT] [PYTEST ARGS...]

It runs `python -m pytest -n 2` (or the pytest arguments given) under coverage.py with the settings
in pyproject.toml's [tool.coverage.*]: only dropout_trace/narrate is measured, and `patch =
["subprocess"]` starts coverage in every child Python too, so the command-line runs the tests make
in child processes count, as do the xdist workers. The data files go to one temporary folder named
by an absolute COVERAGE_FILE (children run in other working directories), and are combined there.

It prints the report (the files below 100%, with their missed lines) and the total, and exits 1 when
the total is under the target (95% unless --under says otherwise), or with pytest's status when a test
failed. Not part of .ci/run: under coverage the suite takes about half as long again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 95.0


def main(argv: list[str]) -> int:
    target = TARGET
    if argv[:1] == ["--under"]:
        target, argv = float(argv[1]), argv[2:]
    pytest_args = argv or ["-n", "2", "-q"]
    with tempfile.TemporaryDirectory(prefix="narrate-coverage-") as folder:
        env = {**os.environ, "COVERAGE_FILE": str(Path(folder) / ".coverage")}
        env.pop("COVERAGE_PROCESS_START", None)
        env.pop("COVERAGE_PROCESS_CONFIG", None)
        rcfile = str(ROOT / "pyproject.toml")

        def coverage(*args: str, **kw) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=ROOT, env=env, **kw)

        tests = coverage("run", f"--rcfile={rcfile}", "-m", "pytest", *pytest_args)
        coverage("combine", f"--rcfile={rcfile}", "-q", check=True)
        coverage("report", f"--rcfile={rcfile}", check=False)
        total = coverage("report", f"--rcfile={rcfile}", "--format=total", "--precision=2",
                         capture_output=True, text=True, check=True).stdout.strip()
    percent = float(total)
    verdict = "meets" if percent >= target else "is under"
    print(f"narrate line coverage over the test suite: {percent:.2f}%, which {verdict} the target of {target:g}%")
    if tests.returncode:
        print(f"pytest exited {tests.returncode}: a test failed, so the figure may be low", file=sys.stderr)
        return tests.returncode
    return 0 if percent >= target else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
