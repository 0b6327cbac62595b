"""Birth-date columns whose header carries more than "birth date": the gender of a Nam | Nữ pair
("Năm sinh (Nam)") and a date split over Ngày | Tháng | Năm. "Năm" (year) and "Nam" (male) fold
to the same text: the header as written decides."""

from __future__ import annotations

import pytest

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.headers import field_by_words, match_header
from ducpho_etl.normalize.dates import parse_birth_date

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


# ------------------------------------------------------------- a date split over Ngày | Tháng | Năm

@pytest.mark.parametrize(("header", "expected"), [
    ("Ngày", "ngay_sinh_dd"), ("Tháng", "ngay_sinh_mm"), ("Năm", "ngay_sinh_yyyy"),
    ("NĂM", "ngay_sinh_yyyy"), ("Nam", "ngay_sinh_nam"),
])
def test_date_part_headers(header: str, expected: str) -> None:
    assert match_header(header, HEADER_MAP)[0] == expected


SPLIT_ROWS = [["Nguyễn Văn Hùng", 12, 3, 1950], ["Trần Thị Lan", None, None, 1948],
              ["Lê Văn Tám", None, 7, 1945]]
SPLIT_DATES = ["12/3/1950", "1948", "7/1945"]


def test_split_date_one_header_row_xlsx(source):
    source.xlsx("a.xlsx", {"DS": [["Họ và tên", "Ngày", "Tháng", "Năm"], *SPLIT_ROWS]})
    frame, reports = source.ok()
    mapping = {m["header"]: m["field"] for m in reports[0]["columns"]}
    assert mapping == {"Họ và tên": "ho_ten", "Ngày": "ngay_sinh_dd", "Tháng": "ngay_sinh_mm",
                       "Năm": "ngay_sinh_yyyy"}
    assert frame["ngay_sinh"].to_list() == SPLIT_DATES
    assert frame["gioi_tinh"].null_count() == 3  # "Năm" is not the male column
    assert not any("extra_" in c for c in frame.columns)


def test_split_date_under_a_merged_birth_date_header_xlsx(source):
    rows = [["Họ và tên", "Ngày sinh", None, None], [None, "Ngày", "Tháng", "Năm"], *SPLIT_ROWS]
    source.xlsx("a.xlsx", {"DS": rows}, merges={"DS": [(0, 1, 0, 3, "Ngày sinh"),
                                                       (0, 0, 1, 0, "Họ và tên")]})
    frame, reports = source.ok()
    assert reports[0]["ledger"]["header"] == 2
    assert [m["field"] for m in reports[0]["columns"]] == [
        "ho_ten", "ngay_sinh_dd", "ngay_sinh_mm", "ngay_sinh_yyyy"]
    assert frame["ngay_sinh"].to_list() == SPLIT_DATES
    assert frame["numeric_cells"].to_list() == [[], [], []]  # not an Excel serial
    parsed = [parse_birth_date(v) for v in frame["ngay_sinh"]]
    assert [(d.year, d.month, d.day, d.precision) for d in parsed] == [
        (1950, 3, 12, "day"), (1948, None, None, "year"), (1945, 7, None, "year")]


def test_split_date_csv_without_accents(source):
    rows = [["Ho va ten", "Ngay", "Thang", "Nam", "Gioi tinh"],
            ["Nguyễn Văn Hùng", "12", "03", "1950", "Nam"],
            ["Trần Thị Lan", "", "", "1948", "Nữ"]]
    source.csv("a.csv", rows)
    frame, _ = source.ok()
    # "Nam" right after "Thang" is the year of the split date, not the male column
    assert frame.select("ngay_sinh", "gioi_tinh").rows() == [("12/03/1950", "Nam"), ("1948", "Nữ")]


def test_a_day_column_without_a_year_column_is_not_dropped(source):
    rows = [["Họ và tên", "Ngày", "Năm sinh"],
            ["Nguyễn Văn Hùng", "05/01/2023", "1950"], ["Trần Thị Lan", "06/01/2023", "1948"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    assert frame["ngay_sinh"].to_list() == ["1950", "1948"]
    assert [m["field"] for m in reports[0]["columns"]][1] != "ngay_sinh_dd"


def test_split_date_parts_in_cells_formatted_as_dates_xlsx(source):
    """A day or month typed into a column formatted as a date: Excel shows 27 as 27/01/1900 and
    keeps the number 27; the split date takes the number, not a date of January 1900."""
    import xlsxwriter

    book = xlsxwriter.Workbook(source.path("a.xlsx"))
    ws = book.add_worksheet("DS")
    as_date = book.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["Họ và tên", "Ngày", "Tháng", "Năm"])
    ws.write_string(1, 0, "Nguyễn Văn Hùng")
    ws.write_number(1, 1, 27, as_date)
    ws.write_number(1, 2, 12, as_date)
    ws.write_number(1, 3, 2011)
    book.close()
    frame, _ = source.ok()
    assert frame["ngay_sinh"].to_list() == ["27/12/2011"]
