"""Record what every documented command prints, to show a refactor changed no output byte.

    python tests/tools/outputs.py record DIR     # every README command, lesson and explain topic,
                                                 # at 80 and 100 columns, stdout and status
    python tests/tools/outputs.py diff OLD NEW   # what differs between two recordings

Each command runs in its own interpreter, piped (so plain text), in a temporary folder (so an
--export in the README writes nothing here). Unseeded runs and timings differ from run to run:
record twice before a change to learn which files vary on their own.
"""

from __future__ import annotations

import concurrent.futures
import difflib
import hashlib
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
WIDTHS = (80, 100)


def commands() -> list[str]:
    """The README's commands (shell and walkthrough left out: they wait for input), every lesson,
    every explain topic, and every --help."""
    found: list[str] = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("dropout-trace"):
            continue
        line = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
        if " shell" in line or "--step" in line or "--install-completion" in line or "|" in line:
            continue
        found.append(line)
    found += [f"dropout-trace walkthrough play {p.stem[:2]}" for p in sorted((ROOT / "walkthroughs").glob("*.md"))]
    topics = subprocess.run([sys.executable, "-c", "from dropout_trace.lessons import available; print(*available())"],
                            capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    found += ["dropout-trace explain"] + [f"dropout-trace explain {t}" for t in topics]
    found += [f"dropout-trace run --rate 0.3 --shape None,4 --api {api}" for api in
              ("keras", "tf-keras", "tf.nn.dropout", "stateless", "keras.random.dropout")]
    found += ["dropout-trace run --rate 0.3 --shape None,4 --brief", "dropout-trace run --rate 0.3 --shape None,4 --eager --brief",
              "dropout-trace chain", "dropout-trace chain --format json", "dropout-trace graph --format json",
              "dropout-trace compare --rate 0.3 --shape None,4 --format json", "dropout-trace versions --format json",
              "dropout-trace stats --rate 0.3 --shape None,8 --batch 16 --format json"]
    found += ["dropout-trace --help"] + [f"dropout-trace {c} --help" for c in
                                         ("run", "chain", "graph", "compare", "versions", "stats", "explain",
                                          "walkthrough", "walkthrough play", "shell")]
    return list(dict.fromkeys(found))


def _name(command: str, width: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", command.removeprefix("dropout-trace "))[:80].strip("_") or "root"
    digest = hashlib.sha1(command.encode()).hexdigest()[:6]
    return f"{slug}.{digest}.w{width}.txt"


def _run(command: str, width: int, out: pathlib.Path) -> str:
    env = {**os.environ, "COLUMNS": str(width), "LINES": "40", "NO_COLOR": "1", "TERM": "dumb"}
    argv = [sys.executable, "-m", "dropout_trace", *shlex.split(command)[1:]]
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=folder, stdin=subprocess.DEVNULL,
                              timeout=600)
    name = _name(command, width)
    (out / name).write_text(f"$ {command}  (COLUMNS={width})\nstatus {done.returncode}\n{done.stdout}"
                            f"--- stderr\n{done.stderr}", encoding="utf-8")
    return name


def record(folder: str) -> None:
    out = pathlib.Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(c, w) for c in commands() for w in WIDTHS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name in pool.map(lambda job: _run(*job, out), jobs):
            print(name, flush=True)


def diff(old: str, new: str) -> int:
    a, b = pathlib.Path(old), pathlib.Path(new)
    names = sorted({p.name for p in a.glob("*.txt")} | {p.name for p in b.glob("*.txt")})
    changed = 0
    for name in names:
        x = (a / name).read_text(encoding="utf-8").splitlines(keepends=True) if (a / name).exists() else []
        y = (b / name).read_text(encoding="utf-8").splitlines(keepends=True) if (b / name).exists() else []
        if x != y:
            changed += 1
            sys.stdout.writelines(difflib.unified_diff(x, y, f"{old}/{name}", f"{new}/{name}", n=1))
    print(f"{changed} of {len(names)} recordings differ")
    return 1 if changed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        record(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
