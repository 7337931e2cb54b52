"""Which elements share one draw: noise_shape per element, per feature, per sample, and SpatialDropout."""

from __future__ import annotations

import numpy as np

from ..apis import SPATIAL, TF_NN
from ..model import TensorView

# name -> the noise shape passed to keras.layers.Dropout on a (None, 4) input (None: no noise_shape)
LAYOUTS = (("element", None), ("feature", "1,4"), ("sample", "None,1"))


def _dims(dims) -> list | None:
    return None if dims is None else [None if d is None else int(d) for d in dims]


def _filled(trace) -> list:
    """The graph tensors the library put where the given noise shape had a None (trace time)."""
    given = trace.facts.noise_given or ()
    value = trace.stage("noise_shape").value("noise_shape")
    items = getattr(value, "items", ())
    return [item.symbolic.rsplit("/", 1)[-1] for d, item in zip(given, items)
            if d is None and isinstance(item, TensorView) and item.symbolic]


def _run(trace) -> dict:
    """What one traced call drew, and which axes its mask is constant along."""
    f, mask = trace.facts, trace.tensors.get("keep_mask")
    full = None if mask is None else np.broadcast_to(mask, trace.run_shape)
    return {
        "x_static": _dims(f.shape),
        "none_filled_by": _filled(trace),
        "noise_given": _dims(f.noise_given),
        "noise_static": _dims(f.noise_static),
        "noise_runtime": _dims(f.noise_runtime),
        "draws": f.draws,
        "elements": f.elements,
        "shared_axes": list(f.shared_axes),
        "mask_drawn": None if mask is None else mask.tolist(),
        "mask": None if full is None else full.tolist(),
        # the axes along which the mask came out constant: 0 = every sample the same
        "constant_axes": None if full is None else [i for i in range(full.ndim)
                                                    if (full == full.take([0], axis=i)).all()],
        "refusal": None if f.refusal is None else {"type": f.refusal.type, "message": f.refusal.message,
                                                   "function": f.refusal.function, "file": f.refusal.file},
        "sampler_got_unknown_size": f.sampler_got_unknown_size,
        "noise_source": f.noise_source,
        "check_passed": bool(trace.check.passed) if trace.check is not None else None,
    }


def compute(p) -> dict:
    from ..spec import build_spec
    from ..trace import trace_run

    rate = str(p.rate)
    out = {name: _run(trace_run(build_spec(rate=rate, shape="None,4", seed=p.seed, noise_shape=noise)))
           for name, noise in LAYOUTS}
    out["spatial"] = _run(trace_run(build_spec(rate=rate, shape="None,3,4", seed=p.seed, api=SPATIAL[1].name)))
    for key, eager in (("tf_nn_graph", False), ("tf_nn_eager", True)):
        out[key] = _run(trace_run(build_spec(rate=rate, shape="None,4", seed=p.seed, api=TF_NN.name,
                                             noise_shape="None,1", eager=eager)))
    return out
