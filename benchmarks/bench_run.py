"""Time `dropout-trace run` against a bare Keras Dropout call, and `--help` against a bare Python start.

The runs are interleaved (floor, tool, floor, tool, ...) so machine noise hits both sides alike;
the medians and their ratios are printed. Targets: run <= 1.5x the floor, --help well under 0.5 s.
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


def compare(name: str, floor: list[str], ours: list[str], rounds: int, target: float | None) -> None:
    timed(floor), timed(ours)  # warm the file cache for both
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(floor))
        b.append(timed(ours))
    fa, fb = statistics.median(a), statistics.median(b)
    verdict = "" if target is None else ("  ok" if fb / fa <= target else f"  OVER the {target}x target")
    print(f"{name:<6} floor {fa:6.3f} s   dropout-trace {fb:6.3f} s   ratio {fb / fa:5.2f}x"
          f"   (medians of {rounds}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    compare("run", [sys.executable, "-c", FLOOR], tool("run", "--rate", "0.3", "--shape", "None,4"),
            args.rounds, target=1.5)
    compare("--help", [sys.executable, "-c", "pass"], tool("--help"), args.rounds, target=None)
    helped = timed(tool("--help"))
    print(f"--help alone: {helped:.3f} s (target: well under 0.5 s)")


if __name__ == "__main__":
    main()
