"""Words for `explain nan`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.nan import Nan, Source
from ..page import Heading, Say, Table, Try
from .words import plural

SUMMARY = "what happens to a NaN or Inf that is dropped, or kept"


def _cell(text: str | None, count: int) -> str:
    return "-" if text is None else f"{text} ({count})"


def _how(src: Source) -> list:
    where = [Say(f"{src.file}, line {n}:\n  {text}") for n, text in src.mask_lines]
    if src.uses_select:
        return [Say("The installed _dropout applies the mask with a select, not a multiply."), *where,
                Say("where_v2 picks x*scale where the mask keeps and the constant 0 where it drops: a dropped "
                    "element's value is discarded, never multiplied by 0. TF 2.10 and earlier multiplied by "
                    "the cast mask, "
                    "x*scale*cast(mask), so a dropped element was multiplied by 0.")]
    if src.uses_cast_multiply:
        return [Say("The installed _dropout multiplies by the cast mask, x*scale*cast(mask):"), *where,
                Say("A dropped element is multiplied by 0.")]
    return [Say("The installed _dropout has no where_v2(keep_mask ...) nor cast(keep_mask) line: read it with "
                "the command below.")]


def _verdict(f: Nan) -> list:
    nan = next(r for r in f.rows if r.input == "nan")
    out = []
    if nan.dropped_out is None or nan.kept_out is None:
        missing = "dropped" if nan.dropped_out is None else "kept"
        out.append(Say(f"No NaN was {missing} at this rate, so one side does not show: try --rate 0.5."))
    if nan.dropped_out == "0.0" and nan.kept_out == "nan":
        out.append(Say("A dropped NaN came out 0 and a kept NaN stayed NaN (NaN*scale): on a given step "
                       "dropout can hide a NaN or pass it on, depending on the mask."))
    elif nan.dropped_out == "0.0":
        out.append(Say("A dropped NaN came out 0: the select took the constant instead."))
    elif nan.dropped_out == "nan":
        out.append(Say("A dropped NaN came out NaN: dropping does not remove it."))
    inf = next(r for r in f.rows if r.input == "inf")
    if nan.dropped_multiply == "nan" and inf.dropped_multiply == "nan":
        out.append(Say("The multiply turns a dropped NaN and a dropped Inf into NaN: NaN*0 and Inf*0 are NaN."))
    if f.matches_select and not f.matches_multiply:
        out.append(Say("The layer's output equals the select formula bit for bit, NaNs included, and differs "
                       "from the multiply."))
    elif f.matches_multiply and not f.matches_select:
        out.append(Say("The layer's output equals the multiply formula bit for bit, and differs from the select."))
    return out


def _undrawn(f: Nan, p) -> list:
    """Nothing was drawn: no mask and no scale, so only the layer's output is shown."""
    at = f.stopped
    where = f": {at.function} returned at {at.file}:{at.line}, `{at.source}`" if at else ""
    rows = tuple((r.input, _cell(r.kept_out, r.kept)) for r in f.rows)
    return [Heading("Measured"),
            Say(f"keras.layers.Dropout({p.rate:g}, seed={p.seed}) on {plural(f.n, 'element')}: NaN, Inf, -Inf "
                f"and 1 repeated. At rate {p.rate:g} nothing was drawn{where}. There is no mask and no scale, "
                "so neither the select nor a multiply ran. Each cell: the output, and how many:"),
            Table(("input", "layer output"), rows)] + (
        [Say("Every value came out as it went in, NaN and Inf included: try --rate 0.5 to see one dropped.")]
        if f.unchanged else [])


def page(f: Nan, p) -> list:
    if not f.dropped:
        return _how(f.source) + _undrawn(f, p) + [Try(f"dropout-trace graph --rate {p.rate:g} --shape None,4")]
    rows = tuple((r.input, _cell(r.dropped_out, r.dropped), _cell(r.dropped_multiply, r.dropped),
                  _cell(r.kept_out, r.kept), _cell(r.kept_multiply, r.kept)) for r in f.rows)
    scale = f" and the scale {f.scale}" if f.scale is not None else ""
    blocks = _how(f.source) + [
        Heading("Measured"),
        Say(f"keras.layers.Dropout({p.rate:g}, seed={p.seed}) on {plural(f.n, 'element')}: NaN, Inf, -Inf "
            f"and 1 repeated. A second layer with the same seed, on ones, gives the mask{scale}, which the "
            "multiply column applies the TF 2.10 way. Each cell: the output, and how many:"),
        Table(("input", "dropped: layer", "dropped: multiply", "kept: layer", "kept: multiply"), rows)]
    blocks += _verdict(f)
    blocks.append(Try(f"dropout-trace graph --rate {p.rate:g} --shape None,4"))
    return blocks
