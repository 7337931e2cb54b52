"""Words for `explain scaling`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.scaling import Mean, Scaling
from ..page import Bar, Chart, Heading, Rows, Say, Table, Try
from .words import num, plural

SUMMARY = "inverted dropout: why kept values are scaled by 1/(1-rate)"

Z = 3  # a mean within 3 standard errors of its expectation agrees with it


def _mean(m: Mean) -> tuple[str, str]:
    return (f"{m.mean:.5f}", f"{m.se:.5f}") if m.se else (num(m.mean), "0")


def _agrees(z, mean: float, expected: float) -> bool:
    return mean == expected if z is None else abs(z) < Z


def _off(z, mean: float) -> str:
    """How far a mean that does not agree is: in standard errors, or, with no spread (nothing kept), its value."""
    return f"{abs(z):.1f} standard errors from" if z is not None else f"exactly {num(mean)}, every value alike, not"


def _no_scale(f: Scaling, p) -> str:
    """Why no scale was stored, from where the traced call stopped."""
    at = f.stopped
    where = f"{at.function} returned at {at.file}:{at.line}, `{at.source}`" if at else None
    if not f.dropout_ran:
        how = f": {where}" if where else ""
        return f"At rate {p.rate:g} the installed _dropout never ran{how}. Nothing is dropped, nothing is scaled."
    if where:
        return f"At rate {p.rate:g} {where}, before any scale was computed: nothing is dropped, nothing is scaled."
    return f"At rate {p.rate:g} the traced call stored no scale in _dropout."


def _scale(f: Scaling, p) -> list:
    if f.scale_text is None:
        return [Say(_no_scale(f, p))]
    out = [Say(f"Inverted dropout: during training the kept values are multiplied by 1/(1-rate), so their "
               f"expectation stays x. The installed _dropout stored the scale in {f.scale_dtype}:"),
           Rows((("scale in _dropout", f"{f.scale_text} in {f.scale_dtype}, {f.scale_value!r} exactly"),
                 ("1/(1-rate) in float64", repr(f.scale_float64)),
                 ("output == x * scale", "bit for bit" if f.bit_exact else "not bit for bit")))]
    if f.scale_value != f.scale_float64 and f.scale_is_rounded:
        out.append(Say(f"The stored scale is 1/(1-rate) rounded to {f.scale_dtype}."))
    return out


def _expectation(f: Scaling, p) -> list:
    n = plural(f.n, "one", "ones")
    inv, paper = f.inverted_train, f.paper_train
    test = "returns x" if f.inference_identity else "changes x"
    out = [Heading("The expectation, measured"),
           Say(f"keras.layers.Dropout({p.rate:g}, seed={p.seed}) on {n}, and the original paper's scheme "
               + ("on the same mask: train x*mask unscaled, test x*(1-rate)." if f.dropped else
                  "on the same positions, every one kept since nothing was drawn: train x unscaled, test "
                  "x*(1-rate).")),
           Table(("scheme", "training mean", "s.e.", "at inference"),
                 (("inverted (Keras)", *_mean(inv), f"training=False {test}"),
                  ("original paper", *_mean(paper), f"x*(1-rate) = {f.paper_test_text} (float32)")))]
    out += _chart(f)
    if _agrees(f.inverted_z, inv.mean, 1.0):
        out.append(Say("Inverted: the training mean agrees with 1, the input, within "
                       f"{Z} standard errors." if f.inverted_z is not None else
                       "Inverted: the training mean is exactly 1, the input."))
    else:
        out.append(Say(f"Inverted: the training mean is {_off(f.inverted_z, inv.mean)} 1."))
    if _agrees(f.paper_z, paper.mean, f.paper_test_value):
        out.append(Say(f"Paper: the training mean agrees with the test value {f.paper_test_text}, "
                       "so that scheme matches too; but its test-time layer must be told the rate."))
    else:
        out.append(Say(f"Paper: the training mean is {_off(f.paper_z, paper.mean)} the test "
                       f"value {f.paper_test_text}."))
    if f.inference_identity:
        out.append(Say("Keras moved all the rate-dependence into training: at inference, Dropout returns its "
                       "input unchanged and needs to know nothing."))
    return out


def _chart(f: Scaling) -> list:
    """Each scheme's mean output, in training and at test, against the input's mean (1: the input is ones);
    none when every mean is the input's (nothing to see)."""
    rows = [("inverted, training", f.inverted_train.mean)]
    if f.inference_identity:  # training=False returned x itself: its mean is the input's
        rows.append(("inverted, inference", 1.0))
    rows += [("paper, training", f.paper_train.mean), ("paper, test", f.paper_test_value)]
    if all(v == 1 for _, v in rows):
        return []
    bars = tuple(Bar(label, v, 1.0, f"{v:.5f}") for label, v in rows)
    return [Chart(title=f"Mean output on {plural(f.n, 'one', 'ones')}, in training and at inference", rows="scheme",
                  measure="mean output", bars=bars, bar_key="mean output", mark_key="1: the input's mean",
                  value_head="mean")]


def page(f: Scaling, p) -> list:
    blocks = _scale(f, p) + _expectation(f, p)
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --input ones"))
    return blocks
