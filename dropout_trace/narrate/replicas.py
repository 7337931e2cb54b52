"""Words for `explain replicas`, chosen from the masks each replica drew in this run."""

from __future__ import annotations

from ..page import Heading, Say, Table, Try
from .replica_lines import replicas_agreement, replicas_lesson, replicas_why
from .words import listed, plural

SUMMARY = "do replicas under MirroredStrategy share a mask? why?"

NAMES = {"keras": "keras.layers.Dropout (Keras 3)", "tf_keras": "tf_keras.layers.Dropout (Keras 2)"}


def _mask(rows) -> str:
    return "\n".join("".join("●" if v else "○" for v in row) for row in rows) if rows is not None else "no draw"


def _seed(r: dict) -> str:
    return "-" if r["seed_used"] is None else listed(r["seed_used"])


def _table(f: dict) -> Table:
    """One row per replica, the two APIs side by side."""
    k, t = f["keras"], f["tf_keras"]
    rows = []
    for a, b in zip(k["replicas"], t["replicas"]):
        rows.append((str(a["replica"]), f"{a['first_row'] + 1}–{a['first_row'] + a['rows']}", _seed(a),
                     _mask(a["keep_mask"]), _seed(b), _mask(b["keep_mask"])))
    return Table(("replica", "rows", "keras seed", "mask", "tf-keras (global, op) seeds", "mask"), tuple(rows))


def _checks(f: dict) -> Say:
    results = [c for api in ("keras", "tf_keras") for c in f[api]["checks"]]
    passed = sum(1 for c in results if c)
    if passed == len(results):
        return Say(f"Each replica's output was recomputed bit for bit from its own captured draws: all "
                   f"{plural(len(results), 'check')} passed.")
    return Say(f"Recomputed from each replica's own captured draws, {passed} of {plural(len(results), 'check')} "
               "passed: the explanation above does not hold for the others.")


def page(f: dict, p) -> list:
    n = f["replicas"]
    blocks = [Say(f"Under tf.distribute.MirroredStrategy the same layer runs on {n} replicas, each on its own "
                  f"slice of the global batch. Measured now: rate {p.rate:g}, seed {p.seed}, {n} replicas on "
                  f"logical CPU devices, {plural(f['rows'], 'row')} each.")]
    failed = [api for api in ("keras", "tf_keras") if "error" in f[api]]
    if failed:
        blocks += [Say(f"{NAMES[api]} could not be traced here: {f[api]['error']}") for api in failed]
        blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed} --replicas {n}"))
        return blocks
    blocks.append(_table(f))
    for api in ("keras", "tf_keras"):
        a = f[api]
        branch = f", rng {f['tf_keras_rng']} (the default here)" if api == "tf_keras" else ""
        blocks.append(Heading(NAMES[api] + branch))
        why = replicas_why(a["reason"], a["replicas"])
        blocks.append(Say(replicas_agreement(a["agree"], a["replicas"]) + (" " + why if why else "")))
        lesson = replicas_lesson(a["agree"], a["reason"], a["replicas"])
        if lesson:
            blocks.append(Say(lesson))
    blocks.append(_checks(f))
    blocks.append(Say("To see one API's replicas stage by stage, run it with --replicas; add --api tf-keras "
                      "--rng stateful or stateless for tf-keras's other branches."))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed} --replicas {n}"))
    return blocks
