"""Time `dropout-trace`: run vs a bare Keras Dropout call, --calls 10 vs --calls 1, --help vs bare Python.

The runs are interleaved (first, second, first, second, ...) so machine noise hits both sides alike;
the medians and their ratios are printed. Targets: run <= 1.5x the floor, run --calls 10 <= 1.15x
run --calls 1, --help well under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

FLOOR = ("import tensorflow as tf, keras; "
         "keras.layers.Dropout(0.3)(tf.ones([3,4]), training=True)")


def tool(*args: str) -> list[str]:
    exe = shutil.which("dropout-trace")
    return [exe, *args] if exe else [sys.executable, "-m", "dropout_trace", *args]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "NO_COLOR": "1"})
    return time.perf_counter() - start


def compare(name: str, first: tuple[str, list[str]], second: tuple[str, list[str]], rounds: int,
            target: float | None) -> None:
    """Time `second` against `first` (each a (label, command) pair); the ratio is second / first."""
    (la, ca), (lb, cb) = first, second
    timed(ca), timed(cb)  # warm the file cache for both
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(ca))
        b.append(timed(cb))
    fa, fb = statistics.median(a), statistics.median(b)
    verdict = "" if target is None else ("  ok" if fb / fa <= target else f"  OVER the {target}x target")
    print(f"{name:<7} {la} {fa:6.3f} s   {lb} {fb:6.3f} s   ratio {fb / fa:5.2f}x"
          f"   (medians of {rounds}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    run = ("run", "--rate", "0.3", "--shape", "None,4")
    compare("run", ("floor", [sys.executable, "-c", FLOOR]), ("dropout-trace", tool(*run)),
            args.rounds, target=1.5)
    compare("calls", ("--calls 1", tool(*run, "--calls", "1")), ("--calls 10", tool(*run, "--calls", "10")),
            args.rounds, target=1.15)
    compare("--help", ("python -c pass", [sys.executable, "-c", "pass"]), ("dropout-trace", tool("--help")),
            args.rounds, target=None)
    helped = timed(tool("--help"))
    print(f"--help alone: {helped:.3f} s (target: well under 0.5 s)")


if __name__ == "__main__":
    main()
