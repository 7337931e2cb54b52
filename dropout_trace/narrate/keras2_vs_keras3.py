"""Words for `explain keras2-vs-keras3`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.keras2_vs_keras3 import Keras2VsKeras3, Way, WayFailed
from ..page import Heading, Rows, Say, Table, Try
from .words import num

SUMMARY = "which Dropout keras, tf.keras, tf_keras give you"


def _state(w: Way) -> str:
    if w.seed_generator:
        return "seed_generator"
    return "_random_generator" if w.random_generator else "neither"


def _same(ways: dict, a: str, b: str) -> bool:
    """Both names were measured, and gave the very same Dropout class."""
    return isinstance(ways[a], Way) and isinstance(ways[b], Way) and ways[a].cls == ways[b].cls


def _returned(w: Way) -> str:
    """Where Dropout.call returned without handing on the work, and what it returned."""
    r = w.returned
    what = ("the very object it was given" if r.is_input else
            "a new tensor with the input's values" if w.output_equals_input else "a changed tensor")
    return (f"Keras {w.major}'s Dropout.call called no dropout function: it returned at {r.file}:"
            f"{r.line}, `{r.source}`, {what}.")


def page(f: Keras2VsKeras3, p) -> list:
    ways = f.ways
    built = f"Dropout({num(f.rate)}, seed={f.seed})"
    pythons = len({w.python for w in ways.values()})
    where = (f"with the environment shown (one fresh Python per environment, {pythons} in all)"
             if 1 < pythons < len(ways) else "in a fresh Python with the environment shown")
    blocks = [Say(f"Each name was imported {where}, its {built} built and called once with training=True:"),
              Table(("name", "Dropout from", "Keras", "seed state"),
                    tuple((name, "failed", "-", "-") if isinstance(w, WayFailed) else
                          (name, w.package, w.version, _state(w)) for name, w in ways.items()))]
    blocks += [Say(f"{name} failed: {w.error}") for name, w in ways.items() if isinstance(w, WayFailed)]
    if _same(ways, "tf.keras", "keras"):
        blocks.append(Say(f"tf.keras is Keras {ways['keras'].version} here: the very class keras.layers.Dropout."))
    legacy = "tf.keras, TF_USE_LEGACY_KERAS=1"
    if _same(ways, legacy, "tf_keras"):
        blocks.append(Say(f"With TF_USE_LEGACY_KERAS=1 in the environment before Python started, tf.keras is "
                          f"tf_keras, Keras {ways['tf_keras'].version}: the Keras 2 code lives on there."))
    elif _same(ways, legacy, "keras"):
        blocks.append(Say("TF_USE_LEGACY_KERAS=1 did not change tf.keras here: it is still keras.layers.Dropout."))
    shown = {}
    for name, w in ways.items():
        if isinstance(w, Way) and w.cls not in shown:
            shown[w.cls] = w
    handed = any(w.calls_into for w in shown.values())
    blocks.append(Heading("Where Dropout.call hands the work" if handed else "Where Dropout.call returned"))
    rows = []
    for cls, w in shown.items():
        rows.append((f"Keras {w.major}", cls))
        if w.calls_into or not w.returned.seen:
            rows.append(("  calls", ", ".join(w.calls_into) or ", ".join(w.callees)))
        else:
            rows.append(("  returns", f"{w.returned.source}  (line {w.returned.line})"))
    if rows:
        blocks.append(Rows(tuple(rows)))
    for cls, w in shown.items():
        given = [c for c in w.calls_into if w.seed_args.get(c) == "SeedGenerator"]
        if not w.calls_into and w.returned.seen:
            blocks.append(Say(_returned(w)))
        elif w.seed_generator and given:
            blocks.append(Say(f"Keras {w.major} keeps a SeedGenerator on the layer, a [seed, counter] state, "
                              f"and hands it as seed= to {given[0].rsplit('.', 2)[-2]}.dropout."))
        elif w.random_generator and w.calls_into:
            via = " through smart_cond(training, ...)" if any(c.endswith("smart_cond") for c in w.callees) else ""
            rng = f" Its rng type here: {w.rng_type}." if w.rng_type else ""
            blocks.append(Say(f"Keras {w.major} keeps a RandomGenerator on the layer and calls its "
                              f"dropout{via}.{rng}"))
    blocks.append(Try(f"dropout-trace run --api tf-keras --rate {p.rate:g} --shape None,4 --seed {p.seed}"))
    return blocks
