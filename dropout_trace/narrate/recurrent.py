"""Words for `explain recurrent`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.recurrent import Masks, NotMeasured, Recurrent, Run
from ..page import Heading, Mask, Rows, Say, Table, Try
from .words import listed, num, plural

SUMMARY = "LSTM and GRU: which masks the timesteps reuse"


def _same(v: bool) -> str:
    return "same" if v else "differ"


def _advance(counter: list) -> int:
    before, after = counter
    return int(after[1] - before[1])


def _kinds(masks: Masks) -> tuple:
    """(kind, what the steps read) for the input and the recurrent mask."""
    return ("input", masks.input), ("recurrent", masks.recurrent)


def _table(f: Recurrent) -> Table:
    rows = []
    for run in f.runs:
        rates = f"{num(run.dropout)} / {num(run.recurrent_dropout)}"
        for which, m in _kinds(run.masks):
            if m is None:
                continue
            rows.append((run.layer, rates, which, str(m.per_read), str(m.reads),
                         _same(m.same_every_step), "new" if m.new_next_call else "same"))
    return Table(("layer", "dropout / rec.", "mask", "per step", "reads", "each step", "next call"), tuple(rows))


def _source(f: Recurrent) -> Rows:
    rows = []
    for part in (f.source.cache, f.source.loop):
        name = part.file.rsplit("/", 1)[-1]
        found = [(f"{name}:{line}", text) for line, text in part.lines]
        rows += found or [(name, f"no matching line in {part.function}: not found in the installed source")]
    return Rows(tuple(rows))


def _steps(f: Recurrent, run: Run) -> str | None:
    callers = run.step_callers
    if not callers:
        return None
    parts = [f"{plural(n, 'time')} from {name}, line {line}: `{text}...)`" for name, line, text, n in callers]
    return (f"The cell's call ran {plural(run.steps, 'time')} for {plural(f.timesteps, 'timestep')}: "
            + "; ".join(parts) + ".")


def page(f: Recurrent | NotMeasured, p) -> list:
    if isinstance(f, NotMeasured):
        return [Say(f"Not measured: the installed Keras has no keras.src.layers.rnn dropout_rnn_cell / rnn "
                    f"modules to watch ({f.missing})."),
                Try("dropout-trace versions")]
    runs = f.runs
    if all(run.draw_calls == 0 for run in runs):
        return [Say(f"At rate {num(f.rate)} the layers drew no dropout mask at all (the seed counter did not "
                    "move), so there is nothing to reuse. Give a rate above 0."),
                Try(f"dropout-trace explain recurrent --rate 0.3 --seed {p.seed}")]
    read = [m for run in runs for _, m in _kinds(run.masks) if m]
    blocks = [Say(f"Each layer (Keras 3) was called with training=True on ones of shape "
                  f"({f.batch}, {f.timesteps}, {f.features}); sys.setprofile recorded the masks the "
                  "cell's call got back from get_dropout_mask and get_recurrent_dropout_mask at every step:"),
              _table(f)]
    if read and all(m.same_every_step for m in read):
        blocks.append(Say("Every step read the very same masks: drawn once per call, reused at each timestep, "
                          "not a fresh mask per step."))
    elif read:
        blocks.append(Say("Some steps read different masks: the masks are not shared across timesteps here."))
    lstm = runs[0]
    if (text := _steps(f, lstm)) is not None:
        blocks.append(Say(text))
    masks_drawn = sum(m.per_read for _, m in _kinds(lstm.masks) if m)
    blocks.append(Say(f"{lstm.layer}'s seed counter went {listed(lstm.counter[0])} -> "
                      f"{listed(lstm.counter[1])} in that call: "
                      + ("one draw per mask, none per timestep." if _advance(lstm.counter) == masks_drawn else
                         f"{_advance(lstm.counter)} draws for {masks_drawn} masks.")
                      + f" They were drawn in {', '.join(lstm.drawn_in) or 'no function we watch'}."))
    blocks += [Heading("Where the installed source caches and resets them"), _source(f)]
    if any(m.gates_differ for m in read):
        impl = {run.recurrent_dropout > 0: run.implementation for run in runs if run.layer == "LSTM"}
        blocks.append(Say(f"LSTM with recurrent_dropout ran implementation {impl.get(True)} and read a list of "
                          f"separate masks, one per gate; with recurrent_dropout 0 it ran implementation "
                          f"{impl.get(False)} and read one input mask for all gates."))
    if read and all(m.new_next_call for m in read):
        blocks.append(Say("A second call read new masks: the cache lives for one call."))
    if all(run.inference_reads == 0 for run in runs):
        moved = [_advance(run.inference_counter) for run in runs]
        blocks.append(Say("With training=False no step read a mask" + (
            f", yet the counters still moved ({', '.join(map(str, moved))}): the masks are drawn even when "
            "unused." if any(moved) else ".")))
    scale = 1 / (1 - f.rate)
    if read and all(len(m.values) == 2 and m.values[0] == 0 and abs(m.values[1] - scale) < 1e-5 * scale
                    for m in read):
        blocks.append(Say(f"Each mask is dropout applied to ones: its entries are 0 and {num(read[0].values[1])} "
                          "= 1/(1-rate), so it also does the scaling."))
    first = lstm.masks.input
    if first:
        blocks += [Mask(f"LSTM input mask, first gate: read 1 of {first.reads}", first.first_step),
                   Mask("last read", first.last_step)]
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --input ones --seed {p.seed}"))
    return blocks
