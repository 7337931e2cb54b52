"""Words for `explain seeds`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons import Failed
from ..apis import KERAS_RANDOM
from ..lessons.seeds import TF_KERAS_DEFAULT, TF_KERAS_STATELESS, Seeds
from ..page import Heading, Mask, Say, Table, Try
from .words import listed, num

SUMMARY = "why a mask changes every batch, or repeats"

# Each call measured for a constant seed: what it is called, and how it is set up ("{s}": the seed,
# "{rng}": the RandomGenerator branch that ran).
CONSTANT_CALLS = {KERAS_RANDOM.name: (KERAS_RANDOM.name, "seed={s}"),
                  TF_KERAS_STATELESS: ("tf_keras Dropout", 'rng_type="stateless"'),
                  TF_KERAS_DEFAULT: ("tf_keras Dropout", "default rng ({rng})")}
RNG_WORDS = {"stateless": "stateless", "stateful": "stateful", "legacy": "legacy", None: "unknown"}


def _same(v) -> str:
    return "-" if v is None else ("same" if v else "different")


def _seeds(starts) -> str:
    return " / ".join("none" if st is None else num(st[0]) for st in starts)


def _kept(mask) -> str:
    flat = [b for row in mask for b in row] if mask and isinstance(mask[0], list) else list(mask or [])
    return f"{sum(flat)} of {len(flat)}"


def _layer(f: Seeds) -> list:
    lay, r, s = f.layer, num(f.rate), f.seed
    if isinstance(lay, Failed):
        return [Say(f"The traced run failed: {lay.error}")]
    calls, masks = lay.calls, lay.masks
    blocks = [Say(f"Dropout({r}, seed={s}) keeps a [seed, counter] state. One tf.function (traced "
                  f"{lay.trace_count}x), called {len(calls)} times on the same input:"),
              Table(("call", "state before", "kept", "mask vs call 1"),
                    tuple((str(i + 1), listed(c.state_before or []), _kept(m) if m else "-",
                           "-" if i == 0 or m is None else _same(c.same_as_first))
                          for i, (c, m) in enumerate(zip(calls, masks))))]
    states = [tuple(c.state_before or ()) for c in calls]
    if lay.trace_count == 1 and len(set(states)) == len(states) > 1:
        blocks.append(Say("tf.function ran the Python code once, yet the state moved on every call: SeedGenerator.next "
                          "left its read, add and assign ops in the graph, and they run each time."))
    if lay.masks_repeat is False:
        blocks.append(Say("So each batch gets a fresh mask."))
    elif lay.masks_repeat:
        blocks.append(Say("The masks were the same on every call here."))
    blocks += [Mask(f"call {i + 1}", m) for i, m in enumerate(masks[:2]) if m is not None]
    return blocks


def _constant(f: Seeds) -> list:
    rows, repeat, fresh = [], [], []
    for name, run in f.constant.items():
        who, how = CONSTANT_CALLS[name]
        label = f"{who}, {how.format(s=f.seed, rng=RNG_WORDS.get(getattr(run, 'rng', None), 'unknown'))}"
        if isinstance(run, Failed):
            rows.append((label, "could not run: " + run.error_type, "-"))
            continue
        seeds = {tuple(c.seed_used or ()) for c in run.calls}
        got = [listed(c.seed_used or []) for c in run.calls]
        rows.append((label, f"{got[0]} each call" if len(set(got)) == 1 else " ".join(got), _same(run.masks_repeat)))
        if run.masks_repeat and len(seeds) == 1:
            repeat.append(label)
        elif run.masks_repeat is False:
            fresh.append(label)
    blocks = [Heading("The same mask every batch: a constant seed"),
              Table(("call, 3 times", "seed the op got", "masks"), tuple(rows))]
    if repeat:
        blocks.append(Say(f"{' and '.join(repeat)}: nothing advances between calls, so the op gets the same "
                          "seed and draws the same mask every batch."))
    if fresh:
        blocks.append(Say(f"{' and '.join(fresh)}: the masks differed between calls: its random state moves on "
                          "even with a fixed seed."))
    return blocks


def _unseeded(f: Seeds) -> list:
    u, r, s = f.unseeded, num(f.rate), f.seed
    blocks = [Heading("Unseeded layers"),
              Say(f"Set a global seed to {s}, build Dropout({r}) with no seed; again; compare (on "
                  f"{f.elements} elements):"),
              Table(("global seed set by", "seeds drawn", "masks"),
                    tuple((name, "refused: " + v.error_type, "-") if isinstance(v, Failed) else
                          (name, _seeds(v.starts), _same(v.same_mask)) for name, v in u.items()))]
    k, t, py = u["keras.utils.set_random_seed"], u["tf.random.set_seed"], u["random.seed"]
    refused = [(name, v.error) for name, v in u.items() if isinstance(v, Failed)]
    if refused:
        return blocks + [Say(f"{name} refused the seed {s}: {error}") for name, error in refused]
    if k.same_mask and not t.same_mask:
        blocks.append(Say("keras.utils.set_random_seed makes unseeded Keras layers reproducible; "
                          "tf.random.set_seed alone does not."))
    if t.same_mask and t.starts[0] != t.starts[1]:
        blocks.append(Say("After tf.random.set_seed the two layers drew different seeds: their masks agree only "
                          f"by chance at rate {r}."))
    if py.same_mask and py.starts == k.starts and not t.same_mask:
        blocks.append(Say("Python's random.seed alone gives the very same seeds: an unseeded layer draws its "
                          "seed from Python's random module, which tf.random.set_seed does not touch."))
    return blocks


def _same_seed(f: Seeds) -> list:
    v, r, s = f.same_seed, num(f.rate), f.seed
    starts = " and ".join("no state" if st is None else listed(st) for st in v.starts)
    text = (f"Two layers Dropout({r}, seed={s}) start at {starts}: their masks are "
            f"{'the same' if v.same_mask else 'different'}.")
    if v.same_mask:
        text += " Layers built with one seed drop the same units; give each its own seed."
    return [Heading("Two layers, one seed"), Say(text)]


def page(f: Seeds, p) -> list:
    lay = f.layer
    if not isinstance(lay, Failed) and all(m is None for m in lay.masks):
        return [Say(f"Dropout({num(f.rate)}) drew no mask in {len(lay.masks)} calls: nothing is dropped "
                    "at this rate, so there is no seed to follow. Give a rate above 0."),
                Try(f"dropout-trace explain seeds --rate 0.3 --seed {p.seed}")]
    blocks = _layer(f) + _constant(f) + _unseeded(f) + _same_seed(f)
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --seed {p.seed} --calls 3"))
    return blocks
