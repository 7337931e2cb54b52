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
class Try:
    """The command to go deeper."""

    command: str


Block = Say | Heading | Rows | Table | Mask | Try
