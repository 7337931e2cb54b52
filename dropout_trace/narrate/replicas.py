"""Words for `explain replicas`, chosen from the masks each replica drew in this run."""

from __future__ import annotations

from dataclasses import asdict

from ..lessons import Failed
from ..lessons.replicas import ApiReplicas, Replica, Replicas
from ..page import Heading, Say, Table, Try
from .replica_lines import replicas_agreement, replicas_lesson, replicas_why
from .words import listed, plural

SUMMARY = "do replicas under MirroredStrategy share a mask? why?"


def _apis(f: Replicas) -> tuple:
    """(name, facts, the branch that ran) of each API, Keras 3 first."""
    return (("keras.layers.Dropout (Keras 3)", f.keras, ""),
            ("tf_keras.layers.Dropout (Keras 2)", f.tf_keras, f", rng {f.tf_keras_rng} (the default here)"))


def _mask(rows) -> str:
    return "\n".join("".join("●" if v else "○" for v in row) for row in rows) if rows is not None else "no draw"


def _seed(r: Replica) -> str:
    return "-" if r.seed_used is None else listed(r.seed_used)


def _rows(a: ApiReplicas) -> list[dict]:
    """The replicas as the replica sentences read them: keyed as `run --format json` writes them."""
    return [asdict(r) for r in a.replicas]


def _table(f: Replicas) -> Table:
    """One row per replica, the two APIs side by side."""
    k, t = f.keras, f.tf_keras
    rows = []
    for a, b in zip(k.replicas, t.replicas):
        rows.append((str(a.replica), f"{a.first_row + 1}–{a.first_row + a.rows}", _seed(a),
                     _mask(a.keep_mask), _seed(b), _mask(b.keep_mask)))
    return Table(("replica", "rows", "keras seed", "mask", "tf-keras (global, op) seeds", "mask"), tuple(rows))


def _checks(f: Replicas) -> Say:
    results = [c for _, a, _ in _apis(f) for c in a.checks]
    passed = sum(1 for c in results if c)
    if passed == len(results):
        return Say(f"Each replica's output was recomputed bit for bit from its own captured draws: all "
                   f"{plural(len(results), 'check')} passed.")
    return Say(f"Recomputed from each replica's own captured draws, {passed} of {plural(len(results), 'check')} "
               "passed: the explanation above does not hold for the others.")


def page(f: Replicas, p) -> list:
    n = f.replicas
    blocks = [Say(f"Under tf.distribute.MirroredStrategy the same layer runs on {n} replicas, each on its own "
                  f"slice of the global batch. Measured now: rate {p.rate:g}, seed {p.seed}, {n} replicas on "
                  f"logical CPU devices, {plural(f.rows, 'row')} each.")]
    failed = [(name, a) for name, a, _ in _apis(f) if isinstance(a, Failed)]
    if failed:
        blocks += [Say(f"{name} could not be traced here: {a.error}") for name, a in failed]
        blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed} --replicas {n}"))
        return blocks
    blocks.append(_table(f))
    for name, a, branch in _apis(f):
        blocks.append(Heading(name + branch))
        why = replicas_why(a.reason, _rows(a))
        blocks.append(Say(replicas_agreement(a.agree, _rows(a)) + (" " + why if why else "")))
        lesson = replicas_lesson(a.agree, a.reason, _rows(a))
        if lesson:
            blocks.append(Say(lesson))
    blocks.append(_checks(f))
    blocks.append(Say("To see one API's replicas stage by stage, run it with --replicas; add --api tf-keras "
                      "--rng stateful or stateless for tf-keras's other branches."))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed} --replicas {n}"))
    return blocks
