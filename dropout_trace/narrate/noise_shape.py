"""Words for `explain noise-shape`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.noise_shape import Layout, NoiseShape
from ..page import Heading, Mask, Say, Table, Try
from ..spec import shape_text
from .words import listed, plural

SUMMARY = "which elements share a draw: per element, feature, sample"

def _given(r: Layout) -> str:
    return "no noise_shape" if r.noise_given is None else shape_text(r.noise_given)


def _table(f: NoiseShape) -> Table:
    rows = []
    for label, r in (("per element", f.element), ("per feature", f.feature), ("per sample", f.sample)):
        given = _given(r)
        run = listed(r.noise_runtime) if r.noise_runtime else "-"
        rows.append((label, given, run, str(r.draws), str(r.elements)))
    return Table(("mask", "noise_shape", "at run time", "draws", "elements"), tuple(rows))


def _masks(f: NoiseShape) -> list:
    out = []
    element, feature, sample = f.element, f.feature, f.sample
    if element.mask is not None and element.draws == element.elements:
        out.append(Mask("per element: one draw per element, every sample its own", element.mask))
    if feature.mask is not None:
        out.append(Mask(f"per feature, {_given(feature)}: one draw per column", feature.mask))
        if 0 in feature.constant_axes:
            out.append(Say(f"Every sample drops the same features: the {feature.draws} draws are broadcast "
                           "down the batch."))
    if sample.mask is not None:
        out.append(Mask(f"per sample, {_given(sample)}: one draw per row", sample.mask))
        if 1 in sample.constant_axes:
            out.append(Say("Each sample is kept or dropped whole: its one draw is broadcast along the row."))
    return out


def _spatial(f: NoiseShape) -> list:
    s = f.spatial
    if s.mask_drawn is None:
        return []
    out = [Heading("SpatialDropout1D: whole channels"),
           Say(f"SpatialDropout1D on {shape_text(s.x_static)} chose the noise shape itself: {listed(s.noise_runtime)} at "
               f"run time, {plural(s.draws, 'draw')} for {plural(s.elements, 'element')}."),
           Mask("drawn: one row per sample, one column per channel", [row[0] for row in s.mask_drawn])]
    if 1 in s.constant_axes:
        steps = plural(len(s.mask[0]), "timestep")
        out.append(Mask(f"sample 1 as applied: {steps}, each the same", s.mask[0]))
        out.append(Say("A dropped channel is zero at every timestep: neighbours cannot fill it in."))
    return out


def _none(f: NoiseShape) -> list:
    g, e, k = f.tf_nn_graph, f.tf_nn_eager, f.sample
    out = [Heading("None in noise_shape")]
    if g.refusal is not None:
        out.append(Say(f"tf.nn.dropout(x, rate, noise_shape=[None, 1]) inside a tf.function with a None batch "
                       f"raised {g.refusal.type} in {g.refusal.function}: "
                       f"{g.refusal.message}"))
        if g.sampler_got_unknown_size:
            out.append(Say(f"_get_noise_shape fills a None only from x's static shape, {listed(g.x_static)} "
                           f"while tracing, so the sampler got {listed(g.noise_static)}."))
    elif g.draws == 0:
        out.append(Say("At this rate tf.nn.dropout returned x before reading the noise shape: nothing raised. "
                       "Try a rate above 0 to see the refusal."))
    else:
        out.append(Say("tf.nn.dropout(x, rate, noise_shape=[None, 1]) inside a tf.function with a None batch "
                       f"ran here: noise shape {listed(g.noise_runtime or [])} at run time."))
    if e.refusal is None and e.noise_static and None not in e.noise_static:
        out.append(Say(f"Eagerly the static shape is concrete, so the same call ran with noise shape "
                       f"{listed(e.noise_static)}."))
    if k.refusal is None and k.none_filled_by:
        out.append(Say(f"Keras accepts it: where the None was it put a slice of tf.shape(x) (graph tensor "
                       f"{k.none_filled_by[0]}), whose value exists at run time: here "
                       f"{listed(k.noise_runtime)}."))
    return out


def page(f: NoiseShape, p) -> list:
    x = f.element
    blocks = [Say("noise_shape says which elements share one uniform draw: where it has a 1, one keep-or-drop "
                  f"decision is broadcast along that axis. Keras 3 Dropout on a {shape_text(x.x_static)} "
                  f"input, {plural(x.elements, 'element')} at run time, in a tf.function:"),
              _table(f)]
    if f.element.draws == 0:
        blocks.append(Say("At rate 0 the layer returns its input: nothing is drawn. Use a rate above 0 to see "
                          "the masks."))
    blocks += _masks(f) + _spatial(f) + _none(f)
    seed = "" if p.seed == 42 else f" --seed {p.seed}"  # 42 is run's default: keep the line short
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,3 --noise-shape None,1{seed}"))
    return blocks
