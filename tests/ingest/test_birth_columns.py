"""Birth-date columns whose header carries more than "birth date": the gender of a Nam | Nữ pair
("Năm sinh (Nam)") and a date split over Ngày | Tháng | Năm. "Năm" (year) and "Nam" (male) fold
to the same text: the header as written decides."""

from __future__ import annotations

import pytest

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.headers import field_by_words, match_header

HEADER_MAP = load_sources()["bhxh"].header_map


@pytest.mark.parametrize(("header", "expected"), [
    ("Năm sinh (Nam)", "ngay_sinh_nam"), ("Năm sinh (Nữ)", "ngay_sinh_nu"),
    ("Ngày sinh (Nam)", "ngay_sinh_nam"), ("Ngày sinh (Nữ)", "ngay_sinh_nu"),
    ("NĂM SINH - NAM", "ngay_sinh_nam"), ("Ngày, tháng, năm sinh (Nữ)", "ngay_sinh_nu"),
    ("Nam", "ngay_sinh_nam"), ("Nữ", "ngay_sinh_nu"),
    ("Năm sinh", "ngay_sinh"), ("Ngày tháng năm sinh", "ngay_sinh"),
    ("Ngày sinh (năm)", "ngay_sinh"),  # "năm" with its breve is the year, not a gender
])
def test_a_gender_after_the_birth_words_makes_a_pair_column(header: str, expected: str) -> None:
    assert match_header(header, HEADER_MAP)[0] == expected


def test_pair_words_without_the_contract() -> None:
    assert field_by_words("Năm sinh (Nam)") == "ngay_sinh_nam"
    assert field_by_words("Năm sinh (Nữ)") == "ngay_sinh_nu"
    assert field_by_words("Năm sinh") == "ngay_sinh"


def test_year_pair_columns_give_the_gender_csv(source):
    rows = [["Họ và tên", "Năm sinh (Nam)", "Năm sinh (Nữ)"],
            ["Nguyễn Văn Hùng", "1950", ""],
            ["Trần Thị Lan", "", "1948"],
            ["Lê Văn Tám", "1945", ""]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    mapping = {m["header"]: m["field"] for m in reports[0]["columns"]}
    assert mapping == {"Họ và tên": "ho_ten", "Năm sinh (Nam)": "ngay_sinh_nam",
                       "Năm sinh (Nữ)": "ngay_sinh_nu"}
    assert frame.select("ngay_sinh", "gioi_tinh").rows() == [
        ("1950", "Nam"), ("1948", "Nữ"), ("1945", "Nam")]


def test_date_pair_columns_give_the_gender_xlsx(source):
    rows = [["Họ và tên", "Ngày sinh (Nữ)", "Ngày sinh (Nam)"],
            ["Nguyễn Văn Hùng", None, "12/03/1950"],
            ["Trần Thị Lan", "01/02/1948", None]]
    source.xlsx("a.xlsx", {"DS": rows})
    frame, _ = source.ok()
    assert frame.select("ngay_sinh", "gioi_tinh").rows() == [
        ("12/03/1950", "Nam"), ("01/02/1948", "Nữ")]
