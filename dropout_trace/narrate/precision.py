"""Words for `explain precision`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.precision import Precision
from ..page import Bar, Chart, Say, Table, Try
from .words import num, plural

SUMMARY = "float16, bfloat16, mixed: stored rate, P(keep), bias"

RESOLVED = 3.0  # standard errors: a bias this far from 1 shows in one measurement
CONSISTENT = 4.0  # standard errors: a measurement this close agrees with the exact value


def exact(v: float) -> str:
    """The stored value in full when it is short (half-precision values are), else 10 digits."""
    text = repr(float(v))
    return text if len(text) <= 14 else num(v)


def _names(rows) -> str:
    return ", ".join(r.layer_dtype for r in rows)


def _alike(rows) -> list:
    """Rows grouped by identical exact and measured values (a policy and its plain dtype, same seed)."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r.expected_output_ratio, r.measured_ratio), []).append(r)
    return list(groups.values())


def _percent(r) -> str:
    return f"{(r.expected_output_ratio - 1) * 100:.3g}%"


def _tables(rows) -> list:
    dash = "-"
    first = [(r.layer_dtype, r.compute_dtype or dash) + (
        (exact(r.probabilities.rate_in_dtype), f"{r.probabilities.grid_size:,}",
         exact(r.probabilities.p_keep)) if r.probabilities else (dash, dash, dash)) for r in rows]
    second = [(r.layer_dtype,
               exact(r.probabilities.scale_in_dtype) if r.probabilities else dash,
               f"{r.expected_output_ratio:.6f}",
               f"{r.measured_ratio:.5f} ± {r.standard_error:.5f}") for r in rows]
    return [Table(("layer dtype=", "runs in", "rate stored", "grid", "P(keep)"), tuple(first)),
            Table(("layer dtype=", "scale stored", "exact out/in", "measured ± SE"), tuple(second))]


def _chart(rows) -> list:
    """The exact E[output] / E[input] of each dtype against 1, zoomed so that a bias of 1e-4 shows; none
    when no dtype is biased (nothing to see) or nothing was drawn."""
    drawn = [r for r in rows if r.probabilities]
    if not drawn or all(r.expected_output_ratio == 1 for r in drawn):
        return []
    bars = tuple(Bar(r.layer_dtype, r.expected_output_ratio, 1.0, f"{r.expected_output_ratio:.6f}") for r in drawn)
    return [Chart(title="The bias: E[output] / E[input] in each dtype, exactly", rows="layer dtype=",
                  measure="E[output] / E[input]", bars=bars, bar_key="P(keep) x the stored scale",
                  mark_key="1: no bias", value_head="exact", from_zero=False)]


def _mixed(rows) -> list:
    out = []
    for r in rows:
        if r.input_dtype == r.compute_dtype or r.compute_dtype is None:
            continue
        twin = next((t for t in rows if t.layer_dtype == r.compute_dtype), None)
        same = twin is not None and twin.measured_ratio == r.measured_ratio
        out.append(f"{r.layer_dtype} takes {r.input_dtype} input and casts it to {r.compute_dtype} "
                   "before dropout" + (f": with the same seed it measured exactly what plain {r.compute_dtype} "
                                       "did." if same else "."))
    return [Say(" ".join(out))] if out else []


def _resolved(r) -> bool:
    """The measurement itself, not the exact bias, lies RESOLVED standard errors from 1, on the bias's side."""
    side = 1 if r.expected_output_ratio < 1 else -1
    return side * r.z_measured >= RESOLVED


def _bias(rows) -> list:
    drawn = [r for r in rows if r.probabilities]
    off = [r for r in drawn if abs(r.z_expected) >= CONSISTENT]
    ok = [r for r in drawn if r not in off]
    unbiased = [r for r in ok if r.expected_output_ratio == 1]
    seen = [r for r in ok if r not in unbiased and _resolved(r)]
    hidden = [r for r in ok if r not in unbiased and r not in seen]
    out = []
    for group in _alike(seen):
        r = group[0]
        side = "below" if r.z_measured > 0 else "above"
        out.append(f"{_names(group)}: E[output] is {r.expected_output_ratio:.6f} of E[input], a bias of "
                   f"{_percent(r)}; the measurement resolves it, {abs(r.z_measured):.1f} standard errors {side} "
                   f"1 and {abs(r.z_expected):.1f} from the exact value.")
    if hidden:
        sizes = ", ".join(_percent(r) for r in hidden)
        # the first says its unit and what it is measured from: "1.2 standard errors below 1, 0.8 above"
        where = [f"{abs(r.z_measured):.1f}{' standard errors' if i == 0 else ''} "
                 f"{'below' if r.z_measured > 0 else 'above'}{' 1' if i == 0 else ''}" for i, r in enumerate(hidden)]
        out.append(f"{_names(hidden)}: the bias is real ({sizes}), but the measurement does not resolve it: it "
                   f"lies {', '.join(where)} (resolving takes {RESOLVED:g} standard errors on the bias's side), so "
                   "at this size only the exact values show it.")
    if unbiased:
        out.append(f"{_names(unbiased)}: P(keep) times the stored scale is exactly 1, so no bias.")
    for r in off:
        out.append(f"{r.layer_dtype}: the measurement sits {abs(r.z_expected):.1f} standard errors from the "
                   "exact value, which the grid account does not explain.")
    return [Say(s) for s in out]


def page(f: Precision, p) -> list:
    rows = f.rows
    blocks = [Say("Dropout draws uniforms and compares random >= rate in the dtype the layer computes in. "
                  "The rate, the uniforms and the scale 1/(1-rate) are values of that dtype: the uniforms lie on "
                  "a grid, and P(keep) is the share of grid points at or above the stored rate.")]
    if rows and all(r.zeroed for r in rows):
        blocks.append(Say(f"At rate {num(f.rate)} the layer returns zeros before _dropout runs, in every dtype: no "
                          "rate is stored in the dtype, no uniform is drawn and no scale 1/(1-rate) is computed, so "
                          "there is no grid and nothing to round; the output is 0."))
    elif not any(r.probabilities for r in rows):
        blocks.append(Say(f"At rate {num(f.rate)} the layer returns its input and draws nothing, in every "
                          "dtype: there is no grid and nothing to round."))
    blocks += _tables(rows)[:1] if any(r.probabilities for r in rows) else []
    blocks += _mixed(rows)
    n = rows[0].elements
    beside = ("0, what the traced call returned" if rows and all(r.zeroed for r in rows)
              else "the exact P(keep) times the stored scale")
    blocks.append(Say(f"The real layer on {plural(n, 'one')} per dtype: mean(output) / mean(input), with its "
                      f"standard error, next to {beside}."))
    blocks += _tables(rows)[1:]
    blocks += _chart(rows)
    blocks += _bias(rows)
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --dtype bfloat16"))
    return blocks
