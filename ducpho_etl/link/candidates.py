"""Blocking: which registry people a row is compared with, never everyone with everyone.

Each block is a join on a few exact keys; together they tolerate one wrong element each
(a given-name typo, a family-name typo, a lunar ±1 year) while keeping blocks small.
"""

from __future__ import annotations

import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist

from ducpho_etl.link.compare import COMPARED

# Each block: the join keys, and the name key it leaves free (None: both names are keys).
# A birth-year key also joins year ± 1 (lunar-calendar years).
#
# A pair is compatible (compare.COMPATIBLE) only when its family keys and its given keys are each
# equal or one edit apart. Pairs whose two name keys are both equal are all found by the first
# block, so every other block joins its free name key only to keys exactly one edit away
# (`_neighbours`): the same compatible pairs as joining without it, but not the namesakes of a
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
# Rows without a birth year are compared only with exact name-key namesakes, at most this many.
MAX_NAME_ONLY_BLOCK = 50
# compare.pair_levels calls a one-edit family key a typo only when both keys have 3+ letters,
# a one-edit given key only when the row's key has 3+ letters.
_TYPO_MIN_LEN = {"family_key": (3, 3), "given_key": (3, 0)}


def candidate_pairs(rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """(row_id, person_id) pairs from all blocks, unique."""
    found = []
    neighbours: dict[str, pl.DataFrame] = {}
    rows, registry = _with_day_class(rows), _with_day_class(registry)
    for keys, free in BLOCKS:
        cols = list(keys) if free is None else [*keys, free]
        if free is not None and free not in neighbours:
            neighbours[free] = _neighbours(rows[free], registry[free], *_TYPO_MIN_LEN[free])
        # a pair must agree on gender unless one is unknown (compare.COMPATIBLE)
        optional = [("gender", None)] if "gender" not in keys else []
        if free is not None:
            optional.append((free, neighbours[free]))
        extra = [c for c, _ in optional if c not in cols]
        left = rows.select("row_id", *cols, *extra, "_day_class").drop_nulls(list(keys))
        if "middle_key" in keys:
            left = left.filter(pl.col("middle_key") != "")
        shifted = None
        if "birth_year" in keys and "birth_day" not in keys:
            shifted = pl.concat([left.with_columns(pl.col("birth_year") + s) for s in (-1, 1)])
        # the registry people sharing a block with some row, once (the joins below filter it)
        wanted = left.select(keys) if shifted is None else pl.concat([left, shifted]).select(keys)
        right = (registry.select("person_id", *cols, *extra, "_day_class")
                 .join(wanted.unique(), on=list(keys), how="semi"))
        found.append(_join(left, right, list(keys), optional))
        if shifted is not None:
            # a year ±1 is compatible only with the same day and month (29 Feb as 28 Feb) or
            # with a day or month unknown on either side
            found.append(_join(shifted, right, list(keys), [*optional, ("_day_class", None)]))
    no_year = rows.filter(pl.col("birth_year").is_null()).select("row_id", "name_key")
    if no_year.height:
        sizes = registry.group_by("name_key").len()
        small = registry.join(sizes.filter(pl.col("len") <= MAX_NAME_ONLY_BLOCK), on="name_key")
        found.append(no_year.join(small.select("person_id", "name_key"), on="name_key")
                     .select("row_id", "person_id"))
    return pl.concat(found).unique()


def _with_day_class(frame: pl.DataFrame) -> pl.DataFrame:
    """`_day_class`: month and day as one key, 29 February as 28 (null without both)."""
    day = pl.when((pl.col("birth_month") == 2) & (pl.col("birth_day") == 29)).then(28) \
        .otherwise(pl.col("birth_day"))
    return frame.with_columns((pl.col("birth_month").cast(pl.Int32) * 100 + day.cast(pl.Int32))
                              .alias("_day_class"))


def _join(left: pl.DataFrame, right: pl.DataFrame, keys: list[str],
          optional: list[tuple[str, pl.DataFrame | None]]) -> pl.DataFrame:
    """(row_id, person_id) joined on `keys` and, for each optional column, on equal values (or,
    with a neighbour table, values one edit apart) when both sides know it; a side that does not
    know it is joined on the other keys alone."""
    if not optional or left.height == 0:
        return left.join(right, on=keys).select("row_id", "person_id")
    (col, near), rest = optional[0], optional[1:]
    known, unknown = pl.col(col).is_not_null(), pl.col(col).is_null()
    both_left = left.filter(known)
    if near is not None:
        both_left = (both_left.join(near, left_on=col, right_on="_key").drop(col)
                     .rename({"_near": col}))
    return pl.concat([
        _join(both_left, right.filter(known), [*keys, col], rest),
        _join(left.filter(unknown), right, keys, rest),
        _join(left.filter(known), right.filter(unknown), keys, rest),
    ])


def _deletions(keys: pl.Series) -> pl.DataFrame:
    """Each key with itself and every string one deleted letter away (`_variant`)."""
    frame = pl.DataFrame({"_key": keys.drop_nulls().unique()})
    if frame.height == 0:
        return frame.with_columns(pl.col("_key").alias("_variant"))
    longest = int(frame["_key"].str.len_chars().max() or 0)
    key = pl.col("_key")
    variants = [frame.with_columns(key.alias("_variant"))]
    for i in range(longest):
        variants.append(frame.filter(key.str.len_chars() > i).with_columns(
            (key.str.slice(0, i) + key.str.slice(i + 1)).alias("_variant")))
    return pl.concat(variants).unique()


def _neighbours(row_keys: pl.Series, registry_keys: pl.Series, row_min: int, registry_min: int
                ) -> pl.DataFrame:
    """(_key, _near): a row key and each registry key exactly one edit (Levenshtein) away, both
    long enough to be called a typo. Two strings one edit apart share a one-deletion variant."""
    left = _deletions(row_keys.filter(row_keys.str.len_chars() >= row_min))
    right = _deletions(registry_keys.filter(registry_keys.str.len_chars() >= registry_min))
    pairs = (left.join(right.rename({"_key": "_near"}), on="_variant")
             .select("_key", "_near").unique().filter(pl.col("_key") != pl.col("_near")))
    if pairs.height == 0:
        return pairs
    dist = cpdist(pairs["_key"].to_list(), pairs["_near"].to_list(), scorer=Levenshtein.distance,
                  workers=1)
    return pairs.filter(pl.Series(dist == 1))


def _name_words(prefix: str) -> list[pl.Expr]:
    """The written family name (first word) and given name (last word), once per row or person
    rather than once per pair."""
    words = pl.col("name").str.split(" ")
    return [words.list.first().alias(f"{prefix}_family_word"),
            words.list.last().alias(f"{prefix}_given_word")]


def row_fields(rows: pl.DataFrame) -> pl.DataFrame:
    """A row's compared fields, prefixed r_ (with row_id)."""
    return rows.select(
        "row_id", *[pl.col(c).alias(f"r_{c}") for c in [*COMPARED, "id12"]], *_name_words("r"))


def person_fields(registry: pl.DataFrame) -> pl.DataFrame:
    """A registry person's compared fields, prefixed c_ (with person_id)."""
    return registry.select(
        "person_id", *[pl.col(c).alias(f"c_{c}") for c in [*COMPARED, "alive"]],
        pl.col("person_id").alias("c_person_id"), *_name_words("c"),
    )


def attach_fields(pairs: pl.DataFrame, rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Give each pair the row's fields (r_*) and the candidate's fields (c_*)."""
    row_ids = pairs.select("row_id").unique()
    person_ids = pairs.select("person_id").unique()
    row_part = row_fields(rows.join(row_ids, on="row_id", how="semi"))
    reg_part = person_fields(registry.join(person_ids, on="person_id", how="semi"))
    return pairs.join(row_part, on="row_id").join(reg_part, on="person_id")
