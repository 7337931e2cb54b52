"""Which elements share one draw: noise_shape per element, per feature, per sample, and SpatialDropout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..apis import SPATIAL, TF_NN
from ..model import TensorView


@dataclass(frozen=True)
class Refused:
    """The library raised instead of drawing: the exception, and the frame that raised it."""

    type: str
    message: str
    function: str
    file: str


@dataclass(frozen=True)
class Layout:
    """What one traced call drew, and which axes its mask is constant along."""

    x_static: list | None
    none_filled_by: list[str]
    noise_given: list | None
    noise_static: list | None
    noise_runtime: list | None
    draws: int
    elements: int
    shared_axes: list[int]
    mask_drawn: list | None
    mask: list | None
    constant_axes: list[int] | None  # the axes along which the mask came out constant: 0 = every sample the same
    refusal: Refused | None
    sampler_got_unknown_size: bool
    noise_source: str | None
    check_passed: bool | None


@dataclass(frozen=True)
class NoiseShape:
    element: Layout  # keras.layers.Dropout on a (None, 4) input with no noise_shape
    feature: Layout  # ... noise_shape (1, 4)
    sample: Layout  # ... noise_shape (None, 1)
    spatial: Layout  # SpatialDropout1D on (None, 3, 4)
    tf_nn_graph: Layout  # tf.nn.dropout, noise_shape [None, 1], in a tf.function
    tf_nn_eager: Layout  # ... eagerly


def _dims(dims) -> list | None:
    return None if dims is None else [None if d is None else int(d) for d in dims]


def _filled(trace) -> list:
    """The graph tensors the library put where the given noise shape had a None (trace time)."""
    given = trace.facts.noise_given or ()
    value = trace.stage("noise_shape").value("noise_shape")
    items = getattr(value, "items", ())
    return [item.symbolic.rsplit("/", 1)[-1] for d, item in zip(given, items)
            if d is None and isinstance(item, TensorView) and item.symbolic]


def _run(trace) -> Layout:
    f, mask = trace.facts, trace.tensors.get("keep_mask")
    full = None if mask is None else np.broadcast_to(mask, trace.run_shape)
    return Layout(
        x_static=_dims(f.shape),
        none_filled_by=_filled(trace),
        noise_given=_dims(f.noise_given),
        noise_static=_dims(f.noise_static),
        noise_runtime=_dims(f.noise_runtime),
        draws=f.draws,
        elements=f.elements,
        shared_axes=list(f.shared_axes),
        mask_drawn=None if mask is None else mask.tolist(),
        mask=None if full is None else full.tolist(),
        constant_axes=None if full is None else [i for i in range(full.ndim)
                                                 if (full == full.take([0], axis=i)).all()],
        refusal=None if f.refusal is None else Refused(f.refusal.type, f.refusal.message, f.refusal.function,
                                                       f.refusal.file),
        sampler_got_unknown_size=f.sampler_got_unknown_size,
        noise_source=f.noise_source,
        check_passed=bool(trace.check.passed) if trace.check is not None else None,
    )


def compute(p) -> NoiseShape:
    from ..spec import build_spec
    from ..trace import trace_run

    def run(shape: str = "None,4", **options) -> Layout:
        return _run(trace_run(build_spec(rate=str(p.rate), shape=shape, seed=p.seed, **options)))

    return NoiseShape(element=run(noise_shape=None), feature=run(noise_shape="1,4"), sample=run(noise_shape="None,1"),
                      spatial=run("None,3,4", api=SPATIAL[1].name),
                      tf_nn_graph=run(api=TF_NN.name, noise_shape="None,1", eager=False),
                      tf_nn_eager=run(api=TF_NN.name, noise_shape="None,1", eager=True))
