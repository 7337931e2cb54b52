"""Words for `dropout-trace stats`, each chosen from what the measurement found."""

from __future__ import annotations

from ..page import Bar, Chart
from .words import axes, num, plural


def fixed(v: float, digits: int = 5) -> str:
    text = f"{v:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text  # no "-0.0000" for a tiny negative value


def interval(low: float | None, high: float | None, digits: int = 5) -> str:
    return "-" if low is None else f"[{fixed(low, digits)}, {fixed(high, digits)}]"


def p_value(p: float) -> str:
    return "p < 1e-300" if p == 0 else f"p = {p:.3g}"


def level(s) -> str:
    return f"{s.level * 100:g}%"


def who(s) -> str:
    """'the same layer' or 'the same function'."""
    from ..apis import APIS

    return "the same layer" if APIS[s.api].kind == "layer" else "the same function"


def calls_line(s) -> str:
    return (f"{plural(s.trials, 'call')} of {who(s)} on ones, inside one tf.function: {s.per_run:,} per graph run, "
            f"{plural(s.runs, 'run')}, {s.seconds:.2f} s")


def returned(s) -> str:
    """Where the traced call returned without drawing: function, file:line and the line itself."""
    at = s.stopped
    if at is None:
        return "the call returned before any draw"
    return f"{at.function} returned at {at.file}:{at.line}, `{at.source}`"


def masks_line(s) -> str:
    if not s.drawn:
        return f"{plural(s.mask_elements, 'output element')}, nothing drawn: {returned(s)}"
    where = (f"one draw shared along {'axis' if len(s.shared_axes) == 1 else 'axes'} "
             f"{', '.join(map(str, s.shared_axes))}" if s.shared_axes else "no axis shares a draw")
    return f"{plural(s.mask_elements, 'mask element')}; {plural(s.draws, 'independent draw')} a call ({where})"


def exact_line(s) -> str:
    if not s.drawn:
        return (f"P(keep) = {num(s.p_keep)}: the call returned before it stored a rate in {s.dtype} or computed "
                "a scale")
    scale = "" if s.scale is None else f", kept values scaled by {num(s.scale)}"
    return f"P(keep) = {num(s.p_keep)} exactly in {s.dtype} (rate stored as {num(s.rate_in_dtype)}){scale}"


def kept_verdict(s) -> str:
    k = s.kept
    if not s.drawn:
        same = "equals" if k.estimate == k.exact else "differs from"
        return (f"The kept fraction is {fixed(k.estimate)} over {plural(s.mask_elements, 'output element')} and "
                f"{same} P(keep) = {num(k.exact)}: nothing was drawn, so there is no sampling error to bound.")
    where = "inside" if k.inside else "outside"
    text = (f"P(keep) = {num(k.exact)} lies {where} the {level(s)} interval of the kept fraction, "
            f"{interval(k.low, k.high)} (measured {fixed(k.estimate)}, {plural(k.n, 'draw')})")
    if k.inside:
        return text + ": the masks keep elements at the rate the dtype implies."
    if repeated(s):
        return text + f": the interval assumes {k.n:,} independent draws, but the calls repeated one mask."
    return text + ": the masks do not keep elements at the exact rate."


def ratio_verdict(s) -> str:
    r = s.ratio
    if not s.drawn:
        same = "equals" if r.estimate == r.exact else "differs from"
        return f"The mean of output / input is {fixed(r.estimate)} and {same} the expectation {num(r.exact)}."
    where = "inside" if r.inside else "outside"
    text = (f"The mean of output / input is {fixed(r.estimate)}; the exact expectation, P(keep) x scale = "
            f"{num(r.exact)}, lies {where} its {level(s)} interval {interval(r.low, r.high)}")
    if r.inside:
        return text + "."
    return text + (": the calls repeated one mask." if repeated(s) else ".")


def repeated(s) -> bool:
    return s.identical == s.trials - 1


def correlation_name(c) -> str:
    """'samples', 'features', 'axis i' or 'calls': a correlation's row in the table."""
    return f"axis {c.axis}" if c.along.value == "axis" else c.along.value


def correlation_verdict(c, s) -> str:
    named = c.along.value in ("samples", "features")  # the axis has a name of its own
    between = "consecutive calls, same element" if c.axis is None else (
        f"neighbouring {correlation_name(c)}" if named else f"neighbours along {correlation_name(c)}")
    if c.value is None and not s.drawn:
        return f"{between}: undefined, nothing was drawn."
    if c.value is None:
        return (f"{between}: undefined, the mask never varied (every element was "
                f"{'kept' if s.kept.estimate == 1 else 'dropped'} every time).")
    if c.differing == 0:
        if c.axis is None:
            return f"{between}: r = 1 exactly, every call returned the same mask."
        return (f"{between}: r = 1 exactly, the mask was constant along axis {c.axis} in every call: one draw "
                f"shared by all {s.run_shape[c.axis]:,} {correlation_name(c) if named else 'positions'}.")
    if repeated(s) and c.axis is not None:
        return (f"{between}: r = {fixed(c.value, 4)}, measured on one mask repeated {s.trials:,} times; its band "
                "assumes independent calls.")
    if c.low is not None and c.low <= 0 <= c.high:
        return f"{between}: r = {fixed(c.value, 4)}, about 0: no sign of dependence."
    return f"{between}: r = {fixed(c.value, 4)}, outside the band around 0: the masks are correlated."


def repeats_verdict(s) -> str | None:
    if s.identical == 0 or not 0 < s.p_keep < 1:
        return None
    if not repeated(s):
        # P(two independent masks agree) = (p^2 + (1-p)^2) ** draws, for each of the trials - 1 pairs
        chance = (s.trials - 1) * (s.p_keep ** 2 + (1 - s.p_keep) ** 2) ** s.draws
        return (f"{plural(s.identical, 'call')} returned the same mask as the call before; with "
                f"{plural(s.draws, 'independent draw')} a call, {chance:.3g} such repeats are expected by chance.")
    from ..apis import APIS

    why = APIS[s.api].repeats_because(s.rng) if s.seed is not None else None
    text = f"Every call returned the same mask (all {s.trials:,} are identical)"
    if why:
        return text + f": {why.format(seed=s.seed)}."
    return text + ": nothing advanced the random state between calls."


def more_draws(s) -> str:
    """Which option would add independent draws, from the axes the masks were measured to share."""
    free = tuple(a for a in range(len(s.run_shape)) if a not in s.shared_axes)
    if not free:
        return "every axis shares one draw, so no larger --shape or --batch adds one"
    unknown = tuple(a for a in free if s.shape[a] is None)  # the axes --batch sizes
    known = tuple(a for a in free if s.shape[a] is not None)
    ways = (["a larger --batch"] if unknown else []) + ([f"a larger size on {axes(known)} in --shape"] if known else [])
    verb = "draws" if len(free) == 1 else "draw"
    if not s.shared_axes:
        return f"{axes(free)} {verb} independently, so use {' or '.join(ways)}"
    # --batch sizes every None: it adds no draw only when no axis it sizes draws independently
    there = "--batch" if not unknown and all(s.shape[a] is None for a in s.shared_axes) else "size there"
    share = "shares" if len(s.shared_axes) == 1 else "share"
    return (f"only {axes(free)} {verb} independently, so use {' or '.join(ways)} "
            f"({axes(s.shared_axes)} {share} one draw: a larger {there} adds none)")


def fit_verdict(s) -> str:
    f = s.fit
    if not s.drawn:
        return "No binomial test: nothing was drawn."
    if not 0 < s.p_keep < 1:
        return f"No binomial test: P(keep) is {num(s.p_keep)}, so every draw {'keeps' if s.p_keep else 'drops'}."
    if repeated(s):
        return (f"No binomial test: it needs a fresh draw per call, but every call repeated one mask, so each "
                f"element's keep count is 0 or {s.trials:,}: one draw counted {s.trials:,} times.")
    if f is None:
        return (f"No binomial test: {plural(s.draws, 'independent draw')} a call {'is' if s.draws == 1 else 'are'} "
                f"too few for two bins of expected count 5 or more; {more_draws(s)}.")
    verdict = "fits" if f.passed else "does not fit"
    reach = "lie within" if f.tails_passed else "lie further out than"
    return (f"Each draw's keep count over the {s.trials:,} calls {verdict} Binomial({s.trials:,}, {num(s.p_keep)}): "
            f"chi-square {f.chi2:.2f} on {plural(f.dof, 'degree')} of freedom, {p_value(f.p_value)} "
            f"({plural(f.draws, 'draw')}, {len(f.bins)} bins); the extreme counts, {f.lowest:,} and {f.highest:,}, "
            f"{reach} what {plural(f.draws, 'binomial draw')} reach, {p_value(f.tail_p)}.")


def findings(s) -> list[str]:
    """The sentences under the numbers, in the order they are shown."""
    out = [kept_verdict(s), ratio_verdict(s)]
    out += [correlation_verdict(c, s) for c in s.correlations]
    again = repeats_verdict(s)
    if again:
        out.append(again)
    out.append(fit_verdict(s))
    return out


def _row_width(counts: int, rows: int) -> int:
    """Keep counts per chart row: the smallest of 1, 2, 5, 10, 20, 50, ... that needs at most `rows` rows."""
    width = 1
    while -(-counts // width) + 1 > rows and width < counts:  # + 1: rows start at a multiple of the width
        width = width * 5 // 2 if str(width)[0] == "2" else width * 2
    return width


def histogram(s, rows: int) -> Chart | None:
    """The keep counts of the binomial test as a chart of at most `rows` rows: how many draws were kept k times
    against how many Binomial(trials, P(keep)) expects; None without a test."""
    f = s.fit
    if f is None:
        return None
    h = f.histogram
    last = h.first + len(h.observed) - 1
    width = _row_width(len(h.observed), rows)
    bars = []
    for start in range(h.first - h.first % width, last + 1, width):
        lo, hi = max(start, h.first), min(start + width - 1, last)
        seen = sum(h.observed[lo - h.first:hi - h.first + 1])
        expected = sum(h.expected[lo - h.first:hi - h.first + 1])
        label = f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"
        bars.append(Bar(label, seen, expected, f"{seen:,}", f"{expected:,.1f}"))
    while len(bars) > 2 and bars[-1].value == 0 and bars[-1].mark < 0.05:  # empty tails that round to 0.0
        bars.pop()
    while len(bars) > 2 and bars[0].value == 0 and bars[0].mark < 0.05:
        bars.pop(0)
    return Chart(title=f"How often each of the {plural(f.draws, 'draw')} was kept, in {s.trials:,} calls",
                 rows=f"times kept (of {s.trials:,})", measure="draws", bars=tuple(bars), bar_key="draws seen",
                 mark_key=f"expected: {f.draws:,} x Binomial({s.trials:,}, {num(s.p_keep)})",
                 value_head="seen", mark_head="expected",
                 note="" if width == 1 else f"{width:,} keep counts a row")
