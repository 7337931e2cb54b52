"""Words for `explain v1-vs-v2`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.v1_vs_v2 import V1VsV2
from ..page import Heading, Say, Table, Try
from .words import plural

SUMMARY = "keep_prob vs rate, and the digit 1 - keep_prob can add"


def _cell(value) -> str:
    return "-" if value is None else repr(value) if isinstance(value, float) else str(value)


def _stored(f: V1VsV2) -> list:
    v1, v2 = f.v1, f.v2
    if v1.scale_text is None and v2.scale_text is None:
        return [Say("At rate 0 the installed _dropout returns x at once for both calls: nothing is drawn.")]
    dtype = v2.compute_dtype
    rows = (("rate", _cell(v1.rate), _cell(v2.rate)),
            ("keep_prob = 1 - rate", _cell(v1.keep_prob), _cell(v2.keep_prob)),
            (f"scale, {dtype}", _cell(v1.scale_text), _cell(v2.scale_text)),
            (f"rate compared, {dtype}", _cell(v1.rate_in_dtype_text), _cell(v2.rate_in_dtype_text)))
    out = [Say("What the installed _dropout held in each call (its locals, and the rate as the comparison "
               "random >= rate sees it, converted to x's dtype):"),
           Table(("in _dropout", "v1 (keep_prob)", "v2 (rate)"), rows)]
    same_threshold = v1.rate_in_dtype == v2.rate_in_dtype
    same_scale = v1.scale_value == v2.scale_value
    if v1.rate != v2.rate and same_threshold and same_scale:
        out.append(Say(f"The extra digit does not survive {dtype}: both calls compare the draws with the same "
                       "threshold and scale by the same number."))
    elif not (same_threshold and same_scale):
        out.append(Say(f"Here the difference survives in {dtype}: "
                       + ", ".join(w for w, same in (("the threshold", same_threshold), ("the scale", same_scale))
                                   if not same) + " differ."))
    return out


def _measured(f: V1VsV2, p) -> list:
    n = plural(f.n, "element")
    out = [Heading("Measured"),
           Say(f"On {n} 1, 2, 3, ... with tf.random.set_seed({p.seed}) before each call and seed={p.seed}:")]
    if f.bit_identical:
        out.append(Say(f"the two outputs are identical bit for bit: the same {plural(f.kept, 'element')} kept, "
                       "with the same values. Porting keep_prob=k to rate=1-k changes nothing here."))
    else:
        out.append(Say(f"{plural(f.elements_differ, 'element')} differ; the masks differ in "
                       f"{plural(f.masks_differ, 'element')}."))
    return out


WIDTH = 76  # a Try command is drawn after a 4-space indent and never wrapped: 80 columns in all


def _try(keep: str) -> Try:
    """The v1 run with this keep_prob, on the page's None,4 input when that fits 80 columns, else on shape 4."""
    base = f"dropout-trace run --api tf.compat.v1.nn.dropout --keep-prob {keep} --shape "
    return Try(base + ("None,4" if len(base + "None,4") <= WIDTH else "4"))


def page(f: V1VsV2, p) -> list:
    converted = f.rate_from_keep_prob
    keep = f.keep_prob_text or repr(f.keep_prob)
    blocks = [Say("TF1's tf.compat.v1.nn.dropout takes keep_prob; TF2's tf.nn.dropout takes rate. The v1 "
                  "function turns one into the other, rate = 1 - keep_prob, in Python floats:"),
              Table(("call", "rate it passes on"),
                    ((f"tf.compat.v1.nn.dropout(x, keep_prob={keep})", repr(converted)),
                     (f"tf.nn.dropout(x, rate={f.rate!r})", repr(f.rate))))]
    if converted != f.rate:
        none = (f" No float keep_prob gives back exactly {f.rate!r}." if not f.keep_prob_exact
                else "")
        blocks.append(Say(f"So 1 - {keep} is not {f.rate!r} in Python: the last digit differs.{none}"))
    else:
        blocks.append(Say(f"Here 1 - {keep} is exactly {f.rate!r}: nothing to lose."))
    blocks += _stored(f) + _measured(f, p)
    blocks.append(_try(keep))
    return blocks
