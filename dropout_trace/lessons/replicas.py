"""Dropout under MirroredStrategy: do the replicas draw the same mask? Measured for Keras 3 and tf-keras."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, fields

from ..apis import KERAS3, TF_KERAS
from . import Failed

REPLICAS = 2
SHAPE, BATCH = "None,4", 3
APIS = (KERAS3.name, TF_KERAS.name)


@dataclass(frozen=True)
class Replica:
    """One replica's draw, keyed as `run --replicas --format json` writes it, its keep mask as values."""

    replica: int
    first_row: int
    rows: int
    seed_state_before: list | None
    seed_state_after: list | None
    seed_used: list | None
    legacy_seed: int | None
    key_in: list | None
    key_out: list | None
    same_mask_as_replica_0: bool | None
    same_draws_as_replica_0: bool | None
    mask_rows: int | None  # rows of its keep mask as drawn: 1 where the noise shape shares axis 0
    keep_mask: list | None


@dataclass(frozen=True)
class ApiReplicas:
    """One API under MirroredStrategy: whether its replicas agree, why, and each replica's draw."""

    call: str
    agree: bool | None
    reason: str | None
    replicas: list[Replica]
    checks: list  # each replica's bit-exact check: passed, or None where none ran


@dataclass(frozen=True)
class Replicas:
    replicas: int
    rows: int  # per replica
    rate: float
    seed: int
    tf_keras_rng: str | None  # tf-keras's default rng branch here
    keras: ApiReplicas | Failed
    tf_keras: ApiReplicas | Failed


KEEP = tuple(f.name for f in fields(Replica))[:-1]  # read from the run's JSON as they are; keep_mask is a tensor name


def _in_process(api: str, p) -> dict:
    """`run --replicas --format json` for one API, traced in this process (it has the logical CPUs)."""
    from ..render_json import trace_json
    from ..spec import build_spec
    from ..trace import trace_run

    spec = build_spec(rate=repr(p.rate), shape=SHAPE, batch=BATCH, seed=str(p.seed), api=api, replicas=REPLICAS)
    return trace_json(trace_run(spec))


def _subprocess(p) -> dict:
    """TensorFlow here started with one CPU device and cannot be split now: trace both APIs in a fresh process."""
    from ..pause import Children

    from .. import status

    status.say("tracing both APIs under MirroredStrategy in a fresh Python (it loads TensorFlow)…")
    with Children() as children:  # ended and reaped on a timeout, Ctrl-C or SIGTERM
        proc = children.start([sys.executable, "-m", __name__, repr(p.rate), str(p.seed)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            return {api: {"error": "the replica run timed out"} for api in APIS}
    try:
        return json.loads(out)
    except ValueError:
        said = (err.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return {api: {"error": said} for api in APIS}


def _facts(data: dict) -> ApiReplicas | Failed:
    """One API's facts from its `run --replicas --format json` document (or the error that stopped it)."""
    if "error" in data:
        return Failed(data["error"])
    reps, tensors = data.get("replicas") or [], data.get("tensors") or {}
    return ApiReplicas(call=data["call"], agree=data["replicas_agree"], reason=data["replica_reason"],
                       replicas=[Replica(**{k: r.get(k) for k in KEEP},
                                         keep_mask=(tensors.get(r["keep_mask"]) or {}).get("values")) for r in reps],
                       checks=[None if r["check"] is None else r["check"]["passed"] for r in reps])


def compute(p) -> Replicas:
    from ..apis import effective_rng
    from ..spec import build_spec
    from ..tfenv import import_tensorflow

    tf, _ = import_tensorflow()
    if len(tf.config.list_logical_devices("CPU")) >= REPLICAS:
        runs = {api: _in_process(api, p) for api in APIS}
    else:
        runs = _subprocess(p)
    rng = effective_rng(build_spec(rate=repr(p.rate), shape=SHAPE, api=TF_KERAS.name))
    return Replicas(replicas=REPLICAS, rows=BATCH, rate=p.rate, seed=p.seed, tf_keras_rng=rng,
                    keras=_facts(runs[KERAS3.name]), tf_keras=_facts(runs[TF_KERAS.name]))


if __name__ == "__main__":  # the fresh process: split the CPU before TensorFlow starts, trace, print JSON
    from ..lessons import Params
    from ..tfenv import import_tensorflow

    import_tensorflow(REPLICAS)
    params = Params(rate=float(sys.argv[1]), seed=int(sys.argv[2]))
    sys.stdout.write(json.dumps({api: _in_process(api, params) for api in APIS}) + "\n")
