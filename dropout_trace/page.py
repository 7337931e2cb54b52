"""A lesson page as plain blocks: narration fills them with words, render draws them. No printing here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Say:
    """A paragraph."""

    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Rows:
    """label: text pairs, aligned."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Mask:
    """A keep mask (nested lists of bools, rank 1 or 2) under a label."""

    label: str
    mask: list


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label, the bar's value, and the marker's (None: no marker on this row)."""

    label: str
    value: float
    mark: float | None = None
    value_text: str = ""  # the numbers printed beside the bar
    mark_text: str = ""


@dataclass(frozen=True)
class Chart:
    """Bars against markers (a measurement against what it should be), with the words for its axes and keys."""

    title: str
    rows: str  # what the rows are: "times kept (of 1,000 calls)"
    measure: str  # what a bar's length counts: "draws"
    bars: tuple[Bar, ...]
    bar_key: str  # what a bar shows: "draws seen"
    mark_key: str  # what a marker shows: "expected: 12 x Binomial(1,000, 0.7)"
    value_head: str = ""  # over the numbers beside the bars
    mark_head: str = ""
    from_zero: bool = True  # False: the axis spans the values only (a tiny gap made visible), and says so
    note: str = ""  # how the rows were made: "10 keep counts a row"


@dataclass(frozen=True)
class Try:
    """The command to go deeper."""

    command: str


Block = Say | Heading | Rows | Table | Mask | Chart | Try
