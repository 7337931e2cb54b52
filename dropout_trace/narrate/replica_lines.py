"""`run --replicas`: whether the replicas drew the same mask, why, and what follows for the batch."""

from __future__ import annotations

from ..facts import Facts
from .words import ints, listed, plural


def replica_rows(f: Facts) -> list[dict]:
    """The per-replica facts the replica sentences read, keyed as `run --format json` writes them."""
    return [{"replica": r.replica, "first_row": r.first_row, "rows": r.rows, "seed_state_before": r.state_before,
             "seed_state_after": r.state_after, "seed_used": r.seed_used, "legacy_seed": r.legacy_seed,
             "key_in": r.key_in, "key_out": r.key_out, "same_mask_as_replica_0": r.same_mask,
             "mask_rows": r.mask_rows}
            for r in f.replicas]


def replicas_agreement(agree: bool | None, reps: list[dict]) -> str:
    if agree is None:
        return "No replica drew a mask: the library returned before sampling."
    if agree:
        return "Both replicas drew the same mask." if len(reps) == 2 else f"All {len(reps)} replicas drew the same mask."
    same = [r["replica"] for r in reps[1:] if r["same_mask_as_replica_0"]]
    other = [r["replica"] for r in reps[1:] if not r["same_mask_as_replica_0"]]
    verb = "differs" if len(other) == 1 else "differ"
    line = f"The replicas drew different masks: {_replica_names(other)} {verb} from replica 0"
    return line + (f", {_replica_names(same)} match it." if same else ".")


def _replica_names(ids: list) -> str:
    return ("replica " if len(ids) == 1 else "replicas ") + ", ".join(str(i) for i in ids)


def _per_replica(reps: list[dict], key: str) -> str:
    return ", ".join(f"{listed(r[key]) if isinstance(r[key], list) else r[key]} on replica {r['replica']}"
                     for r in reps)


def replicas_why(reason: str | None, reps: list[dict]) -> str:
    """Why the replicas agree or differ, from each replica's captured state, seeds and keys."""
    r0 = reps[0] if reps else {}
    if reason == "same_state":
        after = [r["seed_state_after"] for r in reps]
        still = (f"; afterwards every copy held {listed(after[0])}, still equal" if None not in after
                 and all(a == after[0] for a in after) else "")
        return (f"Why: each replica read its own copy of the mirrored SeedGenerator state, "
                f"{listed(r0['seed_state_before'])} on every replica, and passed the same seed "
                f"{listed(r0['seed_used'])} to the stateless op{still}.")
    if reason == "constant_seed":
        return (f"Why: the seed is a constant, {listed(r0['seed_used'])}, on every replica, and a stateless op is a "
                "pure function of its seed and shape.")
    if reason == "same_op_seeds":
        return (f"Why: every replica's random op got the same (global, op) seeds, {listed(r0['seed_used'])}; each "
                "device runs its own copy of the op, and the same seeds start the same stream.")
    if reason == "same_draws":
        return "Why: every replica drew the same uniforms."
    if reason == "coincidence":
        return "The uniforms differ between replicas: the masks agree only by chance, in a small sample."
    if reason == "replica_key":
        keys = ", ".join(f"{ints(r['key_in'])} → {ints(r['key_out'])} on replica {r['replica']}" for r in reps)
        return ("Why: tf.random.Generator hashes the replica id into its key before it draws "
                f"(Generator._preprocess_key): {keys}. So each replica draws its own stream.")
    if reason == "op_seeds_differ":
        line = f"Why: the replicas' random ops got different (global, op) seeds: {_per_replica(reps, 'seed_used')}."
        legacy = [r["legacy_seed"] for r in reps]
        if None not in legacy and len(set(legacy)) == len(legacy):
            counted = legacy == list(range(legacy[0], legacy[0] + len(legacy)))
            line += (f" tf-keras's make_legacy_seed handed out {_per_replica(reps, 'legacy_seed')}: it ran once per "
                     "replica while the graph was traced" + (", counting up by one each time." if counted else "."))
        return line
    if reason == "unseeded_ops":
        return "Why: no op seed was set, so each replica's random op seeded itself at random."
    if reason == "different_draws":
        return "Why: the replicas drew different uniforms."
    return ""


def replicas_lesson(agree: bool | None, reason: str | None, reps: list[dict]) -> str | None:
    """The teaching point, where it happens: samples in the same position on different replicas share a mask."""
    if not reps or agree is None:
        return None
    rows, n = reps[0]["rows"], len(reps)
    if agree and reason != "coincidence":
        # Every replica drew the same uniforms, so the batch has only replica 0's own draws along axis 0:
        # one per row, or one for all its rows where the noise shape shares axis 0.
        own = reps[0]["mask_rows"]
        if own == 1:
            return (f"So every sample of the global batch of {n * rows:,} has the same mask: each replica drew one "
                    f"mask for all {plural(rows, 'row')} (the noise shape shares axis 0), and the replicas drew the "
                    f"same one. That batch has only 1 independent mask for its {n * rows:,} samples.")
        first = [str(r["first_row"] + 1) for r in reps]
        pairs = ", ".join(first[:-1]) + " and " + first[-1]
        return (f"So samples in the same position on different replicas share a mask: rows {pairs} "
                f"of the global batch of {n * rows:,} were dropped in the same places, and that batch has only "
                f"{plural(own, 'independent mask')} for its {n * rows:,} samples.")
    if not agree:
        return "So samples in the same position on different replicas get masks of their own."
    return None
