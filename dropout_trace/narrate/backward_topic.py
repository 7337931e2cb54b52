"""Words for `explain backward`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.backward_topic import Backward
from ..page import Heading, Say, Table, Try
from .words import num, plural

SUMMARY = "the gradient: the forward mask, scaled; dropped get none"

KEPT, DROPPED = "●", "○"


def _in(dtype: str, v) -> str:
    """A value as its dtype writes it shortest (float32's 2.857143, not float64's 2.857142925)."""
    import numpy as np

    return num(v) if float(v).is_integer() else str(np.asarray(v, dtype=np.dtype(dtype))[()])


def _row(values, dtype: str) -> str:
    return " ".join(_in(dtype, v) for v in values)


def _grids(f: Backward) -> Table:
    rows = []
    for i, u in enumerate(f.upstream):
        mask = " ".join(KEPT if k else DROPPED for k in f.keep_mask[i]) if f.keep_mask is not None else "-"
        grad = ("None" if not i else "") if f.gradient is None else _row(f.gradient[i], f.gradient_dtype)
        rows.append((str(i + 1), _row(u, f.gradient_dtype), mask, grad))
    return Table(("sample", "upstream", "keep mask", "gradient"), tuple(rows))


def _without_mask(f: Backward, p) -> list:
    if f.gradient is None:
        why = "the call returned zeros before any draw; they do not depend on x, so " if f.zeroed else ""
        return [Say(f"At rate {p.rate:g} {why}tape.gradient returned None: the output does not depend on x, and "
                    "no gradient reaches the input at all.")]
    at = f"; {f.stopped.function} returned at {f.stopped.file}:{f.stopped.line}" if f.stopped else ""
    return [Say(f"At rate {p.rate:g} no mask was made{at}: the gradient is the upstream itself, unchanged.")]


def _same_mask(f: Backward) -> list:
    out = [Heading("The same mask, not a new one")]
    if f.mask_read_by:
        names = [name.rsplit("/", 1)[-1] for name in f.mask_into]
        into = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        out.append(Say(f"The gradient function of {f.mask_read_by[0]} was handed _dropout's keep_mask itself"
                       + (f", {f.mask_tensor}; in the graph it feeds the backward "
                          f"{'op' if len(names) == 1 else 'ops'} {into}." if f.mask_tensor and names else ".")))
    if f.backward_random is not None:
        theirs = ", ".join(sorted({n.rsplit("/", 1)[-1] for n in f.forward_random or ()}))
        if f.backward_random:
            out.append(Say(f"The gradient added random ops: {', '.join(f.backward_random)}."))
        else:
            out.append(Say(f"None of the {plural(f.backward_ops, 'op')} the gradient added is a random op; the "
                           f"graph's random ops are the forward pass's ({theirs}): the uniforms are drawn once, and "
                           "the backward pass reads their mask."))
    folders = {g.file.rsplit("/", 1)[0] for g in f.functions if g.file and "/" in g.file}
    folder = next(iter(folders)) if len(folders) == 1 else None
    where = f"where, in {folder}/" if folder else "where"

    def at(g) -> str:
        if not g.file:
            return "-"
        return f"{g.file.rsplit('/', 1)[-1] if folder else g.file}:{g.line}"

    out.append(Table(("op", "gradient function that ran", where), tuple((g.op, g.function, at(g)) for g in f.functions)))
    return out


def page(f: Backward, p) -> list:
    blocks = [Say(f"keras.layers.Dropout({p.rate:g}, seed={p.seed}) in a tf.function under tf.GradientTape; the "
                  "gradient of sum(output * upstream) with respect to x, upstream 1, 2, 3, ...:"), _grids(f)]
    if not f.dropped:
        return blocks + _without_mask(f, p) + [Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --grad")]
    zeros = ("The gradient is 0 exactly where the mask dropped an element: a dropped unit gets no gradient."
             if f.zero_where_dropped else "The gradient's zeros are not exactly the dropped elements.")
    kept = (f"Where it kept one, the gradient is upstream × {_in(f.dtype, f.scale)} ({f.dtype}), the forward scale, bit for "
            "bit: the scale that made the output's expectation x shows up in the gradient too."
            if f.kept_get_scaled_upstream else "Where it kept one, the gradient is not upstream × the forward scale.")
    blocks += [Say(f"{zeros} {kept}"), *_same_mask(f)]
    check = ("equals" if f.gradient_exact else "does not equal")
    fresh = ("" if f.fresh_tape_equal is None else " A plain tf.GradientTape on a fresh layer with the same seed "
             + ("gives the same gradient." if f.fresh_tape_equal else "gives a different gradient."))
    blocks.append(Say(f"The check: the gradient {check} where(keep_mask, upstream, 0) × scale, computed in numpy "
                      f"from the captured mask, bit for bit.{fresh}"))
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --grad --upstream range"))
    return blocks
