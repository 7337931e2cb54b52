"""LSTM and GRU dropout: which masks each timestep reads, captured from the installed Keras 3 RNN loop."""

from __future__ import annotations

import inspect
import linecache
import sys
from dataclasses import dataclass

import numpy as np

BATCH, STEPS, FEATURES, UNITS = 2, 5, 4, 3
CONFIGS = (("LSTM", True), ("GRU", True), ("LSTM", False))  # (layer, with recurrent_dropout)


@dataclass(frozen=True)
class Part:
    """An installed function and the lines of it this lesson points at."""

    function: str
    file: str  # from the package root
    lines: list  # [line number, text]


@dataclass(frozen=True)
class Source:
    cache: Part  # DropoutRNNCell.get_dropout_mask: where a mask is cached
    loop: Part  # RNN.call: where the masks are drawn and reset around the loop


@dataclass(frozen=True)
class MaskReads:
    """What the steps of one call read for one kind of mask, and whether the next call read another."""

    reads: int
    per_read: int  # masks per read: one per gate, or one for all
    same_every_step: bool
    gates_differ: bool
    new_next_call: bool
    values: list[float]
    first_step: list
    last_step: list


@dataclass(frozen=True)
class Masks:
    input: MaskReads | None  # None: no step read one
    recurrent: MaskReads | None


@dataclass(frozen=True)
class Run:
    """One layer called twice with training=True and once with training=False, under capture."""

    layer: str
    dropout: float
    recurrent_dropout: float
    implementation: int | None
    steps: int  # how often the cell's call ran
    step_callers: list  # [function, line, text, count]: who called the loop's step
    counter: list  # the cell's seed state before and after the first call
    drawn_in: list[str]
    draw_calls: int
    masks: Masks
    inference_counter: list
    inference_reads: int


@dataclass(frozen=True)
class Recurrent:
    rate: float
    timesteps: int
    batch: int
    features: int
    units: int
    source: Source
    runs: list[Run]


@dataclass(frozen=True)
class NotMeasured:
    """Another Keras layout: the modules this lesson watches are not there."""

    rate: float
    missing: str


def _where(fn) -> tuple[str, int, list[str]]:
    """(file from the package root, first line, source lines) of a live function."""
    lines, first = inspect.getsourcelines(fn)
    path = inspect.getsourcefile(fn) or "?"
    cut = path.rfind("/keras/")
    return (path[cut + 1:] if cut >= 0 else path), first, lines


def _source() -> Source:
    """The installed lines that cache a mask and that draw and reset it around the loop."""
    from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell
    from keras.src.layers.rnn.rnn import RNN

    def part(fn, wanted) -> Part:
        path, first, lines = _where(fn)
        return Part(fn.__qualname__, path, [[first + i, s.strip()] for i, s in enumerate(lines) if wanted(s.strip())])

    return Source(cache=part(DropoutRNNCell.get_dropout_mask, lambda s: s.startswith("if") and "None" in s),
                  loop=part(RNN.call, lambda s: "dropout_mask" in s))


def _arrays(v):
    return [np.asarray(m) for m in v] if isinstance(v, (list, tuple)) else [np.asarray(v)]


class _Capture:
    """sys.setprofile hook: per step, the masks the cell's call got back; per draw, who asked for it."""

    def __init__(self, cell):
        from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell as D
        from keras.src.layers.rnn.rnn import RNN

        self.step_code = type(cell).call.__code__
        # RNN.inner_loop's nested `step`: who calls it tells a loop iteration from a call before the loop
        self.loop_step = next((c for c in RNN.inner_loop.__code__.co_consts
                               if inspect.iscode(c) and c.co_name == "step"), None)
        self.step_callers: dict[tuple, int] = {}
        self.getters = {D.get_dropout_mask.__code__: "input", D.get_recurrent_dropout_mask.__code__: "recurrent"}
        self.create = D._create_dropout_mask.__code__
        self.steps, self.reads, self.drawn_in = 0, {"input": [], "recurrent": []}, []

    def __call__(self, frame, event, arg):
        code, back = frame.f_code, frame.f_back
        if event == "call" and code is self.step_code:
            self.steps += 1
        elif event == "call" and code is self.loop_step and back:
            where = (back.f_code.co_qualname, back.f_lineno, linecache.getline(back.f_code.co_filename,
                                                                              back.f_lineno).strip())
            self.step_callers[where] = self.step_callers.get(where, 0) + 1
        elif event == "call" and code is self.create and back and back.f_back:
            self.drawn_in.append(back.f_back.f_code.co_qualname)
        elif event == "return" and code in self.getters and back and back.f_code is self.step_code and arg is not None:
            self.reads[self.getters[code]].append(_arrays(arg))


def _run(layer, x, training: bool) -> tuple[_Capture, list]:
    """Call the layer once under capture; return the capture and the cell's seed counter before/after."""
    cap, gen = _Capture(layer.cell), layer.cell.seed_generator
    before = gen.state.numpy().tolist()
    sys.setprofile(cap)
    try:
        layer(x, training=training)
    finally:
        sys.setprofile(None)
    return cap, [before, gen.state.numpy().tolist()]


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def _mask_reads(reads: list, next_call: list) -> MaskReads | None:
    if not reads:
        return None
    first = reads[0]
    return MaskReads(reads=len(reads), per_read=len(first),
                     same_every_step=all(_same(r, first) for r in reads),
                     gates_differ=len(first) > 1 and not all(np.array_equal(m, first[0]) for m in first),
                     new_next_call=bool(next_call) and not _same(next_call[0], first),
                     values=sorted({float(v) for m in first for v in np.unique(m)}),
                     first_step=first[0].astype(bool).tolist(), last_step=reads[-1][0].astype(bool).tolist())


def _measure(keras, kind: str, recurrent: bool, rate: float, seed: int) -> Run:
    layer = getattr(keras.layers, kind)(UNITS, dropout=rate, recurrent_dropout=rate if recurrent else 0.0, seed=seed)
    x = np.ones((BATCH, STEPS, FEATURES), "float32")
    layer.build(x.shape)
    first, counter = _run(layer, x, True)
    second, _ = _run(layer, x, True)
    off, off_counter = _run(layer, x, False)
    return Run(layer=kind, dropout=rate, recurrent_dropout=rate if recurrent else 0.0,
               implementation=getattr(layer.cell, "implementation", None), steps=first.steps,
               step_callers=[[*k, n] for k, n in first.step_callers.items()],
               counter=counter, drawn_in=sorted(set(first.drawn_in)), draw_calls=len(first.drawn_in),
               masks=Masks(*(_mask_reads(first.reads[which], second.reads[which]) for which in ("input", "recurrent"))),
               inference_counter=off_counter, inference_reads=sum(len(r) for r in off.reads.values()))


def compute(p) -> Recurrent | NotMeasured:
    from ..tfenv import import_tensorflow

    tf, keras = import_tensorflow()
    try:
        from keras.src.layers.rnn import dropout_rnn_cell, rnn  # noqa: F401  the landmarks this lesson reads
    except ImportError as exc:  # another Keras layout: the page says what could not be measured
        return NotMeasured(p.rate, f"{type(exc).__name__}: {exc}")
    return Recurrent(rate=p.rate, timesteps=STEPS, batch=BATCH, features=FEATURES, units=UNITS, source=_source(),
                     runs=[_measure(keras, kind, rec, p.rate, p.seed) for kind, rec in CONFIGS])
