"""Fault catalogue, XLSX/XLS: hostile workbooks fail their source with a message naming the file
and sheet, or are read with every row the sheet XML holds accounted for."""

from __future__ import annotations

import zipfile

import pytest

from ducpho_etl.ingest.xlsx_parts import OLE_MAGIC

NAMES = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Tám"]


def names(frame) -> list[str]:
    return frame.filter(frame["row_kind"] == "data")["ho_ten"].to_list()


# ------------------------------------------------------------------ unreadable containers

def test_empty_xlsx(source):
    source.path("a.xlsx").write_bytes(b"")
    source.fails(r"^a\.xlsx: empty file")


def test_text_renamed_xlsx(source):
    source.text("a.xlsx", "Họ và tên,Ngày sinh\nA B,1950\n")
    source.fails(r"a\.xlsx: not a readable XLSX workbook \(not a zip archive")


def test_truncated_xlsx(source, people):
    path = source.xlsx("a.xlsx", {"DS": people})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    source.fails(r"a\.xlsx: not a readable XLSX workbook")


def test_encrypted_xlsx(source):
    source.path("a.xlsx").write_bytes(OLE_MAGIC + b"\x00" * 4096)
    source.fails(r"a\.xlsx: the workbook is encrypted \(password-protected\)")


def test_garbage_xls(source):
    source.path("a.xls").write_bytes(b"not a workbook at all" * 50)
    source.fails(r"a\.xls: not a readable XLS workbook")


def test_zip_without_workbook(source):
    with zipfile.ZipFile(source.path("a.xlsx"), "w") as z:
        z.writestr("hello.txt", "x")
    source.fails(r"a\.xlsx: not a readable XLSX workbook \(KeyError")


def test_shared_strings_bomb(source, people, monkeypatch):
    """Refused from the zip directory, before anything is expanded (see the benchmark for the
    2 GB bomb's memory)."""
    path = source.xlsx("a.xlsx", {"DS": people})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/padding.xml", b"A" * (8 << 20))
    monkeypatch.setenv("DUCPHO_MAX_XLSX_UNCOMPRESSED_BYTES", str(4 << 20))
    source.fails(r"a\.xlsx: uncompressed size \(bytes\) [\d,]+ exceeds the limit 4,194,304 "
                 r"\(DUCPHO_MAX_XLSX_UNCOMPRESSED_BYTES\).*largest part xl/padding\.xml")


def test_sixteen_thousand_columns(source):
    """20,000 columns cannot exist in XLSX (Excel stops at 16,384): the widest sheet is refused
    from its used range, before it is loaded (the CSV case has 20,000)."""
    row = ["Họ và tên", "Ngày sinh"] + [None] * 15_997 + ["x"]
    source.xlsx("a.xlsx", {"DS": [row, ["A B", "1950"]]})
    source.fails(r"a\.xlsx: sheet 'DS': columns 16,000 exceeds the limit 2,000")


def test_too_many_rows(source, people, monkeypatch):
    monkeypatch.setenv("DUCPHO_MAX_ROWS", "3")
    source.xlsx("a.xlsx", {"DS": people})
    source.fails(r"a\.xlsx: sheet 'DS': rows 4 exceeds the limit 3 \(DUCPHO_MAX_ROWS\)")


def test_huge_cell(source, people, monkeypatch):
    monkeypatch.setenv("DUCPHO_MAX_CELL_CHARS", "1000")
    people[2][5] = "x" * 5000
    source.xlsx("a.xlsx", {"DS": people})
    source.fails(r"a\.xlsx, row 3, column 'F': sheet 'DS': a cell's length .* 5,000")


def test_only_empty_sheets(source):
    source.xlsx("a.xlsx", {"A": [], "B": []})
    source.fails(r"a\.xlsx: workbook has no sheet with data")


def test_second_sheet_unrecognised(source, people):
    source.xlsx("a.xlsx", {"DS": people, "Tổng hợp": [["Full name", "Total"], ["x", 3]]})
    source.fails(r"a\.xlsx: sheet 'Tổng hợp': no header row .* first 2 rows")


def test_second_sheet_unrecognised_skipped_by_contract(source, people):
    source.xlsx("a.xlsx", {"DS": people, "Tổng hợp": [["Full name", "Total"], ["x", 3], [],
                                                       ["y", 4]]})
    frame, reports = source.skipping().ok()
    assert names(frame) == NAMES
    assert reports[1]["skipped"] and reports[1]["ledger"]["skipped_sheet"] == 4


def test_header_below_row_thirty(source, people):
    rows = [[f"Tiêu đề {i}"] for i in range(59)] + people
    source.xlsx("a.xlsx", {"DS": rows})
    frame, reports = source.ok()
    assert names(frame) == NAMES and reports[0]["header_row"] == 60


# ------------------------------------------------------------------ readable oddities

def test_hidden_sheet_is_read_and_marked(source, people):
    source.xlsx("a.xlsx", {"DS": people, "Ẩn": [people[0], ["4", "Phạm Văn Đồng", "1906"]]},
                hidden=("Ẩn",))
    frame, reports = source.ok()
    assert names(frame) == [*NAMES, "Phạm Văn Đồng"]
    assert reports[1]["sheet_state"] == "hidden"


def test_formula_cells_keep_their_values(source, tmp_path):
    import xlsxwriter

    path = source.path("a.xlsx")
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("DS")
    ws.write_row(0, 0, ["Họ và tên", "Năm sinh", "Ghi chú"])
    ws.write_row(1, 0, ["Nguyễn Văn Hùng"])
    ws.write_formula(1, 1, "=1900+50", None, 1950)
    ws.write_string(1, 2, "=cmd|' /C calc'!A0")
    book.close()
    frame, _ = source.ok()
    assert frame.select("ho_ten", "ngay_sinh", "ghi_chu").row(0) == (
        "Nguyễn Văn Hùng", "1950", "=cmd|' /C calc'!A0")


def test_multi_line_cells_and_numeric_ids(source, people):
    people[1][5] = "Thôn 1\nxã Phổ An"
    people[1][4] = 51050001234
    source.xlsx("a.xlsx", {"DS": people})
    frame, _ = source.ok()
    assert frame["dia_chi"][0] == "Thôn 1\nxã Phổ An"
    assert frame["so_dinh_danh"][0] == "51050001234"
    assert frame["numeric_cells"][0].to_list() == ["so_dinh_danh"]


def test_blank_rows_titles_total_footer(source, people):
    rows = [["DANH SÁCH"], [], people[0], people[1], [], [], people[2], people[3],
            [None, "Tổng cộng"], [], ["Người lập biểu"]]
    source.xlsx("a.xlsx", {"DS": rows})
    frame, reports = source.ok()
    ledger = reports[0]["ledger"]
    assert (ledger["physical_rows"], ledger["title"], ledger["blank"], ledger["data"],
            ledger["total"], ledger["footer"]) == (11, 1, 4, 3, 1, 1)


def test_merged_header_with_nam_nu_sub_headers(source):
    rows = [["Họ và tên", None, None], [None, "Nam", "Nữ"], ["Nguyễn Văn Hùng", "1950", None],
            ["Trần Thị Lan", None, "1948"]]
    source.xlsx("a.xlsx", {"DS": rows}, merges={"DS": [(0, 1, 0, 2, "Ngày sinh"),
                                                       (0, 0, 1, 0, "Họ và tên")]})
    frame, reports = source.ok()
    assert frame.select("ho_ten", "ngay_sinh", "gioi_tinh").rows() == [
        ("Nguyễn Văn Hùng", "1950", "Nam"), ("Trần Thị Lan", "1948", "Nữ")]
    assert reports[0]["ledger"]["header"] == 2


# ------------------------------------------------------------------ layouts that corrupted rows

def test_split_name_merged_two_columns(source):
    rows = [["STT", None, None, "Ngày sinh", "Giới tính"],
            ["1", "Nguyễn Văn", "Hùng", "1950", "Nữ"],
            ["2", "Trần Thị", "Lan", "1948", "Nữ"],
            ["3", "Lê Văn", "Tám", "1945", "Nam"]]
    source.xlsx("a.xlsx", {"DS": rows}, merges={"DS": [(0, 1, 0, 2, "Họ và tên")]})
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert frame["gioi_tinh"].to_list() == ["Nữ", "Nữ", "Nam"]
    assert frame["source_row"].to_list() == [2, 3, 4]
    assert reports[0]["name_columns"] == ["B", "C"]


def test_split_name_merged_three_columns(source):
    rows = [[None, None, None, "Năm sinh"], ["Nguyễn", "Văn", "Hùng", 1950],
            ["Trần", None, "Lan", 1948]]
    source.xlsx("a.xlsx", {"DS": rows}, merges={"DS": [(0, 0, 0, 2, "Họ và tên")]})
    frame, _ = source.ok()
    assert names(frame) == ["Nguyễn Văn Hùng", "Trần Lan"]


def test_split_name_unmerged_blank_neighbour(source):
    rows = [["Họ và tên", None, "Ngày sinh", "Giới tính"], ["Nguyễn Văn", "Hùng", "1950", "Nữ"],
            ["Trần Thị", "Lan", "1948", "Nữ"]]
    source.xlsx("a.xlsx", {"DS": rows})
    frame, _ = source.ok()
    assert names(frame) == NAMES[:2] and frame["gioi_tinh"].to_list() == ["Nữ", "Nữ"]


def test_blank_trailing_header_with_notes(source):
    rows = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", None],
            ["1", "Nguyễn Văn Hùng", "1950", "Nữ", "Nam chuyển đến"],
            ["2", "Trần Thị Lan", "1948", "Nữ", None]]
    source.xlsx("a.xlsx", {"DS": rows})
    frame, reports = source.ok()
    assert names(frame) == NAMES[:2] and frame["gioi_tinh"].to_list() == ["Nữ", "Nữ"]
    assert reports[0]["unnamed_columns"] == {"E": 1}


def test_header_word_as_a_value_in_the_first_data_row(source):
    rows = [["Họ và tên", "Ngày sinh", None, "Giới tính"],
            ["Nguyễn Văn Hùng", "1950", "Nam", "Nam"], ["Trần Thị Lan", "1948", None, "Nữ"]]
    source.xlsx("a.xlsx", {"DS": rows})
    frame, reports = source.ok()
    assert names(frame) == NAMES[:2] and frame["gioi_tinh"].to_list() == ["Nam", "Nữ"]
    assert reports[0]["ledger"]["header"] == 1


@pytest.mark.parametrize("sheets", [1, 3])
def test_several_sheets_each_with_a_ledger(source, people, sheets):
    source.xlsx("a.xlsx", {f"S{i}": people for i in range(sheets)})
    frame, reports = source.ok()
    assert frame.height == 3 * sheets and len(reports) == sheets


def test_rows_a_reader_stops_short_of_fail_the_file(source, people, monkeypatch):
    """The ledger counts from the sheet XML, not from the reader: a reader that returns fewer
    rows than the sheet holds (simulated) fails the file, naming sheet and rows."""
    from ducpho_etl.ingest import readers

    real = readers._sheet_table

    def short(reader, sheet, kind):
        table = real(reader, sheet, kind)
        table.grid.rows, table.grid.row_numbers = table.grid.rows[:-2], table.grid.row_numbers[:-2]
        table.grid.numeric = table.grid.numeric[:-2]
        return table

    monkeypatch.setattr(readers, "_sheet_table", short)
    source.xlsx("a.xlsx", {"DS": people})
    source.fails(r"a\.xlsx: sheet 'DS': row\(s\) 3–4 of the file are not accounted for: the file "
                 r"holds 4 rows \(xlsx-sheet-xml\), the reader accounted for 2")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_generator_split_name_and_notes_layouts_read_whole(source, fmt):
    """Our generator writes the layouts that corrupted rows (names over two columns, merged in
    XLSX; a notes column with no header holding "Nam ..."): read back whole, row for row."""
    import random

    from ducpho_etl.sample.layouts import FileSpec, write_csv, write_xlsx

    spec = FileSpec(path=f"a.{fmt}", fmt=fmt, share=1.0, split_name=True, notes_column=True,
                    columns=[("stt", "STT"), ("ho_ten", "Họ và tên"), ("ngay_sinh", "Ngày sinh"),
                             ("gioi_tinh", "Giới tính")], titles=["DANH SÁCH"], numbering=True)
    people = [{"ho_ten": n, "ngay_sinh": d, "gioi_tinh": g, "__note__": note}
              for n, d, g, note in [("Nguyễn Văn Hùng", "12/03/1950", "Nữ", "Nam chuyển đến"),
                                    ("Trần Thị Lan", "01/01/1948", "Nữ", ""),
                                    ("Lê Văn Tám", "1945", "Nam", "Nữ đã chết")]]
    rows = [people[0], None, people[1], people[2], {"__total__": True, "ho_ten": "Tổng cộng"}]
    if fmt == "csv":
        numbers = write_csv(source.path(spec.path), spec, rows, random.Random(1))
    else:
        numbers = write_xlsx(source.path(spec.path), spec, [("DS", rows)], random.Random(1))[0]
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert frame["gioi_tinh"].to_list()[:3] == ["Nữ", "Nữ", "Nam"]
    assert frame["source_row"].to_list() == [n for n in numbers if n > 0]
    assert reports[0]["name_columns"] == ["B", "C"] and reports[0]["unnamed_columns"] == {"F": 2}
