"""Words for `explain static-vs-dynamic`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.static_vs_dynamic import StaticVsDynamic
from ..page import Mask, Rows, Say, Try
from .words import listed, plural

SUMMARY = "a None batch in call(), yet every sample its own draws"


def _shape(dims) -> str:
    return "unknown (no static value)" if dims is None else listed(dims)


def _nothing_drawn(f: StaticVsDynamic, p) -> list:
    """The call returned before any noise shape, draw or mask existed."""
    at = f.stopped
    where = f": {at.function} returned at {at.file}:{at.line}, `{at.source}`" if at else ""
    return [Say(f"At rate {p.rate:g} nothing was drawn{where}. No noise shape was computed and no mask built, "
                "so there is no batch-size question to answer: try a rate in (0, 1), e.g. 0.3."),
            Rows((("x.shape while tracing", listed(f.input_static_shape)),
                  ("uniform draws", f"none for {plural(f.elements, 'element')}")))]


def page(f: StaticVsDynamic, p) -> list:
    static = Say("Inside call(), x.shape is the static shape: what tf.function knows while it traces, "
                 f"here {listed(f.input_static_shape)}.")
    if not f.dropped:
        return [static, *_nothing_drawn(f, p),
                Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed}")]
    blocks = [Say(static.text + " The mask is not built from it.")]
    if f.noise_source == "shape_op":
        blocks.append(Say(f"The noise shape is tf.shape(x): a tensor made by a Shape op in the graph, whose value "
                          "exists only when the graph runs."))
    blocks.append(Rows((("x.shape while tracing", listed(f.input_static_shape)),
                        ("noise shape while tracing", _shape(f.noise_static)),
                        ("noise shape at run time", _shape(f.noise_runtime)),
                        ("uniform draws", f"{plural(f.draws, 'draw')} for {plural(f.elements, 'element')}"))))
    if f.keep_mask is not None:
        blocks.append(Mask("keep mask at run time, one row per sample", f.keep_mask))
    if f.draws == f.elements:
        blocks.append(Say("So the sampler drew one uniform per element, every sample in the batch included: the "
                          "batch size entered the graph at run time, through the Shape op."))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
