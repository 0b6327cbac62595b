"""Fault catalogue, CSV/TXT: each hostile file either fails its source with a message naming the
file (and row), or is read with every physical row accounted for and the right values."""

from __future__ import annotations

import pytest

from ducpho_etl.ingest.encodings import encode_cp1258, encode_tcvn3, encode_vni
from ducpho_etl.normalize import normalize_frame

NAMES = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Tám"]


def names(frame) -> list[str]:
    return frame.filter(frame["row_kind"] == "data")["ho_ten"].to_list()


# ------------------------------------------------------------------ unreadable files: clear errors

def test_empty_file(source):
    source.text("a.csv", "")
    source.fails(r"^a\.csv: empty file")


def test_whitespace_only_file(source):
    source.text("a.csv", " \n\r\n  \n")
    source.fails(r"a\.csv: empty file")


def test_binary_file(source):
    source.path("a.csv").write_bytes(bytes(range(256)) * 40)
    source.fails(r"a\.csv, row \d+: holds NUL bytes: a binary or damaged file.*trying UTF-8")


def test_nul_bytes_inside_text(source, people):
    source.text("a.csv", "Họ và tên,Ngày sinh\nNguyễn Văn Hùng,1950\nTrần\x00Lan,1948\n")
    source.fails(r"a\.csv, row 3: holds NUL bytes")


def test_unterminated_quote_at_end(source, people):
    lines = ["Họ và tên,Ngày sinh,Giới tính", '"Nguyễn Văn Hùng,1950,Nam']
    lines += [f"Người {i},19{50 + i},Nữ" for i in range(6)]
    source.text("a.csv", "\n".join(lines) + "\n")
    source.fails(r'a\.csv, row 2: a quote \(\"\) opened on this line is never closed.*2–8')


def test_unterminated_quote_closed_by_a_later_stray_quote(source):
    """The issue's case: an open quote swallows six lines until a stray quote closes it."""
    lines = ["STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD", '1,"Nguyễn Văn Hùng,1950,Nam,']
    lines += [f"{i},Người {i},19{50 + i},Nữ,05114800012{i}" for i in range(2, 8)]
    lines += ['8,Lê "Tám",1945",Nam,', "9,Phạm Văn Đồng,1906,Nam,"]
    source.text("a.csv", "\n".join(lines) + "\n")
    source.fails(r"a\.csv, row 2: lines 2–\d+ were read as one cell")


def test_truncated_last_line_is_kept(source, people):
    text = "\n".join(",".join(r) for r in people)
    source.text("a.csv", text[:-6])  # the last row cut mid-cell, no final newline
    frame, reports = source.ok()
    assert frame["source_row"].to_list() == [2, 3, 4]
    assert reports[0]["ledger"]["physical_rows"] == 4


def test_too_many_rows(source, people, monkeypatch):
    monkeypatch.setenv("DUCPHO_MAX_ROWS", "3")
    source.csv("a.csv", people)
    source.fails(r"a\.csv: rows 4 exceeds the limit 3 \(DUCPHO_MAX_ROWS\)")


def test_huge_cell(source, people):
    people[1][5] = "x" * 40_000
    source.csv("a.csv", people)
    source.fails(r"a\.csv, row 2: a cell's length.*DUCPHO_MAX_CELL_CHARS")


def test_twenty_thousand_columns(source):
    header = ["Họ và tên", "Ngày sinh"] + [f"c{i}" for i in range(20_000)]
    source.csv("a.csv", [header, ["A B", "1950"] + [""] * 20_000])
    source.fails(r"a\.csv, row 1: columns 20,002 exceeds the limit 2,000 \(DUCPHO_MAX_COLUMNS\)")


def test_missing_required_column(source):
    source.contract = type(source.contract)(**{**source.contract.__dict__,
                                               "required": ("ho_ten", "so_dinh_danh")})
    source.csv("a.csv", [["Họ và tên", "Ngày sinh"], ["A B", "1950"]])
    source.fails(r"a\.csv: required column\(s\) missing from the header: so_dinh_danh")


def test_english_headers(source):
    source.csv("a.csv", [["Full name", "Date of birth"], ["Nguyen Van A", "1950"]])
    source.fails(r"a\.csv: no header row .* first 2 rows \(looked at rows 1–2; text read as utf-8\)")


def test_header_below_the_first_hundred_rows(source, people):
    source.csv("a.csv", [[f"Ghi chú dòng {i}"] for i in range(120)] + people)
    source.fails(r"first 100 rows \(looked at rows 1–100")


def test_header_below_row_thirty_is_found(source, people):
    frame, reports = (source.csv("a.csv", [[f"Tiêu đề {i}"] for i in range(45)] + people)
                      and source.ok())
    assert names(frame) == NAMES
    assert reports[0]["header_row"] == 46 and reports[0]["ledger"]["title"] == 45


def test_unrecognised_file_skipped_by_contract(source, people):
    source.csv("a.csv", people)
    source.csv("b.csv", [["Full name", "Date of birth"], ["Nguyen Van A", "1950"]])
    source.fails(r"b\.csv: no header row")
    frame, reports = source.skipping().ok()
    assert names(frame) == NAMES
    skipped = [r for r in reports if r.get("skipped")]
    assert [r["file"] for r in skipped] == ["b.csv"]
    assert skipped[0]["ledger"]["skipped_sheet"] == 2


# ------------------------------------------------------------------ odd but readable: every row kept

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(source, people, delimiter):
    source.csv("a.txt" if delimiter == "\t" else "a.csv", people, delimiter=delimiter)
    frame, _ = source.ok()
    assert names(frame) == NAMES
    assert frame["ngay_sinh"].to_list() == ["12/03/1950", "01/01/1948", "1945"]


@pytest.mark.parametrize(("codec", "expected"), [
    ("utf-16", "utf-16-le"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
    ("utf-32", "utf-32-le"), ("utf-32-be", "utf-32-be"), ("utf-8-sig", "utf-8-sig"),
])
def test_unicode_encodings_by_their_marks(source, people, codec, expected):
    """Excel's "Unicode Text" is tab-separated UTF-16-LE with a BOM; without a BOM the NUL
    bytes tell the width and byte order."""
    source.csv("a.txt", people, delimiter="\t", encoding=codec)
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert reports[0]["encoding"] == expected


@pytest.mark.parametrize(("encode", "expected"), [
    (encode_cp1258, "cp1258"), (encode_tcvn3, "tcvn3"), (encode_vni, "vni"),
])
def test_legacy_encodings(source, people, encode, expected):
    text = "\n".join(",".join(r) for r in people) + "\n"
    source.path("a.csv").write_bytes(encode(text))
    frame, reports = source.ok()
    assert names(frame) == NAMES and reports[0]["encoding"] == expected


@pytest.mark.parametrize(("encode", "expected"), [(encode_tcvn3, "tcvn3"), (encode_vni, "vni")])
@pytest.mark.parametrize("header_in_unicode", [False, True])
def test_csv_utf8_of_a_sheet_typed_in_a_legacy_font(source, people, encode, expected,
                                                    header_in_unicode):
    """Excel's "CSV UTF-8" of a sheet typed in an ABC (TCVN3) or VNI font: valid UTF-8 whose
    cells are the cp1252 reading of the legacy bytes ("NguyÔn V¨n Hïng"), as XLSX cells are;
    each line is repaired, a header retyped in Unicode is left as it is."""
    def cp1252_reading(text: str) -> str:
        return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                       for b in encode(text))
    lines = [",".join(r) for r in people]
    first = lines[0] if header_in_unicode else cp1252_reading(lines[0])
    text = "\n".join([first, *(cp1252_reading(line) for line in lines[1:])]) + "\n"
    source.path("a.csv").write_bytes(text.encode("utf-8"))
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert reports[0]["encoding"] == "utf-8"
    assert reports[0]["repaired_cells"] == len(people) - header_in_unicode


def test_latin1_file(source):
    """A Latin-1 file (accents stripped from the Vietnamese, a French word): read, not failed."""
    source.path("a.csv").write_bytes("Ho va ten,Ngay sinh,Ghi chu\nNguyen Van A,1950,café\n"
                                     .encode("latin-1"))
    frame, reports = source.ok()
    assert names(frame) == ["Nguyen Van A"]
    assert reports[0]["encoding"] in ("cp1258", "tcvn3", "vni")


def test_nfd_text_becomes_nfc(source, people):
    import unicodedata

    text = unicodedata.normalize("NFD", "\n".join(",".join(r) for r in people))
    source.text("a.csv", text)
    frame, _ = source.ok()
    assert names(frame) == NAMES


def test_mixed_line_endings(source, people):
    rows = [",".join(r) for r in people]
    source.text("a.csv", rows[0] + "\r\n" + rows[1] + "\n" + rows[2] + "\r" + rows[3] + "\r\n")
    frame, reports = source.ok()
    assert frame["source_row"].to_list() == [2, 3, 4] and names(frame) == NAMES
    assert reports[0]["ledger"]["physical_rows"] == 4


def test_multi_line_cells(source, people):
    people[1][5] = "Thôn 1,\nxã Phổ An"
    people[2][1] = "Trần Thị\nLan"
    source.csv("a.csv", people)
    frame, reports = source.ok()
    # the rows a spreadsheet program shows (contracts.md), not the lines the records start on
    assert frame["source_row"].to_list() == [2, 3, 4]
    assert frame["dia_chi"][0] == "Thôn 1,\nxã Phổ An"
    assert reports[0]["ledger"]["physical_rows"] == 4  # records, not lines


def test_stray_quote_inside_a_cell(source, people):
    people[1][1] = 'Nguyễn Văn "Hùng'
    text = "\n".join(",".join(r) for r in people) + "\n"  # written unquoted, as people do
    source.text("a.csv", text)
    frame, _ = source.ok()
    assert names(frame)[0] == 'Nguyễn Văn "Hùng'


def test_escaped_quotes(source, people):
    people[1][1] = 'Nguyễn "Hùng" Văn'
    source.csv("a.csv", people)
    frame, _ = source.ok()
    assert names(frame)[0] == 'Nguyễn "Hùng" Văn'


def test_ragged_rows(source, people):
    people[1] = people[1][:3]
    people[2] = [*people[2], "thừa", "nữa"]
    source.csv("a.csv", people)
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert reports[0]["unnamed_columns"] == {"G": 1, "H": 1}


def test_duplicated_columns(source):
    source.csv("a.csv", [["Họ và tên", "Ngày sinh", "Họ và tên"], ["", "1950", "Lê Văn Tám"],
                         ["Trần Thị Lan", "1948", "X"]])
    frame, _ = source.ok()
    assert names(frame) == ["Lê Văn Tám", "Trần Thị Lan"]


@pytest.mark.parametrize("value", ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "+84 9",
                                   "-2+3", "'; DROP TABLE x;--", "<script>alert(1)</script>"])
def test_formula_and_injection_strings_stay_text(source, people, value):
    people[1][5] = value
    source.csv("a.csv", people)
    frame, _ = source.ok()
    assert frame["dia_chi"][0] == value


@pytest.mark.parametrize("value", ["5.10851E+11", "51050001234", "051-050-001234", "abc",
                                   "0510500012345678"])
def test_odd_ids_kept_as_written(source, people, value):
    people[1][4] = value
    source.csv("a.csv", people)
    frame, _ = source.ok()
    assert frame["so_dinh_danh"][0] == value


@pytest.mark.parametrize("value", ["00/00/1945", "1945", "31/02/1950", "45", "1950-13-01"])
def test_odd_dates_kept_as_written(source, people, value):
    people[1][2] = value
    source.csv("a.csv", people)
    frame, _ = source.ok()
    assert frame["ngay_sinh"][0] == value


def test_titles_numbering_totals_footer_blank_and_repeated_header(source, people):
    rows = [["DANH SÁCH ĐỐI TƯỢNG"], ["Năm 2023"], [], people[0], ["(1)", "(2)", "(3)", "(4)"],
            people[1], [""] * 6, people[0], people[2], people[3], ["", "Tổng cộng: 3 người"],
            [], ["Người lập biểu", "", "", "Thủ trưởng đơn vị"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    ledger = reports[0]["ledger"]
    assert {k: ledger[k] for k in ("title", "header", "numbering", "blank", "data", "total",
                                   "repeated_header", "footer")} == {
        "title": 2, "header": 1, "numbering": 1, "blank": 3, "data": 3, "total": 1,
        "repeated_header": 1, "footer": 1}
    assert ledger["physical_rows"] == len(rows)


def test_header_only(source):
    source.csv("a.csv", [["Họ và tên", "Ngày sinh"]])
    frame, reports = source.ok()
    assert frame.height == 0 and reports[0]["ledger"]["header"] == 1


def test_excel_sep_line(source, people):
    source.text("a.csv", "sep=;\n" + "\n".join(";".join(r) for r in people) + "\n")
    frame, reports = source.ok()
    assert names(frame) == NAMES and reports[0]["ledger"]["title"] == 1


# ------------------------------------------------------------------ layouts that corrupted rows

def test_split_name_two_columns_blank_neighbour_header(source):
    rows = [["STT", "Họ và tên", "", "Ngày sinh", "Giới tính"],
            ["1", "Nguyễn Văn", "Hùng", "1950", "Nữ"],
            ["2", "Trần Thị", "Lan", "1948", "Nữ"],
            ["3", "Lê Văn", "Tám", "1945", "Nam"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert frame["gioi_tinh"].to_list() == ["Nữ", "Nữ", "Nam"]
    assert frame["source_row"].to_list() == [2, 3, 4]
    assert reports[0]["name_columns"] == ["B", "C"]


def test_split_name_three_columns(source):
    rows = [["Họ và tên", "", "", "Năm sinh", "Giới tính"],
            ["Nguyễn", "Văn", "Hùng", "1950", "Nam"],
            ["Trần", "Thị", "Lan", "1948", "Nữ"],
            ["Lê", "Văn", "Tám", "1945", "Nam"]]
    source.csv("a.csv", rows)
    frame, _ = source.ok()
    assert names(frame) == NAMES and frame["ngay_sinh"].to_list() == ["1950", "1948", "1945"]


def test_split_name_with_sub_headers(source):
    rows = [["STT", "Họ và tên", "", "Ngày sinh", ""],
            ["", "Họ đệm", "Tên", "Nam", "Nữ"],
            ["1", "Nguyễn Văn", "Hùng", "1950", ""],
            ["2", "Trần Thị", "Lan", "", "1948"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    assert names(frame) == NAMES[:2]
    assert frame["gioi_tinh"].to_list() == ["Nam", "Nữ"]
    ledger = reports[0]["ledger"]
    # the sub-header row ("Họ đệm", "Tên", "Nam", "Nữ") is known by its own words and read as the
    # header; the parent row above it is then counted as a title row: every row accounted for
    assert (ledger["header"] + ledger["title"], ledger["data"], ledger["unaccounted"]) == (2, 2, 0)


def test_blank_trailing_header_with_notes(source):
    """Notes under a blank header cell: the first data row is data, genders are the data's."""
    rows = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", ""],
            ["1", "Nguyễn Văn Hùng", "1950", "Nữ", "Nam chuyển đến"],
            ["2", "Trần Thị Lan", "1948", "Nữ", ""],
            ["3", "Lê Văn Tám", "1945", "Nam", "Đã chết"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    assert names(frame) == NAMES
    assert frame["gioi_tinh"].to_list() == ["Nữ", "Nữ", "Nam"]
    assert reports[0]["unnamed_columns"] == {"E": 2}


def test_header_word_as_a_value_in_the_first_data_row(source):
    rows = [["Họ và tên", "Ngày sinh", "", "Giới tính"],
            ["Nguyễn Văn Hùng", "1950", "Nam", "Nam"],
            ["Trần Thị Lan", "1948", "", "Nữ"]]
    source.csv("a.csv", rows)
    frame, reports = source.ok()
    assert names(frame) == NAMES[:2]
    assert frame["gioi_tinh"].to_list() == ["Nam", "Nữ"]
    assert reports[0]["ledger"]["header"] == 1


def test_a_record_the_parser_drops_fails_the_file(source, people, monkeypatch):
    """The ledger counts lines outside quotes itself: a parser that loses a record (simulated)
    fails the file, naming the line."""
    from ducpho_etl.ingest import readers

    real = readers._records

    def lossy(*args):
        return ((n, r) for n, r in real(*args) if n != 3)

    monkeypatch.setattr(readers, "_records", lossy)
    source.csv("a.csv", people)
    source.fails(r"a\.csv: row\(s\) 3 of the file are not accounted for: the file holds 4 rows "
                 r"\(csv-lines-outside-quotes\), the reader accounted for 3")


@pytest.mark.parametrize("cell", ['="051050001234"', ' ="051050001234" ', '"=""051050001234"""'])
def test_excel_text_formula_id_is_read_and_used(source, people, cell):
    """A CSV saved for Excel writes the ID as ="051..." to keep its zero: read as written, then
    the normaliser uses the number inside."""
    lines = [",".join(row) for row in people]
    lines[1] = ",".join([*people[1][:4], cell, people[1][5]])
    source.text("a.csv", "\n".join(lines) + "\n")
    frame, _ = source.ok()
    assert frame["so_dinh_danh"][0] == '="051050001234"'
    out = normalize_frame(frame)
    assert out.select("id12", "id12_status").row(0) == ("051050001234", "ok")
