"""Blocking: which registry people a row is compared with, never everyone with everyone.

Each block is a join on a few exact keys; together they tolerate one wrong element each
(a given-name typo, a family-name typo, a lunar ±1 year) while keeping blocks small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ducpho_etl.link.fields import with_day_class

if TYPE_CHECKING:
    from ducpho_etl.link.index import RegistryIndex

# Each block: the join keys, and the name key it leaves free (None: both names are keys).
# A birth-year key also joins year ± 1 (lunar-calendar years).
#
# A pair is compatible (compare.COMPATIBLE) only when its family keys and its given keys are each
# equal or one edit apart. Pairs whose two name keys are both equal are all found by the first
# block, so every other block joins its free name key only to keys exactly one edit away
# (edits.neighbours): the same compatible pairs as joining without it, but not the namesakes of a
# whole commune and birth year, whose number grows with the registry.
BLOCKS: list[tuple[tuple[str, ...], str | None]] = [
    (("family_key", "given_key", "birth_year"), None),
    (("family_key", "birth_year", "gender", "xa_2025"), "given_key"),
    (("given_key", "birth_year", "gender", "xa_2025"), "family_key"),
    (("middle_key", "given_key", "birth_year", "gender"), "family_key"),
    # a full birth date is selective: it finds one-letter typos of people who moved commune
    (("family_key", "birth_year", "birth_month", "birth_day"), "given_key"),
    (("given_key", "birth_year", "birth_month", "birth_day"), "family_key"),
]
BLOCK_HASH_SEED = 11
# Rows without a birth year are compared only with exact name-key namesakes, when few
# (index.MAX_NAME_ONLY_BLOCK).


def candidate_pairs(rows: pl.DataFrame, index: RegistryIndex,
                    near: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """(row_id, person_id) pairs from all blocks, unique. `near`: index.neighbours_of(rows) or
    of more rows (computed here when not given)."""
    found = []
    near = near if near is not None else index.neighbours_of(rows)
    rows, registry = with_day_class(rows), index.frame
    for number, (keys, free) in enumerate(BLOCKS):
        cols = list(keys) if free is None else [*keys, free]
        # a pair must agree on gender unless one is unknown (compare.COMPATIBLE)
        agree = [] if "gender" in keys else ["gender"]
        left = rows.select("row_id", *cols, *agree, "_day_class").drop_nulls(list(keys))
        if "middle_key" in keys:
            left = left.filter(pl.col("middle_key") != "")
        shifted = None
        if "birth_year" in keys and "birth_day" not in keys:
            shifted = pl.concat([left.with_columns(pl.col("birth_year") + s) for s in (-1, 1)])
        # the registry people sharing a block with some row, found by the block key's hash (the
        # index holds the registry's): the joins below then compare the keys themselves
        wanted = left if shifted is None else pl.concat([left, shifted])
        right = (registry.filter(pl.col(block_hash_column(number)).is_in(
                    wanted.select(block_hash(keys))["_hash"].unique().implode()))
                 .select("person_id", *cols, *agree, "_day_class"))
        free_near = None if free is None else (free, near[free])
        found.append(_join(left, right, list(keys), free_near, agree))
        if shifted is not None:
            # a year ±1 is compatible only with the same day and month (29 Feb as 28 Feb) or
            # with a day or month unknown on either side
            found.append(_join(shifted, right, list(keys), free_near, [*agree, "_day_class"]))
    no_year = rows.filter(pl.col("birth_year").is_null()).select("row_id", "name_key")
    found.append(no_year.join(index.name_only, on="name_key").select("row_id", "person_id"))
    return pl.concat(found).unique()


def block_hash(keys: tuple[str, ...]) -> pl.Expr:
    """One number per block key (hash collisions only let extra people through the prefilter)."""
    return pl.struct([pl.col(k).cast(pl.Int64) if k.startswith("birth_") else pl.col(k)
                      for k in keys]).hash(seed=BLOCK_HASH_SEED).alias("_hash")


def block_hash_column(number: int) -> str:
    return f"_block{number}"


def with_block_hashes(registry: pl.DataFrame) -> pl.DataFrame:
    """The registry with each block key's hash, computed once per index."""
    return registry.with_columns(block_hash(keys).alias(block_hash_column(i))
                                 for i, (keys, _) in enumerate(BLOCKS))


def _join(left: pl.DataFrame, right: pl.DataFrame, keys: list[str],
          free: tuple[str, pl.DataFrame] | None, agree: list[str]) -> pl.DataFrame:
    """(row_id, person_id) joined on `keys`; on the free name key one edit apart (its neighbour
    table) when both sides know it, on the other keys alone when a side does not; then kept
    when each `agree` column is equal or unknown on either side."""
    right = right.rename({c: f"{c}_c" for c in agree})
    kept = ["row_id", "person_id", *agree, *[f"{c}_c" for c in agree]]
    if free is None:
        joined = left.join(right, on=keys).select(kept)
    else:
        col, near = free
        known, unknown = pl.col(col).is_not_null(), pl.col(col).is_null()
        typo = (left.filter(known).join(near, left_on=col, right_on="_key").drop(col)
                .rename({"_near": col}))
        joined = pl.concat([
            typo.join(right.filter(known), on=[*keys, col]).select(kept),
            left.filter(unknown).join(right, on=keys).select(kept),
            left.filter(known).join(right.filter(unknown), on=keys).select(kept),
        ])
    for c in agree:
        joined = joined.filter(pl.col(c).is_null() | pl.col(f"{c}_c").is_null()
                               | (pl.col(c) == pl.col(f"{c}_c")))
    return joined.select("row_id", "person_id")
