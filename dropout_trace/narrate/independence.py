"""Words for `explain independence`, chosen from the masks measured in this run."""

from __future__ import annotations

from ..lessons.independence import Case, Corr, Independence
from ..page import Heading, Rows, Say, Table, Try
from .stats import fixed, interval, p_value
from .words import num

SUMMARY = "are the masks independent? correlations, a binomial test"


def _r(c: Corr | None) -> str:
    if c is None or c.r is None:
        return "-"
    return "1 exactly" if c.differing == 0 else fixed(c.r, 4)


def _band(c: Corr | None) -> str:
    return "-" if c is None or c.r is None else interval(c.low, c.high, 4)


def _table(f: Case, level: str) -> Table:
    k = f.kept
    rows = [("kept fraction", fixed(k.estimate), interval(k.low, k.high), f"{num(f.p_keep)} = P(keep)")]
    for c, label in ((f.samples, "r samples"), (f.features, "r features"), (f.calls, "r calls")):
        rows.append((label, _r(c), _band(c), "0"))
    return Table(("", "measured", f"{level} interval", "if independent"), tuple(rows))


def _independent(c: Corr | None) -> bool:
    return c is not None and c.r is not None and c.differing > 0 and c.low <= 0 <= c.high


def _fit(f: Case, trials: int) -> str:
    fit = f.fit
    if fit is None:
        return "No binomial test here: nothing was random (P(keep) is 0 or 1)." if not 0 < f.p_keep < 1 else \
            "No binomial test here: too few independent draws."
    verdict = "fit" if fit.passed else "do not fit"
    return (f"The {fit.draws:,} keep counts {verdict} Binomial({trials}, {num(f.p_keep)}): chi-square "
            f"{fit.chi2:.1f} on {fit.dof} degrees of freedom, {p_value(fit.p_value)}.")


def _random(f: Case) -> bool:
    """Whether the masks varied at all: at rate 0 every element is kept and nothing is drawn."""
    return 0 < f.p_keep < 1 and f.calls is not None and f.calls.r is not None


def _default(f: Independence, level: str) -> list:
    d, t = f.default, f.default.trials
    out = [Heading(f"The default layer, {t} calls on ones {tuple(d.run_shape)}"), Rows((("call", d.call),)),
           _table(d, level)]
    if not _random(d):
        return out + [Say(f"Every mask kept every element (P(keep) = {num(d.p_keep)}): nothing was drawn, so "
                          "there is nothing to correlate. Try a rate above 0.")]
    if all(_independent(c) for c in (d.samples, d.features, d.calls)):
        out.append(Say(f"Every correlation is about 0: its {level} interval contains 0. " + _fit(d, t)))
    else:
        out.append(Say(f"Not every correlation's {level} interval contains 0 here. " + _fit(d, t)))
    where = "inside" if d.kept.inside else "outside"
    out.append(Say(f"P(keep) lies {where} the kept fraction's {level} interval."))
    return out


def _shared(f: Independence, level: str) -> list:
    s = f.shared
    out = [Heading("A shared axis: one draw per feature"), Rows((("call", s.call),)), _table(s, level)]
    if _random(s) and s.samples and s.samples.differing == 0:
        out.append(Say(f"Correlation 1 between samples: in every call all {s.run_shape[0]} samples had the "
                       f"same mask, since one draw per feature was broadcast along axis 0 ({s.draws} draws a "
                       "call, not one per element)."))
    return out


def _constant(f: Independence, level: str) -> list:
    c, t = f.constant, f.constant.trials
    out = [Heading("A constant seed"), Rows((("call", c.call),)), _table(c, level)]
    if _random(c) and c.identical == t - 1:
        out.append(Say(f"Correlation 1 between calls: all {t} calls returned the same mask. An integer seed makes "
                       "keras.random.dropout a pure function of x; each mask is random, the sequence is not. "
                       + _fit(c, t) + f" The other rows count one mask {t} times: their intervals assume "
                       "independent calls and mean little here."))
    return out


def page(f: Independence, p) -> list:
    level = f"{f.level * 100:g}%"
    blocks = [Say("Dropout should draw an independent keep-or-drop decision for every element, in every sample "
                  "and on every call. Measured by calling the real layer many times on ones:")]
    blocks += _default(f, level) + _shared(f, level) + _constant(f, level)
    blocks.append(Try(f"dropout-trace stats --rate {p.rate:g} --shape 8,8 --noise-shape 1,8"))
    return blocks
