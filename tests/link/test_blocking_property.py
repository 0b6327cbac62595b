"""Blocking completeness as a property: whatever the rows and the registry, a (row, person) pair
with the same name keys and the same full birth date, or the same name keys, birth year and
commune, is always among the row's candidates (a gender written wrong included)."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ducpho_etl.link.candidates import compatible_pairs
from ducpho_etl.link.fields import row_fields
from ducpho_etl.link.index import RowSide, build_index

FAMILIES = ["nguyen", "nguyn", "tran", "le", "ly"]
MIDDLES = ["", "van", "thi", "thi ngoc"]
GIVENS = ["an", "am", "hung", "hun", "lan"]

person = st.fixed_dictionaries({
    "family_key": st.sampled_from(FAMILIES), "middle_key": st.sampled_from(MIDDLES),
    "given_key": st.sampled_from(GIVENS), "birth_year": st.sampled_from([1980, 1981]),
    "birth_month": st.sampled_from([None, 1, 2, 3]), "birth_day": st.sampled_from([1, 3, 28, 29]),
    "gender": st.sampled_from([None, "M", "F"]), "xa_2025": st.sampled_from([None, "1", "2"]),
    "has_id": st.booleans(),
})


def _frame(people: list[dict], prefix: str) -> pl.DataFrame:
    out = []
    for i, p in enumerate(people):
        name = " ".join(w for w in (p["family_key"], p["middle_key"], p["given_key"]) if w)
        out.append({**{k: v for k, v in p.items() if k != "has_id"},
                    "birth_day": p["birth_day"] if p["birth_month"] else None,
                    "id": f"{prefix}{i:011d}" if p["has_id"] else None,
                    "name": name.title(), "name_key": name})
    return pl.DataFrame(out, schema_overrides={"birth_month": pl.Int64, "birth_day": pl.Int64,
                                                "gender": pl.Utf8, "xa_2025": pl.Utf8,
                                                "id": pl.Utf8})


def _must_pairs(rows: pl.DataFrame, registry: pl.DataFrame) -> set:
    names = ["family_key", "middle_key", "given_key", "birth_year"]
    people = registry.select("person_id", *names, "birth_month", "birth_day", "xa_2025")
    same_date = rows.drop_nulls(["birth_month", "birth_day"]).join(
        people, on=[*names, "birth_month", "birth_day"])
    same_commune = rows.drop_nulls("xa_2025").join(people, on=[*names, "xa_2025"])
    return {(r, p) for r, p in pl.concat([same_date.select("row_id", "person_id"),
                                          same_commune.select("row_id", "person_id")]).iter_rows()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person, min_size=1, max_size=25), st.lists(person, min_size=1, max_size=40))
def test_exact_agreements_are_always_candidates(row_people, registry_people):
    rows = (_frame(row_people, "r").rename({"id": "id12"}).with_row_index("row_id")
            .with_row_index("_rpos"))
    registry = (_frame(registry_people, "0").with_columns(
        pl.format("0{}", pl.int_range(pl.len()).cast(pl.Utf8).str.zfill(11)).alias("person_id"))
        .drop("id").with_columns(alive=pl.lit(True), cmnd9=pl.lit(None, pl.Utf8)))
    index = build_index(registry)
    found = compatible_pairs(RowSide(rows=rows, fields=row_fields(rows),
                                     near=index.neighbours_of(rows)), index)
    found_pairs = set(found.select("row_id", "person_id").iter_rows())
    assert _must_pairs(rows, registry) <= found_pairs
