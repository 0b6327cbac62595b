"""Property: for generated CSV/XLSX files (random titles, headers with blank cells, numbering
rows, blank rows, quotes, delimiters and line breaks inside cells, encodings), every physical
row is accounted for, or the source fails with a message naming the file. No row is ever lost
without a failure, and a file without a suspicious cell is read with all its people."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.encodings import encode_tcvn3, encode_vni
from ducpho_etl.ingest.source import IngestError, read_source

CONTRACT = load_sources()["bhxh"]
NAMES = ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Tám", 'Phạm "Tí" Đồng', "Võ Thị\nHoa",
         "Huỳnh Ngọc, Anh", "Đặng Văn; Sơn", "Bùi\tThị Hạnh"]
OTHER_HEADERS = ["Ngày sinh", "Giới tính", "Số CCCD", "Địa chỉ", "Ghi chú", ""]
CELL = st.text(alphabet='abcđêơ ,;\t"\n|0123456789/NamNữ', max_size=12)
ENCODINGS = {"utf-8": lambda t: t.encode("utf-8"), "utf-8-sig": lambda t: t.encode("utf-8-sig"),
             "utf-16": lambda t: t.encode("utf-16"), "utf-16-be": lambda t: t.encode("utf-16-be"),
             "tcvn3": lambda t: encode_tcvn3(t, errors="replace"),
             "vni": lambda t: encode_vni(t, errors="replace")}


@st.composite
def tables(draw):
    headers = ["Họ và tên", *draw(st.lists(st.sampled_from(OTHER_HEADERS), min_size=1,
                                           max_size=4))]
    if not any(h in ("Ngày sinh", "Giới tính", "Số CCCD", "Địa chỉ", "Ghi chú")
               for h in headers[1:]):
        headers.append("Ngày sinh")
    if draw(st.booleans()):
        headers.insert(0, "STT")
    titles = draw(st.lists(st.sampled_from(["DANH SÁCH ĐỐI TƯỢNG", "Năm 2023", ""]), max_size=3))
    numbering = draw(st.booleans())
    rows = []
    for i in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 6)) == 0:
            rows.append([""] * len(headers))
            continue
        row = [str(i + 1) if h == "STT" else draw(st.sampled_from(NAMES)) if h == "Họ và tên"
               else draw(CELL) for h in headers]
        rows.append(row)
    return titles, headers, numbering, rows


def _grid(titles, headers, numbering, rows) -> list[list[str]]:
    grid = [[t] for t in titles] + [headers]
    if numbering:
        grid.append([f"({i + 1})" for i in range(len(headers))])
    return grid + rows


def _people(rows) -> int:
    return sum(1 for r in rows if any(c.strip() for c in r))


def _suspicious(rows, delimiter: str, width: int) -> bool:
    """A cell whose later lines hold several delimiters: read as a swallowing quote, by design."""
    threshold = max(2, (width - 1) // 2)
    return any(piece.count(delimiter) >= threshold
               for r in rows for c in r for piece in c.replace("\r", "\n").split("\n")[1:])


def _check(folder: Path, expected_people: int, must_read: bool) -> None:
    try:
        frame, reports = read_source(folder, CONTRACT)
    except IngestError as exc:
        assert exc.file.startswith("a."), exc  # a failure names the file ...
        assert not must_read, str(exc)  # ... and only a suspicious file may fail
        return
    for report in reports:
        ledger = report["ledger"]
        assert ledger["unaccounted"] == 0 and ledger["accounted"] == ledger["physical_rows"]
    assert frame.height == expected_people
    assert sum(r["ledger"]["data"] + r["ledger"]["total"] for r in reports) == expected_people


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(sorted(ENCODINGS)), newline=st.sampled_from(["\n", "\r\n"]))
def test_generated_csv_rows_all_accounted_for(table, delimiter, encoding, newline):
    titles, headers, numbering, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(
        _grid(titles, headers, numbering, rows))
    folder = Path(tempfile.mkdtemp()) / "bhxh"
    folder.mkdir()
    try:
        (folder / "a.csv").write_bytes(ENCODINGS[encoding](buffer.getvalue()))
        legacy = encoding in ("tcvn3", "vni")  # short files may be taken for the other one
        _check(folder, _people(rows),
               must_read=not legacy and not _suspicious(rows, delimiter, len(headers)))
    finally:
        shutil.rmtree(folder.parent)


@SETTINGS
@given(table=tables(), merged_title=st.booleans())
def test_generated_xlsx_rows_all_accounted_for(table, merged_title):
    titles, headers, numbering, rows = table
    folder = Path(tempfile.mkdtemp()) / "bhxh"
    folder.mkdir()
    try:
        book = xlsxwriter.Workbook(folder / "a.xlsx")
        ws = book.add_worksheet("DS")
        for r, row in enumerate(_grid(titles, headers, numbering, rows)):
            for c, value in enumerate(row):
                if value:
                    ws.write_string(r, c, value)
        if merged_title and titles and titles[0]:
            ws.merge_range(0, 0, 0, len(headers) - 1, titles[0])
        book.close()
        _check(folder, _people(rows), must_read=True)
    finally:
        shutil.rmtree(folder.parent)


@SETTINGS
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t"]), data=st.data())
def test_stray_quotes_fail_or_stay_accounted_for(table, delimiter, data):
    """A quote inserted anywhere (an officer's typo) may make a file unreadable, but never
    makes rows disappear: the file fails naming itself, or its ledger still adds up."""
    titles, headers, numbering, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(
        _grid(titles, headers, numbering, rows))
    text = buffer.getvalue()
    at = data.draw(st.integers(0, len(text)))
    folder = Path(tempfile.mkdtemp()) / "bhxh"
    folder.mkdir()
    try:
        (folder / "a.csv").write_text(text[:at] + '"' + text[at:], encoding="utf-8")
        try:
            frame, reports = read_source(folder, CONTRACT)
        except IngestError as exc:
            assert exc.file == "a.csv"
            return
        ledger = reports[0]["ledger"]
        assert ledger["unaccounted"] == 0 and ledger["accounted"] == ledger["physical_rows"]
        assert ledger["data"] + ledger["total"] == frame.height
    finally:
        shutil.rmtree(folder.parent)
