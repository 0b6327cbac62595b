"""Blocking: which registry people a row is compared with, never everyone with everyone.

Each block is a join on a few exact keys; together they tolerate one wrong element each
(a given-name typo, a family-name typo, a lunar ±1 year) while keeping blocks small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ducpho_etl.link.blocks import BLOCKS, UNDATED_BLOCKS, UNPLACED_BLOCKS, Block, block_hash
from ducpho_etl.link.compare import pair_levels, same_name
from ducpho_etl.link.comparisons import OTHER_DAY, SAME_COMMUNE, is_jan1
from ducpho_etl.link.fields import with_day_class

if TYPE_CHECKING:
    from ducpho_etl.link.index import RegistryIndex, RowSide


# Birth levels that say the row's date is the candidate's, and those that share only the year.
DATE_AGREES = ["exact", "swap", "lunar"]
WEAK_BIRTH = ["year", "near_year", *OTHER_DAY]


def _settling() -> pl.Expr:
    """A pair that may settle its row: the row has no 12-digit ID (one with an ID that linked no
    one, perhaps one digit off its person's, keeps every candidate), and the candidate has the
    row's whole name (family, given and middle name equal, or the middle name missing)."""
    without_id = (pl.col("r_id12").str.len_chars() != 12).fill_null(True)
    return without_id & same_name() & pl.col("lvl_middle").is_in(["agree", "missing"])


def same_year_here() -> pl.Expr:
    """A candidate born the row's year in the row's commune: never left out by a settled date
    (the model weighs the day)."""
    same_year = pl.col("lvl_birth").is_in(["year", *OTHER_DAY])
    return same_year & pl.col("lvl_commune").is_in(SAME_COMMUNE)


def settles_date() -> pl.Expr:
    """A settling pair whose candidate shares the row's full date, unless that date is 1 January
    (the usual stand-in for an unknown day: normalize flags it date_jan1_placeholder)."""
    jan1 = is_jan1(pl.col("r_birth_month"), pl.col("r_birth_day"))
    return pl.col("lvl_birth").is_in(DATE_AGREES) & ~jan1.fill_null(False) & _settling()


def settles_commune() -> pl.Expr:
    """A settling pair of a row without a day and month whose candidate lives in its commune."""
    no_day = pl.col("r_birth_month").is_null() | pl.col("r_birth_day").is_null()
    return no_day & pl.col("lvl_commune").is_in(SAME_COMMUNE) & _settling()


def compatible_pairs(side: RowSide, index: RegistryIndex) -> pl.DataFrame:
    """Every compatible pair of the side's rows (all with a name) with its levels
    (compare.pair_levels): BLOCKS, then UNDATED_BLOCKS / UNPLACED_BLOCKS for the rows that
    neither their date nor their commune settles; a dated row keeps no WEAK_BIRTH candidate, a
    placed one no candidate not known to live in its commune."""
    rows = side.rows
    pairs = candidate_pairs(side, index)
    found = _scored(pairs, side, index)
    dated = found.filter(settles_date()).select("row_id").unique()
    placed = found.filter(settles_commune()).select("row_id").unique()
    has_day = pl.col("birth_day").is_not_null() & pl.col("birth_month").is_not_null()
    more = pl.concat([
        candidate_pairs(side.subset(rows.filter(has_day).join(dated, on="row_id", how="anti")),
                        index, UNDATED_BLOCKS),
        candidate_pairs(side.subset(rows.filter(~has_day).join(placed, on="row_id", how="anti")),
                        index, UNPLACED_BLOCKS),
    ]).unique().join(pairs, on=["_rpos", "_cpos"], how="anti")
    found = pl.concat([found, _scored(more, side, index)])
    weak = (pl.col("lvl_birth").is_in(WEAK_BIRTH) & ~same_year_here()
            & pl.col("row_id").is_in(dated["row_id"].implode()))
    elsewhere = ~pl.col("lvl_commune").is_in(SAME_COMMUNE) & pl.col("row_id").is_in(
        placed["row_id"].implode())
    return found.filter(~weak & ~elsewhere)


def _scored(pairs: pl.DataFrame, side: RowSide, index: RegistryIndex) -> pl.DataFrame:
    return pair_levels(side.with_fields(pairs, index)).filter(pl.col("compatible"))


def candidate_pairs(side: RowSide, index: RegistryIndex,
                    blocks: list[Block] | None = None) -> pl.DataFrame:
    """(_rpos, _cpos) pairs of the side's rows from the blocks (default BLOCKS), unique: the
    rows' `_rpos` and the registry positions."""
    found = []
    near, rows, registry = side.near, with_day_class(side.rows), index.frame
    for block in BLOCKS if blocks is None else blocks:
        keys, free = list(block.keys), block.free
        cols = keys if free is None else [*keys, free]
        # a name one edit off must agree on gender unless one is unknown, and on the day and
        # month too, as written or swapped (compare: a typo never comes with another day or
        # another gender); the whole name may come with a gender written wrong
        agree = [] if "gender" in keys or free is None else ["gender"]
        if free is not None and "birth_day" not in keys:
            agree.append("_day_class")
        day = [] if "_day_class" in [*cols, *agree] else ["_day_class"]
        swap = ["_swap_class"] if "_day_class" in agree else []
        left = rows.select("_rpos", *cols, *agree, *day, *swap).drop_nulls(keys)
        if "middle_key" in keys:
            left = left.filter(pl.col("middle_key") != "")
        if block.rows_day is not None:
            left = left.filter(pl.col("_day_class").is_null() != block.rows_day)
        shifted = None
        if block.shift_year:
            shifted = pl.concat([left.with_columns(pl.col("birth_year") + s) for s in (-1, 1)])
        # the registry people sharing a block with some row, found by the block key's hash in
        # the index (no scan of the registry): the joins below then compare the keys themselves
        wanted = left if shifted is None else pl.concat([left, shifted])
        found_at = index.lookups[block.keys].find(wanted.select(block_hash(keys))["_hash"])
        right = registry.select("_cpos", *cols, *agree, *day)[found_at]
        if block.people_day is not None:
            right = right.filter(pl.col("_day_class").is_null() != block.people_day)
        free_near = None if free is None else (free, near[free])
        found.append(_join(left, right, keys, free_near, agree, bool(swap)))
        if shifted is not None:
            # a year ±1 is compatible only with the same day and month (29 Feb as 28 Feb) or
            # with a day or month unknown on either side
            found.append(_join(shifted, right, keys, free_near, [*agree, *day], bool(swap)))
    if blocks is None:
        no_year = rows.filter(pl.col("birth_year").is_null()).select("_rpos", "name_key")
        if no_year.height:
            people = index.name_only[index.name_only_lookup.find(
                no_year.select(block_hash(["name_key"]))["_hash"])]
            found.append(no_year.join(people, on="name_key").select("_rpos", "_cpos"))
    if not found:
        return pl.DataFrame(schema={"_rpos": pl.UInt32, "_cpos": pl.UInt32})
    return pl.concat(found).unique()


def _join(left: pl.DataFrame, right: pl.DataFrame, keys: list[str],
          free: tuple[str, pl.DataFrame] | None, agree: list[str], swapped: bool
          ) -> pl.DataFrame:
    """(_rpos, _cpos) joined on `keys`; on the free name key one edit apart (its neighbour
    table) when both sides know it, on the other keys alone when a side does not; then kept
    when each `agree` column is equal or unknown on either side (with `swapped`, the row's
    `_swap_class` may stand for its `_day_class`)."""
    right = right.rename({c: f"{c}_c" for c in agree})
    swap = ["_swap_class"] if swapped else []
    kept = ["_rpos", "_cpos", *agree, *[f"{c}_c" for c in agree], *swap]
    if free is None:
        joined = left.join(right, on=keys).select(kept)
    else:
        col, near = free
        known, unknown = pl.col(col).is_not_null(), pl.col(col).is_null()
        left_known, right_known = left.filter(known), right.filter(known)
        typo = (left_known.join(near, left_on=col, right_on="_key").drop(col)
                .rename({"_near": col}))
        parts = [typo.join(right_known, on=[*keys, col]).select(kept)]
        # a side without the key (one-word names) joins on the other keys alone
        if left_known.height < left.height:
            parts.append(left.filter(unknown).join(right, on=keys).select(kept))
        if right_known.height < right.height:
            parts.append(left_known.join(right.filter(unknown), on=keys).select(kept))
        joined = pl.concat(parts)
    if agree:
        same = [pl.col(c).is_null() | pl.col(f"{c}_c").is_null() | (pl.col(c) == pl.col(f"{c}_c"))
                for c in agree]
        if swap:  # the day and month as written or swapped
            at = agree.index("_day_class")
            same[at] = same[at] | (pl.col("_swap_class") == pl.col("_day_class_c")).fill_null(False)
        joined = joined.filter(pl.all_horizontal(same))
    return joined.select("_rpos", "_cpos")
