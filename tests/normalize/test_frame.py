import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.normalize import OUTPUT_SCHEMA, REASONS, normalize_frame

INPUT = [
    "ho_ten",
    "ngay_sinh",
    "gioi_tinh",
    "so_dinh_danh",
    "so_cmnd",
    "ma_bhxh",
    "the_bhyt",
    "mst",
    "xa",
    "dia_chi",
]


def _frame(rows, with_year=True):
    df = pl.DataFrame(rows, schema={c: pl.String for c in INPUT}, orient="row")
    if with_year:
        df = df.with_columns(reference_year=pl.lit(2023, pl.Int32))
    return df


def test_end_to_end():
    raw = [
        [
            "NGUYỄN văn  hùng",
            "12/05/85",
            "NAM",
            "51085123456",
            None,
            "512345678",
            None,
            "0100112437-001",
            "Phường Nguyễn Nghiêm",
            None,
        ],
        [
            unicodedata.normalize("NFD", "huỳnh thị đào"),
            "29221.0",
            unicodedata.normalize("NFD", "Nữ"),
            "5.10851E+11",
            None,
            None,
            "GD4515123456789",
            None,
            None,
            "xã Phổ An, thị xã Đức Phổ",
        ],
        [
            "Võ Minh Tâm",
            "00/00/1945",
            "F",
            "211234567",
            None,
            None,
            None,
            None,
            "Nguyễn Nghiêm",
            None,
        ],
        ["Lê Văn Tám", "31/02/1990", "Nam", "051185123456", None, None, None, None, "21460", None],
    ]
    df = _frame(raw).with_columns(extra=pl.Series([1, 2, 3, 4]))
    out = normalize_frame(df)
    assert out.columns[: df.width] == df.columns
    assert out.select(df.columns).equals(df)
    for c, t in OUTPUT_SCHEMA.items():
        assert out.schema[c] == t, c
    r = out.to_dicts()
    assert r[0]["name"] == "Nguyễn Văn Hùng"
    assert (r[0]["birth_year"], r[0]["birth_month"], r[0]["birth_day"]) == (1985, 5, 12)
    assert r[0]["id12"] == "051085123456" and r[0]["id12_status"] == "padded"
    assert r[0]["id12_consistent"] is True
    assert r[0]["mst10"] == "0100112437" and r[0]["mst_valid"] is True
    assert r[0]["bhxh10"] == "0512345678"
    assert (r[0]["ma_xa"], r[0]["xa_2025"]) == ("21439", "21439")
    assert r[1]["name"] == "Huỳnh Thị Đào" and r[1]["family_key"] == "hoang"
    assert r[1]["gender"] == "Nữ" and r[1]["birth_year"] == 1980
    assert r[1]["id12_status"] == "scientific" and r[1]["id12_consistent"] is None
    assert r[1]["bhxh10"] == "5123456789"
    assert (r[1]["ma_xa"], r[1]["xa_2025"]) == ("21442", "21451")
    assert r[2]["cmnd9"] == "211234567" and r[2]["id12"] is None
    assert r[2]["birth_precision"] == "year" and r[2]["family_key"] == "vu"
    assert r[2]["ma_xa"] == "21439"
    assert r[3]["birth_year"] is None and "date_impossible" in r[3]["norm_codes"]
    assert r[3]["id12_consistent"] is None
    assert (r[3]["ma_xa"], r[3]["xa_2025"]) == ("21460", "21439")
    all_codes = set(out.get_column("norm_codes").explode().drop_nulls().to_list())
    assert all_codes <= set(REASONS)


def test_missing_reference_year_and_empty_frame():
    df = _frame(
        [["Nguyễn Nghiêm", "1/1/24", None, None, None, None, None, None, "Nguyễn Nghiêm", None]],
        with_year=False,
    )
    out = normalize_frame(df)
    assert "reference_year" not in out.columns
    assert out.item(0, "ma_xa") == "21439"
    assert out.item(0, "birth_year") == 1924
    empty = normalize_frame(_frame([], with_year=False))
    assert empty.height == 0
    assert all(empty.schema[c] == t for c, t in OUTPUT_SCHEMA.items())


def test_reasons_are_bilingual_pairs():
    assert REASONS
    for code, pair in REASONS.items():
        assert code == code.lower() and isinstance(pair, tuple) and len(pair) == 2
        assert all(isinstance(x, str) and x for x in pair)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.text()), min_size=10, max_size=10), min_size=1, max_size=8
    )
)
def test_never_raises_on_arbitrary_text(rows):
    out = normalize_frame(_frame(rows))
    assert out.height == len(rows)
    assert set(out.get_column("norm_codes").explode().drop_nulls().to_list()) <= set(REASONS)
    # idempotent on the cleaned name and id
    again = normalize_frame(
        _frame(rows).with_columns(
            ho_ten=out.get_column("name"), so_dinh_danh=out.get_column("id12")
        )
    )
    assert again.get_column("name").to_list() == out.get_column("name").to_list()
    assert again.get_column("name_key").to_list() == out.get_column("name_key").to_list()
    assert again.get_column("id12").to_list() == out.get_column("id12").to_list()


def test_stray_punctuation_and_labelled_ids():
    df = pl.DataFrame({"ho_ten": ["Nguyễn Văn Hùng.", "- Lê Thị Lan", "Trần Văn A"],
                       "so_dinh_danh": ["CCCD: 051085123456", "số 211234567", "GD4515123456789"]})
    out = normalize_frame(df)
    assert out["name"].to_list() == ["Nguyễn Văn Hùng", "Lê Thị Lan", "Trần Văn A"]
    assert "name_punctuation_fixed" in out["norm_codes"][0]
    assert out["id12"].to_list() == ["051085123456", None, None]
    assert out["cmnd9"].to_list() == [None, "211234567", None]


def test_numeric_cell_id_of_province_001_lost_two_zeros():
    """A number cell, or a text cell (a CSV saved from Excel) that reads as an ID of 001-009."""
    sent = ["1057123020", "1057123020", "1957123020"]
    df = pl.DataFrame({"ho_ten": ["Lê Văn Minh"] * 3, "so_dinh_danh": sent,
                       "numeric_cells": [["so_dinh_danh"], [], []]})
    out = normalize_frame(df)
    assert out["id12"].to_list() == ["001057123020", "001057123020", None]
    assert out["id12_status"].to_list() == ["padded", "padded", "bad_length"]  # G 9: no century
    assert out["so_dinh_danh"].to_list() == sent  # as sent


def test_two_digit_year_takes_an_earlier_century_from_the_rows_own_id():
    """"5/3/18" pivots on the extract's year to 2018; an ID whose century digit and year say 1918
    makes it 1918 (a centenarian), flagged; a child's ID, no ID, or an ID of another year leave
    the pivot alone."""
    out = normalize_frame(_frame([
        ["Nguyễn Văn A", "5/3/18", "Nam", "051018000001"] + [None] * 6,  # ID: a man born 1918
        ["Trần Thị B", "5/3/18", "Nữ", "051318000002"] + [None] * 6,  # ID: a girl born 2018
        ["Lê Văn C", "5/3/18", "Nam", None] + [None] * 6,
        ["Lê Văn D", "5/3/18", "Nam", "051020000003"] + [None] * 6,  # ID of 1920: not the row's
        ["Lê Văn E", "5/3/1918", "Nam", "051018000004"] + [None] * 6,  # four digits: as written
    ]))
    assert out["birth_year"].to_list() == [1918, 2018, 2018, 2018, 1918]
    flagged = [("date_century_from_id" in codes) for codes in out["norm_codes"]]
    assert flagged == [True, False, False, False, False]
    assert "date_century_from_id" in REASONS
