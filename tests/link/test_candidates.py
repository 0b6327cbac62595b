"""Blocking keeps every compatible pair that the plain key joins find, and far fewer others."""

from __future__ import annotations

import random

import polars as pl

from ducpho_etl.link.candidates import (
    WEAK_BIRTH,
    candidate_pairs,
    compatible_pairs,
    same_year_here,
    settles_commune,
    settles_date,
)
from ducpho_etl.link.compare import pair_levels
from ducpho_etl.link.edits import deletions, neighbours
from ducpho_etl.link.fields import attach_fields, person_fields, row_fields
from ducpho_etl.link.index import RowSide, build_index

# The blocks as plain joins (each year-keyed one also on year ± 1), before the one-edit and
# day-class refinements: the refined blocks must find the same compatible pairs.
PLAIN_BLOCKS = [
    ("family_key", "given_key", "birth_year"),
    ("family_key", "given_key", "birth_year", "xa_2025"),
    ("family_key", "birth_year", "gender", "xa_2025"),
    ("given_key", "birth_year", "gender", "xa_2025"),
    ("middle_key", "given_key", "birth_year", "gender"),
    ("family_key", "birth_year", "birth_month", "birth_day"),
    ("given_key", "birth_year", "birth_month", "birth_day"),
]
FAMILIES = ["nguyen", "nguyn", "tran", "tra", "le", "ly", "pham", "phan"]
MIDDLES = ["", "van", "thi", "thi ngoc", "ngoc"]
GIVENS = ["an", "hung", "hun", "hong", "lan", "lam", "mai", "minh", "ming"]


def _people(rng: random.Random, n: int, prefix: str) -> pl.DataFrame:
    out = []
    for i in range(n):
        family, middle, given = rng.choice(FAMILIES), rng.choice(MIDDLES), rng.choice(GIVENS)
        one_word = rng.random() < 0.03
        name = given.title() if one_word else " ".join(w for w in (family, middle, given) if w).title()
        month = rng.choice([None, 1, 2, 2, 3, 5])
        out.append({
            "id": f"{prefix}{i:011d}", "name": name, "name_key": name.lower(),
            "family_key": None if one_word else family, "middle_key": "" if one_word else middle,
            "given_key": given, "birth_year": rng.choice([None, 1980, 1981, 1982]),
            "birth_month": month, "birth_day": None if month is None else rng.choice([1, 28, 29, 3, 5]),
            "gender": rng.choice([None, "M", "F", "F"]), "xa_2025": rng.choice([None, "1", "2"]),
        })
    return pl.DataFrame(out)


def _plain_pairs(rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """(_rpos, _cpos) pairs of the plain blocks."""
    found = []
    registry = registry.with_row_index("_cpos")
    for keys in PLAIN_BLOCKS:
        left = rows.select("_rpos", *keys).drop_nulls(list(keys))
        if "middle_key" in keys:
            left = left.filter(pl.col("middle_key") != "")
        if "birth_year" in keys and "birth_day" not in keys:
            left = pl.concat([left.with_columns(pl.col("birth_year") + s) for s in (-1, 0, 1)])
        found.append(left.join(registry.select("_cpos", *keys), on=list(keys))
                     .select("_rpos", "_cpos"))
    return pl.concat(found).unique()


def _compatible(pairs: pl.DataFrame, rows: pl.DataFrame, registry: pl.DataFrame) -> set:
    """(row_id, person_id, birth level) of the compatible pairs, a birth date that shares only
    the year (WEAK_BIRTH) elsewhere only for rows whose date no compatible candidate shares, a candidate
    living elsewhere for a row without a day only when none lives in its commune."""
    levels = pair_levels(attach_fields(pairs, row_fields(rows), person_fields(registry))).filter(
        pl.col("compatible"))
    dated = levels.filter(settles_date())["row_id"].unique()
    placed = levels.filter(settles_commune())["row_id"].unique()
    levels = levels.filter((~pl.col("lvl_birth").is_in(WEAK_BIRTH)
                            | same_year_here()
                            | ~pl.col("row_id").is_in(dated.implode()))
                           & ((pl.col("lvl_commune") == "agree")
                              | ~pl.col("row_id").is_in(placed.implode())))
    return set(levels.select("row_id", "person_id", "lvl_birth").iter_rows())


def test_same_compatible_pairs_as_plain_blocks():
    rng = random.Random(7)
    # most rows without an ID (the rules that settle a row by its date or commune apply to them)
    rows = (_people(rng, 400, "r").rename({"id": "id12"})
            .with_columns(pl.when(pl.int_range(pl.len()) % 5 == 0).then(pl.col("id12")))
            .with_row_index("row_id").filter(pl.col("birth_year").is_not_null())
            .with_row_index("_rpos"))
    registry = _people(rng, 600, "0").rename({"id": "person_id"}).with_columns(alive=pl.lit(True))
    plain = _plain_pairs(rows, registry)
    index = build_index(registry.with_columns(cmnd9=pl.lit(None, pl.Utf8)))
    side = RowSide(rows=rows, fields=row_fields(rows), near=index.neighbours_of(rows))
    found = compatible_pairs(side, index)
    expected = _compatible(plain, rows, registry)
    # the random data produce compatible pairs at every birth level a block is for
    assert {level for _, _, level in expected} >= {"exact", "swap", "lunar", "year", "near_year",
                                                    "year_dm_diff", "jan1"}
    assert set(found.select("row_id", "person_id", "lvl_birth").iter_rows()) == expected
    assert candidate_pairs(side, index).height < plain.height


def test_neighbours_are_one_edit_and_long_enough():
    near = neighbours(deletions(pl.Series(["hung", "an", "lan"]), 3),
                      deletions(pl.Series(["hun", "hong", "hung", "am", "lam"]), 0))
    assert set(near.iter_rows()) == {("hung", "hun"), ("hung", "hong"), ("lan", "lam")}
