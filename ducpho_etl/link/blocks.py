"""Blocks: the joins that choose which registry people a row is compared with, and the lookups
that find a block's people by hash (built once per registry index).

Declarations and lookups only: which pairs a block lets through, and what settles a row, stay in
link/candidates.py. Imports nothing of link/ (index.py and candidates.py both use it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Block:
    """A join on `keys`; `free`: a name key joined to keys one edit away instead of equal;
    `shift_year`: also joins birth years one apart (lunar-calendar years); `rows_day` /
    `people_day`: only rows / people whose day and month are known (True) or not (False)."""

    keys: tuple[str, ...]
    free: str | None = None
    shift_year: bool = False
    rows_day: bool | None = None
    people_day: bool | None = None


NAMES = ("family_key", "given_key")
# A pair is compatible (compare.pair_levels) only when its family keys and its given keys are
# each equal or one edit apart, and its birth dates agree as far as both are known (a day and
# month that differ, a mistyped day, only with the same commune). Two rules keep the candidates
# of a row from growing with the registry (without them a row meets every namesake born that
# year, wherever they live):
# - when a candidate with the row's whole name shares its full date (DATE_AGREES: as written,
#   swapped, or a lunar year off), the date settles the birth: candidates elsewhere that only
#   share the year (WEAK_BIRTH: the person's day unknown, a year off, another day) stay out;
#   those in the row's commune stay (the property tests/link/test_blocking_property.py holds:
#   a pair with the same name keys and full date, or the same name keys, year and commune, is
#   always a candidate);
# - when a row shows only a birth year and a candidate with its whole name lives in its commune,
#   the commune settles it: candidates not known to live there stay out.
# Both apply only to rows without a 12-digit ID (an ID that linked no one may be one digit off
# its person's, wherever and whenever born).
# The blocks find every compatible pair:
# - both name keys equal: the first three, each for one way the birth dates can agree; then
#   UNDATED_BLOCKS for rows with a day whose date no candidate shares, UNPLACED_BLOCKS for rows
#   without a day that no candidate in their commune fits;
# - one name key one edit away (edits.neighbours): the others, with the remaining key equal.
# Rows without a birth year are compared only with exact name-key namesakes, when few
# (index.MAX_NAME_ONLY_BLOCK).
BLOCKS: list[Block] = [
    Block((*NAMES, "birth_year", "_day_class"), shift_year=True),  # same day: year, or ±1
    Block((*NAMES, "birth_year", "_swap_class")),  # day and month swapped
    # namesakes born the same year in the row's commune, whatever the day: always candidates
    Block((*NAMES, "birth_year", "xa_2025"), rows_day=True),
    # row's day unknown: namesakes in its commune
    Block((*NAMES, "birth_year", "xa_2025"), shift_year=True, rows_day=False),
    Block(("family_key", "birth_year", "gender", "xa_2025"), "given_key", shift_year=True),
    Block(("given_key", "birth_year", "gender", "xa_2025"), "family_key", shift_year=True),
    Block(("middle_key", "given_key", "birth_year", "gender"), "family_key", shift_year=True),
    # a full birth date is selective: it finds one-letter typos of people who moved commune
    Block(("family_key", "birth_year", "birth_month", "birth_day"), "given_key"),
    Block(("given_key", "birth_year", "birth_month", "birth_day"), "family_key"),
]
UNDATED_BLOCKS: list[Block] = [
    Block((*NAMES, "birth_year"), shift_year=True, rows_day=True, people_day=False),
]
UNPLACED_BLOCKS: list[Block] = [
    Block((*NAMES, "birth_year"), shift_year=True, rows_day=False),  # namesakes anywhere
]


BLOCK_HASH_SEED = 11


def block_hash(keys: tuple[str, ...] | list[str]) -> pl.Expr:
    """One number per block key, null when a key is: each text key's hash and each number,
    folded with wrapping arithmetic (cheaper than hashing a struct). A collision only lets an
    extra person through the prefilter; the joins compare the keys themselves."""
    folded = pl.lit(0, pl.UInt64)
    for key in keys:
        column = pl.col(key)
        part = column.cast(pl.UInt64) if key.startswith(("birth_", "_")) \
            else pl.when(column.is_not_null()).then(column.hash(seed=BLOCK_HASH_SEED))
        folded = folded * 1_000_003 + part
    return folded.alias("_hash")


@dataclass(frozen=True, eq=False)
class HashLookup:
    """A frame's row positions sorted by a key's hash: finds the rows with given hashes in time
    that grows with those rows, not with the frame (no scan of the registry per chunk)."""

    hashes: np.ndarray  # sorted
    positions: np.ndarray  # the frame's row positions, in that order

    @classmethod
    def of(cls, frame: pl.DataFrame, keys: tuple[str, ...] | list[str]) -> HashLookup:
        ordered = (frame.select(block_hash(keys)).with_row_index("_pos")
                   .drop_nulls("_hash").sort("_hash"))
        return cls(ordered["_hash"].to_numpy(), ordered["_pos"].to_numpy())

    def find(self, wanted: pl.Series) -> np.ndarray:
        """Positions of the rows whose hash is one of `wanted` (each position once)."""
        wanted_values = wanted.unique().to_numpy()
        lo = np.searchsorted(self.hashes, wanted_values, "left")
        lengths = np.searchsorted(self.hashes, wanted_values, "right") - lo
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        # every position from lo to hi, for every wanted hash, without a Python loop
        start_of_run = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
        return self.positions[start_of_run + np.arange(total)]


def block_lookups(registry: pl.DataFrame) -> dict[tuple[str, ...], HashLookup]:
    """One HashLookup per block key, built once per index."""
    return {keys: HashLookup.of(registry, keys)
            for keys in {block.keys for block in [*BLOCKS, *UNDATED_BLOCKS, *UNPLACED_BLOCKS]}}
