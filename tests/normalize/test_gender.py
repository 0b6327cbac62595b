import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.normalize import gender
from ducpho_etl.normalize.gender import normalize_gender


def _run(values):
    return normalize_gender(pl.DataFrame({"gioi_tinh": values}, schema={"gioi_tinh": pl.String}))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nam", "Nam"),
        ("nam", "Nam"),
        ("NAM", "Nam"),
        (" M ", "Nam"),
        ("Male", "Nam"),
        ("Nữ", "Nữ"),
        ("Nu", "Nữ"),
        ("nữ", "Nữ"),
        ("NỮ", "Nữ"),
        ("F", "Nữ"),
        ("Female", "Nữ"),
        ("Nư", "Nữ"),
        (unicodedata.normalize("NFD", "Nữ"), "Nữ"),
        (unicodedata.normalize("NFD", "NỮ"), "Nữ"),
        ("1", None),
        ("0", None),
        ("x", None),
        ("", None),
        (None, None),
    ],
)
def test_gender(raw, expected):
    assert _run([raw]).item(0, "gender") == expected


def test_codes():
    out = _run(["Nam", "1", None]).get_column("norm_codes").to_list()
    assert out == [[], ["gender_unknown"], ["gender_missing"]]
    assert {c for row in out for c in row} <= set(gender.REASONS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=10))
def test_never_raises_idempotent(values):
    out = _run(values)
    assert set(out.get_column("gender").drop_nulls().to_list()) <= {"Nam", "Nữ"}
    again = _run(out.get_column("gender").to_list())
    assert again.get_column("gender").to_list() == out.get_column("gender").to_list()
