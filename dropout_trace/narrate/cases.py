"""The wording of each case the facts decide, every view side by side: one row per case, one column per view.

The facts decide which case a run is (`Facts.noise_origin`, `Facts.sharing`); a view only picks its column.
A new view (a handout, a notebook cell) adds a column here instead of deciding the case again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..facts import NOISE_ORIGINS, Facts
from ..spec import shape_text
from .words import axes, counts_in_turn, in_turn, listed, num, plural

Words = Callable[[Facts], str]


@dataclass(frozen=True)
class Said:
    idea: Words  # the full view: the stage's idea, a sentence or two
    brief: Words  # the brief view: the stage's one line
    short: Words  # "In short", full view
    short_brief: Words  # "In short", brief view


def _static(f: Facts) -> str:
    return listed(f.noise_static or [])


def _run(f: Facts) -> str:
    """The noise shape's run-time value; where the calls' sizes differ (--batch 3,5), each call's in turn."""
    if f.sizes_differ and all(c.noise_shape is not None for c in f.calls):
        return in_turn([listed(c.noise_shape) for c in f.calls])
    return listed(f.noise_runtime or [])


def drawn(f: Facts, word: str = "uniform") -> str:
    """How many uniforms were drawn: call 1's count, or each call's in turn where the calls' sizes differ."""
    if f.sizes_differ:
        return counts_in_turn([c.draws for c in f.calls], word)
    return plural(f.draws, word)


def elements(f: Facts) -> str:
    """How many elements x had: call 1's count, or each call's in turn where the calls' sizes differ."""
    if f.sizes_differ:
        return counts_in_turn([math.prod(c.run_shape) for c in f.calls], "element")
    return plural(f.elements, "element")


def run_shapes(f: Facts) -> str:
    """x's run-time shape, as Python prints it: call 1's, or each call's in turn where they differ (with the calls
    a round of sizes spans, once: the noise shapes and draws that follow are said a round at a time)."""
    if f.sizes_differ:
        return in_turn([shape_text(s) for s in f.run_shapes], rounds=True)
    return shape_text(f.run_shape)


def _while_tracing(f: Facts, what: str) -> str:
    return (f"While tracing, x had shape {shape_text(f.shape)} and the noise shape was {what} whose value was only "
            f"partly known: {_static(f)}. When the graph ran it held {_run(f)}")


def _short_list(f: Facts) -> str:
    known = "only partly known" if None in (f.noise_static or [None]) else "already known"
    return (f"While tracing, x had shape {shape_text(f.shape)}; the noise shape was a list of sizes and tensors "
            f"sliced from tf.shape(x), whose value was {known}: {_static(f)}. When the graph ran it held {_run(f)}")


def _short_static(f: Facts) -> str:
    return f"The noise shape was the list {_static(f)}, fully known while tracing. It held {_run(f)}"


def _brief_list(f: Facts) -> str:
    return f"The noise shape was a list from tf.shape(x): {_static(f)} while tracing, {_run(f)} at run time"


def _brief_static(f: Facts) -> str:
    return f"The noise shape was the list {_run(f)}, known while tracing"


def _idea_given(f: Facts) -> str:
    unknown = [i for i, d in enumerate(f.noise_given or ()) if d is None]
    known = f"tf.shape(x)[{', '.join(map(str, unknown))}]" if unknown else "no tensor"
    return (f"The noise shape given, {listed(f.noise_given)}, became a list: each None is taken from {known} "
            f"when the graph runs, the other sizes are the numbers given ({_run(f)} at run time).")


def _idea_static(f: Facts) -> str:
    filled = any(d is None for d in (f.noise_given or ()))
    how = "its None entries filled from x's static shape" if filled else "every size a plain number"
    return f"The noise shape is the list {_static(f)}, known while tracing, with {how}."


# Where the noise shape came from (Facts.noise_origin).
NOISE = {
    "shape_op": Said(
        idea=lambda f: ("The mask's shape is tf.shape(x): a Shape op whose value exists only when the graph runs "
                        f"({_static(f)} while tracing, {_run(f)} at run time), so the unknown size "
                        "becomes a real one just in time for the draw."),
        brief=lambda f: "tf.shape(x): a Shape op, known only at run time",
        short=lambda f: _while_tracing(f, "a tensor (a Shape op)"),
        short_brief=lambda f: f"The noise shape was a Shape op: {_static(f)} while tracing, {_run(f)} at run time"),
    "tensor": Said(
        idea=lambda f: (f"The noise shape is a tensor, {f.noise_tensor}, whose value exists only when the graph runs "
                        f"({_static(f)} while tracing, {_run(f)} at run time)."),
        brief=lambda f: f"the tensor {f.noise_tensor}, known only at run time",
        short=lambda f: _while_tracing(f, f"a tensor ({f.noise_tensor})"),
        short_brief=lambda f: f"The noise shape was a tensor: {_static(f)} while tracing, {_run(f)} at run time"),
    "constant": Said(
        idea=lambda f: (f"Every size of x was known while tracing, so tf.shape(x) folded into the constant "
                        f"{listed(f.noise_runtime or f.noise_static or [])}: its tensor keeps the name "
                        f"{f.noise_tensor}, but no Shape op runs."),
        brief=lambda f: "every size known: tf.shape(x) became a constant",
        short=lambda f: (f"Every size was known while tracing, {shape_text(f.shape)}, so the noise shape was a "
                         f"constant. It held {_run(f)}"),
        short_brief=lambda f: f"Every size was known while tracing: the noise shape was the constant {_run(f)}"),
    "eager": Said(
        idea=lambda f: f"Eagerly every size is concrete from the start: the noise shape is {_run(f)}.",
        brief=lambda f: "eager: concrete from the start",
        short=lambda f: ("Eagerly there is no tracing: every shape is concrete from the start. "
                         f"The noise shape was {_run(f)}"),
        short_brief=lambda f: f"Eagerly the noise shape was concrete, {_run(f)}"),
    "layer_list": Said(
        idea=lambda f: ("The layer built the noise shape itself, as a list of sizes and tensors sliced from "
                        f"tf.shape(x): {_static(f)} while tracing, {_run(f)} when the graph runs."),
        brief=lambda f: "built by the layer from sizes and tf.shape(x)",
        short=_short_list, short_brief=_brief_list),
    "given_list_runtime": Said(
        idea=_idea_given, brief=lambda f: "each None taken from tf.shape(x) at run time",
        short=_short_list, short_brief=_brief_list),
    "given_list": Said(
        idea=_idea_given, brief=lambda f: "the sizes given, as a list", short=_short_list, short_brief=_brief_list),
    "static_list_unknown": Said(
        idea=lambda f: (f"The noise shape is the list {_static(f)}: _get_noise_shape fills a None only from x's "
                        "static shape, and x's size there is None too, so it stays unknown."),
        brief=lambda f: "a list: None filled only from x's static shape, so still unknown",
        short=lambda f: (f"The noise shape was the list {_static(f)}, still partly unknown while tracing: "
                         f"_get_noise_shape fills a None only from x's static shape. It held {_run(f)}"),
        short_brief=lambda f: f"The noise shape was the list {_static(f)}, partly unknown while tracing"),
    "static_list": Said(
        idea=_idea_static, brief=lambda f: "a list, known while tracing", short=_short_static,
        short_brief=_brief_static),
    "unknown": Said(
        idea=lambda f: "The noise shape as _dropout used it.", brief=lambda f: "the noise shape _dropout used",
        short=_short_static, short_brief=_brief_static),
}
assert set(NOISE) == set(NOISE_ORIGINS), "every origin the facts can decide has its words"


def _also(f: Facts) -> str:
    return "also " if len(f.shared_axes) > 1 else ""


def _draws_for(f: Facts) -> str:
    return f"{drawn(f, 'draw')} for {elements(f)}"


# How the draws serve the elements (Facts.sharing). `short` and `short_brief` follow "the sampler drew N uniforms".
SHARING = {
    "per_element": Said(
        idea=lambda f: "one draw per element: every sample in the batch gets its own numbers",
        brief=lambda f: f"{drawn(f, 'draw')}, one per element",
        short=lambda f: ("one per element of replica 0's rows, so each of its samples got its own (across replicas, "
                         "see Replicas)" if f.replicas else "one per element, so every sample got its own"),
        short_brief=lambda f: ("one per element of replica 0's rows" if f.replicas else
                               "one per element, so every sample got its own")),
    "batch": Said(
        idea=lambda f: (f"{_draws_for(f)}: every sample in the batch shares the same draws "
                        f"({_also(f)}along {axes(f.shared_axes)})"),
        brief=lambda f: f"{drawn(f, 'draw')} shared by every sample",
        short=lambda f: f"shared by every sample in the batch, across {elements(f)}",
        short_brief=lambda f: "shared by every sample in the batch"),
    "axes": Said(
        idea=lambda f: (f"{_draws_for(f)}: one draw serves every element along {axes(f.shared_axes)}, and each sample "
                        "still gets its own"),
        brief=lambda f: f"{drawn(f, 'draw')}, each shared along {axes(f.shared_axes)}",
        short=lambda f: f"each shared along {axes(f.shared_axes)}, across {elements(f)}",
        short_brief=lambda f: f"each shared along {axes(f.shared_axes)}"),
}


def stored_rate(f: Facts) -> str:
    """The rate the keep mask was compared with, where P(keep) is 0 or 1: as given, or as the dtype stored it
    (--rate 0.9999 in float16 is stored as 1, and then nothing is kept)."""
    p = f.probabilities
    if p is None or p.rate_in_dtype == f.rate:
        return f"a rate of {num(f.rate)}"
    return f"the rate, {num(f.rate)} stored as {num(p.rate_in_dtype)} in {p.compute_dtype}"


def noise(f: Facts) -> Said:
    return NOISE[f.noise_origin]


def sharing(f: Facts) -> Said:
    return SHARING[f.sharing]
