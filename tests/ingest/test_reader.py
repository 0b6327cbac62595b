"""read_source: CSV/TXT and XLSX extracts -> raw frame with true row numbers, and reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from ducpho_etl.contracts import canonical_fields, load_sources
from ducpho_etl.ingest.encodings import encode_cp1258, encode_tcvn3, encode_vni
from ducpho_etl.ingest.source import IngestError, frame_schema, read_source

CONTRACT = load_sources()["nguoi_cao_tuoi"]
META = ["source", "source_file", "sheet", "source_row", "row_kind", "encoding"]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _rows(df: pl.DataFrame, *cols: str) -> list[tuple]:
    return df.select(["source_row", "row_kind", *cols]).rows()


CSV_TEXT = (
    "DANH SÁCH NGƯỜI CAO TUỔI, NĂM 2023\n"  # line 1: title (with a comma)
    "\n"  # line 2: blank, above the header: not counted
    "STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Địa chỉ,Cột lạ\n"  # line 3: header
    "(1),(2),(3),(4),(5),(6),(7)\n"  # line 4: numbering row
    '1,Nguyễn Văn Hùng,12/03/1950,Nam,051050001234,"Thôn 1, Phổ An",x\n'  # line 5
    '2,  Trần Thị Lan ,1948,Nữ,5.10851E+11,"Phổ Thạnh\nĐức Phổ",\n'  # lines 6-7: row 6
    ",,,,,,\n"  # line 8 (row 7): blank row
    "\n"  # line 9 (row 8): blank line
    "3,Lê Văn Tám,,Nam,,,\n"  # line 10: row 9 in a spreadsheet program
    ",Tổng cộng,,,,,\n"  # line 11 (row 10): total
)


def test_csv_utf8_layout_rows_and_report(tmp_path: Path) -> None:
    data = CSV_TEXT.encode("utf-8")
    _write(tmp_path, "a.csv", data)
    df, reports = read_source(tmp_path, CONTRACT)

    # the unknown column "Cột lạ" is kept, as an extra_* column after the known ones
    assert df.columns == [*META, *canonical_fields(), "numeric_cells", "extra_cot_la"]
    assert dict(df.schema) == {**frame_schema(), "extra_cot_la": pl.String()}
    assert df["extra_cot_la"].to_list() == ["x", None, None, None]
    assert _rows(df, "ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "dia_chi") == [
        (5, "data", "Nguyễn Văn Hùng", "12/03/1950", "Nam", "051050001234", "Thôn 1, Phổ An"),
        (6, "data", "Trần Thị Lan", "1948", "Nữ", "5.10851E+11", "Phổ Thạnh\nĐức Phổ"),
        (9, "data", "Lê Văn Tám", None, "Nam", None, None),
        (10, "total", "Tổng cộng", None, None, None, None),
    ]
    assert df["source"].unique().to_list() == ["nguoi_cao_tuoi"]
    assert df["source_file"].unique().to_list() == ["a.csv"]
    assert df["sheet"].null_count() == 4
    assert df["encoding"].unique().to_list() == ["utf-8"]
    assert df["numeric_cells"].to_list() == [[], [], [], []]
    assert df["so_cmnd"].null_count() == 4  # a field the file has no column for
    ledger = reports[0].pop("ledger")
    # 10 physical records (lines 6-7 are one quoted record): title, header, numbering, blank
    # lines 2, 8, 9, three data rows and a total row
    assert {k: ledger[k] for k in ("physical_rows", "title", "header", "numbering", "blank",
                                   "data", "total", "unaccounted")} == {
        "physical_rows": 10, "title": 1, "header": 1, "numbering": 1, "blank": 3, "data": 3,
        "total": 1, "unaccounted": 0}
    assert reports[0].pop("column_letters")["B"] == "ho_ten"
    assert reports == [
        {
            "file": "a.csv",
            "sheet": None,
            "encoding": "utf-8",
            "header_row": 3,
            "data_rows": 3,
            "total_rows": 1,
            "blank_rows": 2,
            "repeated_headers": 0,
            "footer_rows": 0,
            "repaired_cells": 0,
            "unknown_headers": ["Cột lạ"],
            "columns": [
                {"column": i, "header": h, "field": f, "how": how}
                for i, (h, f, how) in enumerate([
                    ("STT", "stt", "alias"), ("Họ và tên", "ho_ten", "alias"),
                    ("Ngày sinh", "ngay_sinh", "alias"), ("Giới tính", "gioi_tinh", "alias"),
                    ("Số CCCD", "so_dinh_danh", "alias"), ("Địa chỉ", "dia_chi", "alias"),
                    ("Cột lạ", "extra_cot_la", "extra")])
            ],
            "identity_gaps": [],
            "identity_complete": True,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ]


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda s: s.encode("utf-8-sig"), "utf-8-sig"),
        (encode_cp1258, "cp1258"),
        (encode_tcvn3, "tcvn3"),
        (encode_vni, "vni"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_encodings_and_delimiters(tmp_path: Path, encode, expected, delimiter) -> None:
    lines = [
        ["Danh sách hội viên thôn Phổ An"],
        ["TT", "Họ và tên", "Năm sinh", "Giới tính", "Thôn", "Ghi chú"],
        ["1", "2", "3", "4", "5", "6"],
        ["1", "Nguyễn Văn Hùng", "1950", "Nam", "Thôn Trung, xã Phổ An", ""],
        ["2", "Huỳnh Thị Ngọc Anh", "1962", "Nữ", "Tân Lộc", "Hộ nghèo"],
        ["", "Cộng: 2 người", "", "", "", ""],
    ]

    def quote(cell: str) -> str:
        return f'"{cell}"' if delimiter in cell else cell

    text = "\r\n".join(delimiter.join(quote(c) for c in row) for row in lines) + "\r\n"
    _write(tmp_path, "nct.txt", encode(text))
    df, reports = read_source(tmp_path, CONTRACT)
    assert _rows(df, "ho_ten", "ngay_sinh", "gioi_tinh", "thon", "ghi_chu") == [
        (4, "data", "Nguyễn Văn Hùng", "1950", "Nam", "Thôn Trung, xã Phổ An", None),
        (5, "data", "Huỳnh Thị Ngọc Anh", "1962", "Nữ", "Tân Lộc", "Hộ nghèo"),
        (6, "total", "Cộng: 2 người", None, None, None, None),
    ]
    assert df["encoding"].unique().to_list() == [expected]
    assert reports[0]["encoding"] == expected
    assert reports[0]["header_row"] == 2
    assert (reports[0]["data_rows"], reports[0]["total_rows"]) == (2, 1)


def test_csv_nam_nu_pair_and_duplicate_columns(tmp_path: Path) -> None:
    text = (
        "Họ và tên;Nam;Nữ;CCCD;Số định danh;Giới tính\n"
        "Nguyễn Văn A;1945;;;051045000001;\n"
        "Trần Thị B;;00/00/1950;051150000002;051150000009;\n"
        "Lê C;1930;;;;Nữ\n"
        "Võ D;;;;;\n"
    )
    _write(tmp_path, "x.csv", text.encode("utf-8"))
    df, reports = read_source(tmp_path, CONTRACT)
    assert "ngay_sinh_nam" not in df.columns and "ngay_sinh_nu" not in df.columns
    assert _rows(df, "ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh") == [
        (2, "data", "Nguyễn Văn A", "1945", "Nam", "051045000001"),
        (3, "data", "Trần Thị B", "00/00/1950", "Nữ", "051150000002"),  # first non-empty
        (4, "data", "Lê C", "1930", "Nữ", None),  # the gender column wins when filled
        (5, "data", "Võ D", None, None, None),
    ]
    assert reports[0]["header_row"] == 1 and reports[0]["unknown_headers"] == []


def _xlsx_fixture(path: Path) -> None:
    """Sheet "DS": 2 title rows, an empty row, a two-row header (merged "Ngày sinh" over
    Nam | Nữ), a numbering row, data with blank rows between, a total row; sheet "Phụ lục": a
    second list whose first rows are empty. 0-based xlsxwriter rows; sheet rows are +1."""
    wb = xlsxwriter.Workbook(path)
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("DS")
    ws.merge_range(0, 0, 0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")  # row 1
    ws.merge_range(1, 0, 1, 6, "DANH SÁCH NGƯỜI CAO TUỔI")  # row 2; row 3 empty
    for col in (0, 1, 4, 5, 6):  # row 4-5: header, vertically merged where no sub-header
        title = {0: "STT", 1: "Họ và tên", 4: "Số CCCD", 5: "Thôn", 6: "Ghi chú khác"}[col]
        ws.merge_range(3, col, 4, col, title)
    ws.merge_range(3, 2, 3, 3, "Ngày, tháng, năm sinh")
    ws.write(4, 2, "Nam")
    ws.write(4, 3, "Nữ")
    for col in range(7):  # row 6: numbering
        ws.write(5, col, f"({col + 1})")
    ws.write_number(6, 0, 1)  # row 7
    ws.write(6, 1, "NguyÔn V¨n Hïng")  # TCVN3 bytes read as cp1252
    ws.write(6, 2, "1950")
    ws.write_number(6, 4, 51050001234)  # 12-digit ID lost its leading zero
    ws.write(6, 5, "  Trung Sơn ")
    ws.write_number(7, 0, 2)  # row 8
    ws.write(7, 1, "Trần Thị Lan")
    ws.write_datetime(7, 3, dt.datetime(1948, 3, 12), date_fmt)
    ws.write(7, 4, "051148000123")  # a text cell: keeps its zero
    # rows 9 and 10 blank (row 10 only formatted)
    ws.write_blank(9, 1, None, date_fmt)
    ws.write_number(10, 0, 3)  # row 11: junk row, stays data
    ws.write(10, 6, "???")
    ws.write(11, 1, "Tổng cộng")  # row 12: total
    ws.write_number(11, 4, 2)
    ws2 = wb.add_worksheet("Phụ lục")
    ws2.write(4, 0, "Họ tên")  # row 5 (rows 1-4 empty)
    ws2.write(4, 1, "Năm sinh")
    ws2.write(5, 0, "Phạm Văn Đồng")
    ws2.write_number(5, 1, 1906)
    wb.add_worksheet("Trống")  # empty sheet: skipped
    wb.close()


def test_xlsx_rows_layout_cells_and_reports(tmp_path: Path) -> None:
    _xlsx_fixture(tmp_path / "ds.xlsx")
    df, reports = read_source(tmp_path, CONTRACT)
    got = df.select(
        "sheet",
        "source_row",
        "row_kind",
        "encoding",
        "ho_ten",
        "ngay_sinh",
        "gioi_tinh",
        "so_dinh_danh",
        "thon",
        "ghi_chu",
        "numeric_cells",
    ).rows()
    assert got == [
        (
            "DS",
            7,
            "data",
            "xlsx+tcvn3",
            "Nguyễn Văn Hùng",
            "1950",
            "Nam",
            "51050001234",
            "Trung Sơn",
            None,
            ["so_dinh_danh"],
        ),
        (
            "DS",
            8,
            "data",
            "xlsx+tcvn3",
            "Trần Thị Lan",
            "1948-03-12",
            "Nữ",
            "051148000123",
            None,
            None,
            [],
        ),
        ("DS", 11, "data", "xlsx+tcvn3", None, None, None, None, None, "???", []),  # Ghi chú khác
        (
            "DS",
            12,
            "total",
            "xlsx+tcvn3",
            "Tổng cộng",
            None,
            None,
            "2",
            None,
            None,
            ["so_dinh_danh"],
        ),
        (
            "Phụ lục",
            6,
            "data",
            "xlsx",
            "Phạm Văn Đồng",
            "1906",
            None,
            None,
            None,
            None,
            ["ngay_sinh"],
        ),
    ]
    assert df["source_file"].unique().to_list() == ["ds.xlsx"]
    # Cross-check the row numbers with the file itself: the numeric ID cell sits in row 7 and
    # the total's 2 in row 12 of sheet 1, the year 1906 in row 6 of sheet 2.
    with zipfile.ZipFile(tmp_path / "ds.xlsx") as z:
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
        sheet2 = z.read("xl/worksheets/sheet2.xml").decode()
    assert re.search(r'<c r="E7"[^>]*><v>51050001234</v>', sheet1)
    assert re.search(r'<c r="E12"[^>]*><v>2</v>', sheet1)
    assert re.search(r'<c r="B6"[^>]*><v>1906</v>', sheet2)
    size = (tmp_path / "ds.xlsx").stat().st_size
    common = {
        "file": "ds.xlsx",
        "size_bytes": size,
        "sha256": hashlib.sha256((tmp_path / "ds.xlsx").read_bytes()).hexdigest(),
    }
    ledgers = [(r.pop("ledger"), r.pop("column_letters")) for r in reports]
    # every physical row of each sheet (rows 1-12 and 1-6, counted from the sheet XML) has a kind
    assert [(g["physical_rows"], g["accounted"], g["unaccounted"], g["counted_by"])
            for g, _ in ledgers] == [(12, 12, 0, "xlsx-sheet-xml"), (6, 6, 0, "xlsx-sheet-xml")]
    assert ledgers[0][0]["data"] == 3 and ledgers[0][0]["total"] == 1
    assert ledgers[1][0]["blank"] == 4 and ledgers[1][0]["header"] == 1
    assert [m["how"] for m in reports[0].pop("columns")] == [
        "alias", "alias", "alias", "alias", "alias", "alias", "words"]  # "Ghi chú khác": words
    assert [m["field"] for m in reports[1].pop("columns")] == ["ho_ten", "ngay_sinh"]
    for report in reports:
        assert report.pop("identity_gaps") == [] and report.pop("identity_complete") is True
    assert reports == [
        {
            **common,
            "sheet": "DS",
            "encoding": "xlsx+tcvn3",
            "header_row": 4,
            "data_rows": 3,
            "total_rows": 1,
            "blank_rows": 2,
            "repeated_headers": 0,
            "footer_rows": 0,
            "repaired_cells": 1,
            "unknown_headers": [],
        },
        {
            **common,
            "sheet": "Phụ lục",
            "encoding": "xlsx",
            "header_row": 5,
            "data_rows": 1,
            "total_rows": 0,
            "blank_rows": 0,
            "repeated_headers": 0,
            "footer_rows": 0,
            "repaired_cells": 0,
            "unknown_headers": [],
        },
    ]


def test_files_sorted_hidden_and_lock_files_ignored(tmp_path: Path) -> None:
    body = "Họ và tên,Năm sinh\nA B,1950\n".encode()
    _write(tmp_path, "b.csv", body)
    _write(tmp_path, "sub/a.CSV", body)
    _write(tmp_path, "a.txt", body)
    _write(tmp_path, ".hidden.csv", b"garbage")
    _write(tmp_path, "~$ds.xlsx", b"lock")
    _write(tmp_path, "notes.pdf", b"%PDF")
    df, reports = read_source(tmp_path, CONTRACT)
    assert df["source_file"].to_list() == ["a.txt", "b.csv", "sub/a.CSV"]
    # files of other kinds are not read but are named in the reports (nothing vanishes unseen)
    assert [r["file"] for r in reports] == ["a.txt", "b.csv", "sub/a.CSV", "notes.pdf"]
    assert reports[-1]["skipped"].startswith("not an extract file type")
    assert df["source_row"].to_list() == [2, 2, 2]


def test_values_stay_text(tmp_path: Path) -> None:
    text = "Họ tên,CCCD,Mã số BHXH,Ngày sinh\nA B,001234567890,0123456789,01/02/1950\n"
    _write(tmp_path, "t.csv", text.encode())
    df, _ = read_source(tmp_path, CONTRACT)
    assert df.row(0, named=True)["so_dinh_danh"] == "001234567890"
    assert df.row(0, named=True)["ma_bhxh"] == "0123456789"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.csv", b"", "empty file"),
        ("blank.txt", b"\r\n \r\n", "empty file"),
        ("empty.xlsx", b"", "empty file"),
        ("noname.csv", "Ngày sinh,Giới tính\n1950,Nam\n".encode(), "no header row"),
        ("fake.xlsx", b"Ho ten,Nam sinh\nA,1950\n", "not a readable XLSX workbook"),
    ],
)
def test_unreadable_files_raise(tmp_path: Path, name: str, data: bytes, needle: str) -> None:
    _write(tmp_path, "ok.csv", "Họ và tên,Năm sinh\nA B,1950\n".encode())
    _write(tmp_path, name, data)
    with pytest.raises(IngestError) as info:
        read_source(tmp_path, CONTRACT)
    assert info.value.file == name
    assert str(info.value).startswith(f"{name}: ")
    assert needle in str(info.value)


def test_truncated_xlsx_raises(tmp_path: Path) -> None:
    _xlsx_fixture(tmp_path / "full.xlsx")
    data = (tmp_path / "full.xlsx").read_bytes()
    (tmp_path / "full.xlsx").unlink()
    _write(tmp_path, "sub/cut.xlsx", data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"^sub/cut\.xlsx: not a readable XLSX workbook"):
        read_source(tmp_path, CONTRACT)


def test_workbook_without_name_column_raises(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(tmp_path / "x.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Năm sinh", "Giới tính"])
    ws.write_row(1, 0, ["1950", "Nam"])
    wb.close()
    with pytest.raises(IngestError, match="no header row"):
        read_source(tmp_path, CONTRACT)


def test_empty_or_missing_folder_raises(tmp_path: Path) -> None:
    (tmp_path / "bhxh").mkdir()
    _write(tmp_path, "bhxh/.DS_Store", b"x")
    _write(tmp_path, "bhxh/readme.docx", b"x")
    with pytest.raises(IngestError, match="no extract files"):
        read_source(tmp_path / "bhxh", CONTRACT)
    with pytest.raises(IngestError, match="missing"):
        read_source(tmp_path / "thue", CONTRACT)


def test_large_csv_reads_every_row(tmp_path: Path) -> None:
    n = 150_000
    head = "STT,Họ và tên,Ngày sinh,Giới tính,Mã số BHXH,Số thẻ BHYT,Số CCCD,Địa chỉ\n"
    row = "{i},Nguyễn Văn Hùng {i},01/01/1960,Nam,{i:010d},GD4515{i:09d},0510600{i:05d},Phổ An\n"
    text = head + "".join(row.format(i=i) for i in range(n))
    _write(tmp_path, "bhxh.csv", text.encode("utf-8"))
    df, reports = read_source(tmp_path, load_sources()["bhxh"])
    assert df.height == n and reports[0]["data_rows"] == n
    assert df["source_row"][-1] == n + 1
    assert df["ma_bhxh"][0] == "0000000000"


def test_sheet_without_header_is_reported_not_read(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(tmp_path / "x.xlsx")
    notes = wb.add_worksheet("Ghi chú")
    notes.write(0, 0, "Số liệu tổng hợp đến 31/12/2023")
    ws = wb.add_worksheet("DS")
    ws.write_row(2, 0, ["Họ và tên", "Ngày sinh"])
    ws.write_row(3, 0, ["A B", "1950"])
    wb.close()
    # by default a sheet whose header is not recognised fails the source, saying how far it looked
    with pytest.raises(IngestError, match=r"sheet 'Ghi chú': no header row .* first 1 rows"):
        read_source(tmp_path, CONTRACT)
    # the contract may skip such sheets: reported, its rows counted as skipped in the ledger
    skipping = dataclasses.replace(CONTRACT, skip_unrecognised_sheets=True)
    df, reports = read_source(tmp_path, skipping)
    assert df.select("sheet", "source_row", "ho_ten").rows() == [("DS", 4, "A B")]
    assert [(r["sheet"], r["header_row"], r.get("skipped") is not None) for r in reports] == [
        ("Ghi chú", None, True),
        ("DS", 3, False),
    ]
    assert reports[0]["ledger"]["skipped_sheet"] == 1


def test_vni_sheet_short_cells_decoded_with_the_sheet(tmp_path: Path) -> None:
    """A header like "Số CMND/CCCD" does not look Vietnamese alone once VNI-garbled
    ("Soá CMND/CCCD"); the sheet's established encoding decides it."""
    def garble(text: str) -> str:
        return encode_vni(text).decode("cp1252", errors="replace")

    wb = xlsxwriter.Workbook(tmp_path / "vni.xlsx")
    ws = wb.add_worksheet("DS")
    header = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND/CCCD", "Địa chỉ"]
    ws.write_row(0, 0, [garble(h) for h in header])
    people = [("Nguyễn Văn Nam", "Nam"), ("Trần Thị Hồng", "Nữ"), ("Lê Văn Dũng", "Nam")]
    for i, (name, gender) in enumerate(people, start=1):
        ws.write_row(i, 0, [str(i), garble(name), "01/01/1980", garble(gender),
                            f"05108000000{i}", garble("xã Phổ An, thị xã Đức Phổ")])
    wb.close()
    df, reports = read_source(tmp_path, CONTRACT)
    assert reports[0]["unknown_headers"] == []
    assert df["so_dinh_danh"].to_list() == ["051080000001", "051080000002", "051080000003"]
    assert df["ho_ten"].to_list() == [p[0] for p in people]
    assert df["gioi_tinh"].to_list() == ["Nam", "Nữ", "Nam"]
    assert df["encoding"][0] == "xlsx+vni"


def test_tcvn3_sheet_keeps_numbers_behind_typographic_punctuation(tmp_path: Path) -> None:
    """In a TCVN3 sheet, an ID typed after a typographic apostrophe (cp1252 0x92, which is a
    letter in TCVN3) stays a number: the sheet's decoding is not forced on cells with no letter."""
    def garble(text: str) -> str:
        return encode_tcvn3(text).decode("cp1252", errors="replace")

    wb = xlsxwriter.Workbook(tmp_path / "tcvn3.xlsx")
    ws = wb.add_worksheet("DS")
    ws.write_row(0, 0, [garble(h) for h in ["STT", "Họ và tên", "Ngày sinh", "Số CCCD"]])
    names = ["Nguyễn Văn Nam", "Trần Thị Hồng", "Lê Văn Dũng", "Phạm Thị Lụa"]
    for i, name in enumerate(names, start=1):
        ws.write_row(i, 0, [str(i), garble(name), "\u201901/01/1980", f"\u201905108000000{i}"])
    wb.close()
    df, _ = read_source(tmp_path, CONTRACT)
    assert df["ho_ten"].to_list() == names
    assert [v.lstrip("\u2019") for v in df["so_dinh_danh"].to_list()] == [
        f"05108000000{i}" for i in range(1, 5)]
    assert df["encoding"][0] == "xlsx+tcvn3"


def test_footer_lines_and_repeated_headers_are_not_data(tmp_path: Path) -> None:
    text = (
        "STT,Họ và tên,Ngày sinh,Số CCCD\n"
        "1,Nguyễn Văn Hùng,12/03/1950,051050001234\n"
        "STT,Họ và tên,Ngày sinh,Số CCCD\n"  # line 3: the header again (a pasted block)
        "2,Trần Thị Lan,1948,\n"
        ",\"Đức Phổ, ngày 30 tháng 6 năm 2023\",,\n"  # line 5
        ",Người lập biểu,,Thủ trưởng đơn vị\n"  # line 6
        ",\"(Ký, ghi rõ họ tên)\",,\n"  # line 7
        ",Lê Văn Lập,,\n"  # line 8: the signer's name looks like data: kept (and rejected later)
    )
    _write(tmp_path, "a.csv", text.encode("utf-8"))
    df, reports = read_source(tmp_path, CONTRACT)
    assert df["source_row"].to_list() == [2, 4, 8]
    assert reports[0]["repeated_headers"] == 1
    assert reports[0]["footer_rows"] == 3


def test_unicode_sheet_keeps_a_typo_name_that_looks_like_legacy_bytes(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(tmp_path / "u.xlsx")
    ws = wb.add_worksheet("DS")
    ws.write_row(0, 0, ["STT", "Họ và tên", "Ngày sinh", "Địa chỉ"])
    names = ["Nguyễn Văn Hùng", "Trần Thị Lụa", "Lê Phú Nhàq", "Phạm Thị Hồng", "Đỗ Văn Đức"]
    for i, name in enumerate(names, start=1):
        ws.write_row(i, 0, [str(i), name, "1980", "Phường Đức Phổ"])
    wb.close()
    df, _ = read_source(tmp_path, CONTRACT)
    assert df["ho_ten"].to_list() == names
