"""Time `stats` against raw tf.nn.dropout over the same mask elements, and take each side's peak RSS.

Each measurement runs in its own Python process (so the peak RSS, read there with
resource.getrusage, is that side's alone); the two sides alternate, and medians are compared.
Targets: stats throughput >= 0.5x raw tf.nn.dropout in a tf.function, and stats over 10^8 mask
elements under 1.5 GB peak RSS. Timings stay out of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

# (label, shape, batch, trials): 10^8 mask elements each, from a few large calls to many small ones
CASES = (("1000 x 1000, 100 calls", "None,1000", 1000, 100),
         ("100 x 100, 10,000 calls", "None,100", 100, 10_000),
         ("10,000 x 1000, 10 calls", "None,1000", 10_000, 10))
RSS_TARGET_MB = 1536


def child(side: str, shape: str, batch: int, trials: int, api: str) -> None:
    """One side, in this process: print seconds (tracing included) and peak RSS as JSON."""
    import resource
    import time

    from dropout_trace.spec import build_spec
    from dropout_trace.tfenv import import_tensorflow

    tf, _ = import_tensorflow()
    spec = build_spec(rate="0.3", shape=shape, batch=batch, input="ones", api=api)
    if side == "stats":
        from dropout_trace.stats import measure

        start = time.perf_counter()
        measure(spec, trials)
        seconds = time.perf_counter() - start
    else:
        x = tf.ones(spec.run_shape)
        start = time.perf_counter()
        drop = tf.function(lambda x: tf.nn.dropout(x, 0.3))
        for _ in range(trials):
            y = drop(x)
        y.numpy()
        seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))


def run_child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], check=True, capture_output=True,
                         text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--api", default="keras", help="the API stats measures (raw is always tf.nn.dropout)")
    parser.add_argument("--child", nargs=5, metavar=("SIDE", "SHAPE", "BATCH", "TRIALS", "API"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        side, shape, batch, trials, api = args.child
        return child(side, shape, int(batch), int(trials), api)
    print(f"stats --api {args.api} vs raw tf.nn.dropout in a tf.function, 10^8 mask elements each, "
          f"medians of {args.rounds}")
    for label, shape, batch, trials in CASES:
        raw, st = [], []
        for _ in range(args.rounds):
            raw.append(run_child("raw", shape, batch, trials, args.api))
            st.append(run_child("stats", shape, batch, trials, args.api))
        r = statistics.median(x["seconds"] for x in raw)
        s = statistics.median(x["seconds"] for x in st)
        rss = max(x["rss_mb"] for x in st)
        elements = batch * int(shape.split(",")[1]) * trials
        ok = "ok" if r / s >= 0.5 and rss < RSS_TARGET_MB else "MISSES a target"
        print(f"{label:<26} raw {elements / r / 1e6:7.1f} M/s  stats {elements / s / 1e6:7.1f} M/s  "
              f"throughput ratio {r / s:4.2f}x (target >= 0.5)  peak RSS stats {rss:5.0f} MB, "
              f"raw {max(x['rss_mb'] for x in raw):5.0f} MB (target < {RSS_TARGET_MB})  {ok}")


if __name__ == "__main__":
    main()
