"""The compared fields of rows (r_*) and registry people (c_*), and pairs carrying both."""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.compare import COMPARED


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


def with_day_class(frame: pl.DataFrame) -> pl.DataFrame:
    """`_day_class`: month and day as one key, 29 February as 28 (null without both)."""
    day = pl.when((pl.col("birth_month") == 2) & (pl.col("birth_day") == 29)).then(28) \
        .otherwise(pl.col("birth_day"))
    return frame.with_columns((pl.col("birth_month").cast(pl.Int32) * 100 + day.cast(pl.Int32))
                              .alias("_day_class"))


def attach_fields(pairs: pl.DataFrame, row_part: pl.DataFrame, people: pl.DataFrame
                  ) -> pl.DataFrame:
    """Give each (row_id, person_id) pair the row's fields (r_*, from `row_part`, a row_fields
    frame) and the candidate's (c_*, from `people`, a person_fields frame)."""
    return pairs.join(row_part, on="row_id").join(people, on="person_id")
