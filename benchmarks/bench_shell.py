"""Time `dropout-trace shell`: each command after the first, in one shell process, vs a fresh `dropout-trace run`.

One shell process reads N identical `run` lines from a pipe and, with its hidden --timing option,
writes each command's time to stderr; the first command is left out (it builds what later ones
reuse). Fresh processes are timed wall-clock, the way a teacher waits for them. Target: a command
in the shell answers in at most 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from bench_run import timed, tool

RUN = ("run", "--rate", "0.3", "--shape", "None,4")
TARGET = 0.5  # seconds, for a command in the shell after the first


def shell_times(commands: int, colour: bool) -> tuple[float, list[float]]:
    """(seconds until the shell had answered its first command, the times of the later commands)."""
    env = {**os.environ, **({"FORCE_COLOR": "1"} if colour else {"NO_COLOR": "1"})}
    lines = "".join(" ".join(RUN) + "\n" for _ in range(commands))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dropout_trace", "shell", "--timing"], input=lines, text=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=True)
    total = time.perf_counter() - start
    times = [float(t) for t in re.findall(r"^timing ([0-9.]+) s ", done.stderr, re.M)]
    if len(times) != commands:
        sys.exit(f"the shell reported {len(times)} timings for {commands} commands:\n{done.stderr}")
    return total - sum(times[1:]), times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=6, help="run lines piped into the shell (first left out)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh `dropout-trace run` processes")
    parser.add_argument("--colour", action="store_true", help="draw in colour, as on a terminal")
    args = parser.parse_args()
    fresh, shells, firsts = [], [], []
    timed(tool(*RUN))  # warm the file cache
    for _ in range(args.rounds):  # interleaved, so machine noise hits both sides alike
        fresh.append(timed(tool(*RUN)))
        first, later = shell_times(args.commands, args.colour)
        firsts.append(first)
        shells.extend(later)
    f, s = statistics.median(fresh), statistics.median(shells)
    verdict = "ok" if max(shells) <= TARGET else f"OVER the {TARGET} s target"
    print(f"fresh `dropout-trace run` process   {f:6.3f} s   (median of {len(fresh)})")
    print(f"shell, startup + first command     {statistics.median(firsts):6.3f} s   (median of {len(firsts)})")
    print(f"shell, each command after first    {s:6.3f} s   (median of {len(shells)}, max {max(shells):.3f} s)")
    print(f"ratio fresh / shell                {f / s:6.1f}x")
    print(f"target: a command in the shell <= {TARGET} s: {verdict}")


if __name__ == "__main__":
    main()
