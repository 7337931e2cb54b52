"""Run a real Dropout call under capture and freeze what the library computed into a Snapshot.

This module, with harness.py (the calls under the recorder), freeze.py (live values to frozen ones) and the entry
points in apis/, is all that touches live TensorFlow objects; everything after the snapshot is pure.
"""

from __future__ import annotations

import threading
import warnings

from .apis import APIS, call_text, effective_rng, input_signature, make_call
from .freeze import Freezer, array_view, landmark_info
from .harness import ReplicaRun, Run, landmarks_for
from .snapshot import Snapshot
from .spec import RunSpec
from .tfenv import import_tensorflow
from .versions import installed

# One capture at a time in a process. tf.random.set_seed (with the op-seed counter it resets) and
# threading.settrace are global to the process: two captures at once draw from each other's seeds and
# record each other's threads, and their checks fail. So concurrent captures wait their turn here, from
# setting the seed through the call, its recording and the reference replay: each gives what it gives alone.
_ONE_CAPTURE = threading.RLock()


def capture(spec: RunSpec, table: dict | None = None) -> Snapshot:
    """Run spec's call under the recorder and freeze everything it captured.

    The caller's global seed, policies, name counters and other process-wide settings neither shape the
    capture nor are changed by it (tfstate.isolated).
    """
    from .tfstate import isolated

    with _ONE_CAPTURE, isolated(), warnings.catch_warnings():
        # A scale 1/(1-rate) past the dtype's range (float16 above rate ~0.99998) is cast to inf by TF's
        # own numpy conversion, which warns; the trace shows that scale as a value, so the warning goes.
        warnings.filterwarnings("ignore", message="overflow encountered in cast", category=RuntimeWarning)
        return _capture(spec, table)


def _capture(spec: RunSpec, table: dict | None) -> Snapshot:
    from . import status

    tf, keras = import_tensorflow(spec.replicas)
    status.say("running the Dropout call under the recorder…")
    landmarks = landmarks_for(spec, table)
    run = ReplicaRun(spec, tf, landmarks) if spec.replicas else Run(spec, tf, landmarks)
    freezer = Freezer(tf, run, landmarks)
    refusal = freezer.refusal()
    # under a strategy each replica is checked from its own draws, not against a single-device call
    fresh, ref_seed = ((), None) if refusal or spec.replicas else _reference(spec, tf, run)
    grads = ()
    if spec.grad and fresh:  # the reference's gradients ride with its outputs
        fresh, grads = tuple(y for y, _ in fresh), tuple(g for _, g in fresh)
    landmarks = {**landmarks, **freezer.gradient_landmarks()}
    return Snapshot(
        spec=spec, call=call_text(spec), versions=installed(tf, keras), rng=effective_rng(spec),
        landmarks={key: landmark_info(lm) for key, lm in landmarks.items()},
        **_split(freezer.events(run.recorders[0] if run.recorders else None)),
        trace_count=run.trace_count, calls=freezer.calls(), input=run.x.numpy(),
        traced_after=tuple(run.traced_after) if len(spec.sizes) > 1 else (),
        made_while_tracing=tuple(tuple(made) for made in getattr(run, "made_while_tracing", [])[:-1])
        if run.trace_count > 1 else (),
        during={k: array_view(v) for k, v in run.during.items() if v is not None},
        after=freezer.after(), fresh=fresh[0] if fresh else None, fresh_calls=fresh if len(fresh) > 1 else (),
        reference_seed=ref_seed, refusal=refusal, replicas=freezer.replicas(), backward=freezer.backward(),
        fresh_gradients=grads, gradient_calls=freezer.gradient_calls())


def _split(events: tuple) -> dict:
    """The forward call's events, and from the first gradient function on (--grad) the backward pass's."""
    first = next((i for i, ev in enumerate(events) if ev.key.startswith("grad:")), len(events))
    return {"events": events[:first], "backward_events": events[first:]}


def _reference(spec: RunSpec, tf, run: Run) -> tuple[tuple, object]:
    """The public API's own answer for every call: fresh objects, seeds reset, then each call's input in the run's
    order, so each call meets the random state its captured call met; () when nothing can replay it.

    One call is replayed eagerly, as it always was (its state is the fresh one either way); several are replayed
    as the run made them, eagerly or through one tf.function with the run's signature: a stateful op traced once
    keeps one op seed and moves on, while eager calls of tf-keras's legacy branch take a new seed each."""
    seed = spec.seed
    if seed is None:  # an unseeded layer drew its own seed; replay from it where the API allows
        drawn = run.states[0][0] if run.states else None
        if APIS[spec.api].replays_drawn_seed and drawn is not None:
            seed = int(drawn[0])
        else:
            return (), None
    _, reference, args = make_call(spec, tf, seed)
    xs = run.xs[:len(run.outputs)]
    if spec.grad:  # its own tape on the fresh object, in the run's mode: (output, gradient) per call
        return _reference_gradients(spec, tf, reference, args, xs, run.upstreams), seed
    if len(xs) < 2 or spec.eager:
        return tuple(reference(x, *args).numpy() for x in xs), seed
    fn = tf.function(lambda x, *a: reference(x, *a), input_signature=input_signature(spec, tf, args),
                     autograph=False)
    return tuple(fn(x, *args).numpy() for x in xs), seed


def _reference_gradients(spec: RunSpec, tf, reference, args, xs, upstreams) -> tuple:
    """A plain tf.GradientTape on the fresh object: d sum(y * upstream) / dx, eagerly or in one tf.function."""
    def taped(x, upstream, *a):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = reference(x, *a)
            loss = tf.reduce_sum(y * tf.cast(upstream, y.dtype))
        return y, tape.gradient(loss, x)

    if not spec.eager:
        signature = input_signature(spec, tf, args)
        taped = tf.function(taped, input_signature=[signature[0], *signature], autograph=False)
    return tuple((y.numpy(), None if g is None else g.numpy()) for y, g in (taped(x, u, *args) for x, u in
                                                                            zip(xs, upstreams)))


def trace_run(spec: RunSpec, table: dict | None = None):
    """Capture spec's call and build the Trace every renderer reads."""
    from .stages import build_trace

    return build_trace(capture(spec, table))

