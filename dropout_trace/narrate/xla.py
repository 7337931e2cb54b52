"""Words for `explain xla`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.xla import Alg, FitDefault, Layer, Pair, Xla
from ..page import Mask, Rows, Say, Table, Try
from .words import listed

SUMMARY = "jit_compile=True: the same uniforms for the same seed?"


def _same(pair: Pair | Layer) -> str:
    return "same" if pair.equal else "different"


def _alg(a: Alg | None) -> list:
    if a is None:
        return [Say("stateless_random_uniform's alg default was not found in this TensorFlow's source.")]
    return [Rows((("alg default", f"'{a.default}' -> Algorithm.{a.name} ({a.value})"),
                  ("read in", a.where)))]


def _same_mask(d: Layer, p) -> str:
    """Why the layer's masks agree: the same draws, or different draws that all fell on one side of the rate."""
    draws, kept, n = d.draws, d.kept, d.elements
    if draws is None and p.rate == 1 and kept.regular == kept.compiled == 0:  # Keras 3's backend: zeros, no draw
        return ("At rate 1 the Keras layer returns zeros before it draws, so its output is all zeros with and "
                "without jit_compile: XLA has no uniforms to change.")
    if draws is None:
        return "The Keras layer gave the same output with and without jit_compile; its draws were not captured."
    if draws.equal:
        return "The Keras layer drew the same uniforms with and without jit_compile, so the same mask."
    why = ("every element was dropped both ways" if kept.regular == 0 else
           "every element was kept both ways" if kept.regular == n else
           f"each of the {draws.differ:,} differing draws fell on the same side of the rate "
           f"({kept.regular:,} of {n:,} kept both ways)")
    return (f"The Keras layer drew different uniforms under jit_compile ({draws.differ:,} of {draws.elements:,} "
            f"differ), yet its masks agree only because {why} at rate {p.rate:g}.")


def _verdict(f: Xla, p) -> list:
    u, d = f.uniform, f.dropout
    auto, philox = u.auto_select, u.philox
    out = []
    if not auto.equal and philox.equal and f.regular_auto_is_philox:
        out.append("Without XLA, auto_select drew exactly the Philox uniforms. Under XLA it drew others, while an "
                   "explicit alg='philox' matched both ways: XLA resolves auto_select to its own choice.")
    elif auto.equal:
        out.append("Here XLA drew the same uniforms as the regular kernel for the same seed and alg.")
    else:
        out.append("Under XLA the uniforms differ from the regular kernel's"
                   + (", even with alg='philox'." if not philox.equal else "."))
    if d.regular_state is None:
        out.append(f"At rate {p.rate:g} the Keras layer has no SeedGenerator and draws nothing: its output "
                   "is its input either way.")
    elif d.equal:
        out.append(_same_mask(d, p))
    else:
        (start, end), (start_jit, end_jit) = d.regular_state, d.compiled_state
        began = f"both layers started at {listed(start)}" if start == start_jit else "the layers started apart"
        same = f" both left the state at {listed(end)}" if end == end_jit else " ended at different states"
        alg, default = f.layer_graph_alg, f.alg.value if f.alg else None
        why = (f"The Keras layer's graph feeds its uniform op alg={alg}, the default, so its mask"
               if alg == default else "The Keras layer's mask")
        out.append(f"{why} changed with jit_compile: {d.differ} of {d.elements} outputs differ, "
                   f"though {began} and{same}.")
    return [Say(" ".join(out))]


def _fit(fit: FitDefault, rate: float) -> Say:
    devices = ", ".join(fit.devices)
    kernel = "under XLA" if fit.jit_compile else "with the regular kernel"
    what = ("fit() runs " + kernel + ", though at rate 1 Dropout draws no mask" if rate == 1 else
            "fit() draws its masks " + kernel)
    return Say(f"Here Model.compile()'s default jit_compile='auto' resolved to {fit.jit_compile} (devices: "
               f"{devices}): {what}.")


def page(f: Xla, p) -> list:
    n = f.shape[0] * f.shape[1]
    blocks = [Say(f"tf.function(jit_compile=True) hands the graph to XLA, which compiles its own random kernels. "
                  f"Does the same seed [{p.seed}, 0] give the same {n:,} uniforms?")]
    blocks += _alg(f.alg)
    if f.xla_error:
        blocks.append(Say(f"XLA compile is unavailable here, so nothing was compared: {f.xla_error}"))
        blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4"))
        return blocks
    u, d = f.uniform, f.dropout
    blocks.append(Table(("call, on CPU", "jit vs regular", "elements that differ"), (
        ("stateless_uniform, default alg", _same(u.auto_select), f"{u.auto_select.differ:,} of {n:,}"),
        ("stateless_uniform, alg='philox'", _same(u.philox), f"{u.philox.differ:,} of {n:,}"),
        *((("keras.layers.Dropout, its uniforms", _same(d.draws),
             f"{d.draws.differ:,} of {d.draws.elements:,}"),) if d.draws else ()),
        ("keras.layers.Dropout, its output", _same(d), f"{d.differ:,} of {d.elements:,}"))))
    fmt = lambda row: listed(round(v, 4) for v in row)  # noqa: E731 - four digits show the difference
    blocks.append(Rows((("default alg, row 0, regular", fmt(f.first_uniforms.regular)),
                        ("default alg, row 0, XLA", fmt(f.first_uniforms.compiled)))))
    if d.draws is not None:  # no uniform op in the layer's graph: nothing drawn, no mask to show
        blocks.append(Mask("Dropout keep mask, regular kernel", d.regular_mask))
        blocks.append(Mask("Dropout keep mask, jit_compile=True", d.compiled_mask))
    blocks += _verdict(f, p)
    blocks.append(_fit(f.fit_default, p.rate))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4"))
    return blocks
