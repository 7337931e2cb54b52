"""Words for `explain static-vs-dynamic`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..page import Mask, Rows, Say, Try
from . import listed, plural

SUMMARY = "a None batch in call(), yet every sample its own draws"


def page(f: dict, p) -> list:
    blocks = [Say("Inside call(), x.shape is the static shape: what tf.function knows while it traces, "
                  f"here {listed(f['input_static_shape'])}. The mask is not built from it.")]
    if f["noise_source"] == "shape_op":
        blocks.append(Say(f"The noise shape is tf.shape(x): a tensor made by a Shape op in the graph, whose value "
                          "exists only when the graph runs."))
    blocks.append(Rows((("x.shape while tracing", listed(f["input_static_shape"])),
                        ("noise shape while tracing", listed(f["noise_static"] or [])),
                        ("noise shape at run time", listed(f["noise_runtime"] or [])),
                        ("uniform draws", f"{plural(f['draws'], 'draw')} for {plural(f['elements'], 'element')}"))))
    if f["keep_mask"] is not None:
        blocks.append(Mask("keep mask at run time, one row per sample", f["keep_mask"]))
    if f["draws"] == f["elements"]:
        blocks.append(Say("So the sampler drew one uniform per element, every sample in the batch included: the "
                          "batch size entered the graph at run time, through the Shape op."))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
