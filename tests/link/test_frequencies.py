"""Level counts over all pairs, from value frequencies, equal the levels of every pair compared
one by one (compare.pair_levels on the full cross product)."""

from __future__ import annotations

import random

import polars as pl
import pytest

from ducpho_etl.link.compare import pair_levels
from ducpho_etl.link.edits import deletions, neighbours, substrings
from ducpho_etl.link.fields import person_fields, row_fields
from ducpho_etl.link.frequencies import FIELD_COLUMNS, level_counts, value_counts
from ducpho_etl.link.index import build_index

# written family name -> key (Huỳnh and Hoàng share one), with one-letter typos and short names
FAMILIES = {"Nguyễn": "nguyen", "Nguyển": "nguyen", "Nguyn": "nguyn", "Huỳnh": "hoang",
            "Hoàng": "hoang", "Hoàn": "hoan", "Lê": "le", "Lý": "ly", "Trần": "tran", "Tràn": "tran",
            # written without any diacritics (with an unaccented middle and given name, a
            # name whose words compare by their keys alone)
            "Nguyen": "nguyen", "Tran": "tran"}
MIDDLES = ["", None, "van", "vn", "thi", "thi ngoc", "ngoc", "ngo", "van minh", "minh"]
GIVENS = {"An": "an", "Ân": "an", "Hùng": "hung", "Hung": "hung", "Hun": "hun", "Hưng": "hung",
          "Lan": "lan", "Lam": "lam", "Minh": "minh", "Mính": "minh", "Y": "y"}


def _people(rng: random.Random, n: int) -> pl.DataFrame:
    out = []
    for i in range(n):
        family, given = rng.choice(list(FAMILIES)), rng.choice(list(GIVENS))
        middle = rng.choice(MIDDLES)
        one_word = rng.random() < 0.05
        words = [given] if one_word else [family, *([middle.title()] if middle else []), given]
        month = rng.choice([None, 1, 2, 2, 3, 5, 12])
        day = None if month is None else rng.choice([None, 1, 28, 29, 3, 5, 12])
        if i % 10 == 0:  # a birth date and its day-month swap on both sides
            day, month = (3, 5) if i % 20 == 0 else (5, 3)
        out.append({
            "name": " ".join(words), "name_key": " ".join(words).lower(),
            "family_key": None if one_word else FAMILIES[family],
            "middle_key": "" if one_word else middle, "given_key": GIVENS[given],
            "birth_year": rng.choice([None, 1980, 1981, 1982, 1984]), "birth_month": month,
            "birth_day": day, "gender": rng.choice([None, "M", "F"]),
            "xa_2025": rng.choice([None, "1", "2", "3"]),
        })
    return pl.DataFrame(out, schema_overrides={"birth_year": pl.Int32, "birth_month": pl.Int8,
                                               "birth_day": pl.Int8})


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_counts_equal_levels_of_every_pair(seed):
    rng = random.Random(seed)
    rows = _people(rng, 70).with_row_index("row_id").with_columns(id12=pl.lit(None, pl.Utf8))
    registry = _people(rng, 90).with_row_index("i").select(
        pl.format("P{}", "i").alias("person_id"), pl.exclude("i"), alive=pl.lit(True),
        cmnd9=pl.lit(None, pl.Utf8))
    every_pair = row_fields(rows).join(person_fields(registry), how="cross")
    brute = pair_levels(every_pair)
    index = build_index(registry)
    counted = level_counts(value_counts(row_fields(rows), "r"), index.counts,
                           index.neighbours_of(rows), index.middle_substrings)
    assert set(counted) == set(FIELD_COLUMNS)
    for field, by_level in counted.items():
        expected = dict(brute.group_by(f"lvl_{field}").len().iter_rows())
        assert by_level == expected, field
    # the random data reach the rare levels this is about
    for field, level in [("family", "equiv"), ("family", "typo"), ("given", "accentless"),
                         ("middle", "typo"), ("birth", "swap"), ("birth", "lunar"),
                         ("birth", "jan1")]:
        assert counted[field].get(level, 0) > 0, (field, level)


def test_substrings_and_neighbours_of_distinct_keys():
    parts = substrings(pl.Series(["thi", "", None, "thi"]))
    assert set(parts["_part"]) == {"t", "h", "i", "th", "hi", "thi"}
    near = neighbours(deletions(pl.Series(["hung", "an"]), 3), deletions(pl.Series(["hun", "hong", "hung"])))
    assert set(near.iter_rows()) == {("hung", "hun"), ("hung", "hong")}
