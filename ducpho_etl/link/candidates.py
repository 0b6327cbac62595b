"""Blocking: which registry people a row is compared with, never everyone with everyone.

Each block is a join on a few exact keys; together they tolerate one wrong element each
(a given-name typo, a family-name typo, a lunar ±1 year) while keeping blocks small.
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.compare import COMPARED

# Each block: the join keys. A birth-year key also joins year ± 1 (lunar-calendar years).
BLOCKS: list[tuple[str, ...]] = [
    ("family_key", "given_key", "birth_year"),
    ("family_key", "birth_year", "gender", "xa_2025"),
    ("given_key", "birth_year", "gender", "xa_2025"),
    ("middle_key", "given_key", "birth_year", "gender"),
    # a full birth date is selective: it finds one-letter typos of people who moved commune
    ("family_key", "birth_year", "birth_month", "birth_day"),
    ("given_key", "birth_year", "birth_month", "birth_day"),
]
# Rows without a birth year are compared only with exact name-key namesakes, at most this many.
MAX_NAME_ONLY_BLOCK = 50


def candidate_pairs(rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """(row_id, person_id) pairs from all blocks, unique."""
    found = []
    for keys in BLOCKS:
        left = rows.select("row_id", *keys).drop_nulls(list(keys))
        if "middle_key" in keys:
            left = left.filter(pl.col("middle_key") != "")
        if "birth_year" in keys and "birth_day" not in keys:
            left = pl.concat([left.with_columns(pl.col("birth_year") + shift)
                              for shift in (-1, 0, 1)])
        found.append(left.join(registry.select("person_id", *keys), on=list(keys))
                     .select("row_id", "person_id"))
    no_year = rows.filter(pl.col("birth_year").is_null()).select("row_id", "name_key")
    if no_year.height:
        sizes = registry.group_by("name_key").len()
        small = registry.join(sizes.filter(pl.col("len") <= MAX_NAME_ONLY_BLOCK), on="name_key")
        found.append(no_year.join(small.select("person_id", "name_key"), on="name_key")
                     .select("row_id", "person_id"))
    return pl.concat(found).unique()


def _name_words(prefix: str) -> list[pl.Expr]:
    """The written family name (first word) and given name (last word), once per row or person
    rather than once per pair."""
    words = pl.col("name").str.split(" ")
    return [words.list.first().alias(f"{prefix}_family_word"),
            words.list.last().alias(f"{prefix}_given_word")]


def attach_fields(pairs: pl.DataFrame, rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Give each pair the row's fields (r_*) and the candidate's fields (c_*)."""
    row_ids = pairs.select("row_id").unique()
    person_ids = pairs.select("person_id").unique()
    row_part = rows.join(row_ids, on="row_id", how="semi").select(
        "row_id", *[pl.col(c).alias(f"r_{c}") for c in [*COMPARED, "id12"]], *_name_words("r"))
    reg_part = registry.join(person_ids, on="person_id", how="semi").select(
        "person_id", *[pl.col(c).alias(f"c_{c}") for c in [*COMPARED, "alive"]],
        pl.col("person_id").alias("c_person_id"), *_name_words("c"),
    )
    return pairs.join(row_part, on="row_id").join(reg_part, on="person_id")
