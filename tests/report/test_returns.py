"""returns/<source>.xlsx: every row needing action, traceable to the original file's row, safe cells."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest

from ducpho_etl.ingest.encodings import decode_bytes, holds_legacy_cells, repair_lines, repair_text
from ducpho_etl.report import build_report

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
ACTION = {"deceased": "Đã chết", "review": "Cần xác minh", "not_found": "Không có trong CSDL",
          "duplicate": "Trùng", "rejected": "Loại bỏ"}


def xlsx_rows(path: Path, sheet: str) -> dict[int, list[str]]:
    """Sheet row number (as Excel shows it) -> its cell texts, read from the XML itself."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        rid = next(s.get(R_ID) for s in workbook.iter(f"{M}sheet") if s.get("name") == sheet)
        target = targets[rid].lstrip("/")
        target = target if target.startswith("xl/") else "xl/" + target
        shared = []
        if "xl/sharedStrings.xml" in names:
            sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = [_unescape("".join(t.text or "" for t in si.iter(f"{M}t")))
                      for si in sst.iter(f"{M}si")]
        rows = {}
        for row in ElementTree.fromstring(z.read(target)).iter(f"{M}row"):
            values = []
            for cell in row.iter(f"{M}c"):
                kind, v = cell.get("t"), cell.find(f"{M}v")
                if kind == "s":
                    values.append(shared[int(v.text)])
                elif kind == "inlineStr":
                    values.append("".join(t.text or "" for t in cell.iter(f"{M}t")))
                else:
                    values.append(v.text if v is not None else "")
            rows[int(row.get("r"))] = values
        return rows


def _unescape(text: str) -> str:
    """OOXML keeps control characters as _xHHHH_ (ECMA-376 ST_Xstring)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _return_sheet(path: Path, sheet: str) -> pl.DataFrame:
    return pl.read_excel(path, sheet_name=sheet, read_options={"header_row": 3},
                         schema_overrides={"Tệp": pl.Utf8})


def test_a_return_list_for_every_source_with_rows_needing_action(built_report, pipeline_run):
    _, run_dir = pipeline_run
    summary = pl.read_csv(run_dir / "summary.csv").filter(pl.col("source") != "total")
    needing = summary.filter(pl.sum_horizontal(list(ACTION)) > 0)["source"].to_list()
    assert needing and sorted(built_report["returns"]) == sorted(needing)
    for record in summary.iter_rows(named=True):
        if record["source"] not in needing:
            continue
        path = run_dir / "returns" / f"{record['source']}.xlsx"
        assert path.is_file()
        sheets = pl.read_excel(path, sheet_id=0)
        assert list(sheets)[0] == "Hướng dẫn"
        recon = pl.read_parquet(run_dir / "reconciliation" / f"{record['source']}.parquet")
        people = recon.filter(pl.col("row_kind") == "data")  # total/signature lines never go back
        for status, name in ACTION.items():
            due = people.filter(pl.col("status") == status).height
            if due:
                assert _return_sheet(path, name).height == due, (record["source"], status)
            else:
                assert name not in sheets


def test_row_numbers_lead_to_the_rows_of_the_original_files(built_report, pipeline_run):
    input_dir, _ = pipeline_run
    checked = {"csv": 0, "xlsx": 0}
    for key, path in built_report["returns"].items():
        for name in pl.read_excel(path, sheet_id=0):
            if name == "Hướng dẫn":
                continue
            rows = _return_sheet(path, name).filter(pl.col("Họ và tên").is_not_null())
            columns = rows.columns
            for record in rows.head(6).iter_rows(named=True):
                original = input_dir / key / record["Tệp"]
                row_number = int(record["Dòng"])
                sent = _norm(record["Họ và tên"])
                if original.suffix.lower() in (".csv", ".txt"):
                    # the row a spreadsheet program shows: a record (a quoted cell may hold a
                    # line break), of the text as the reader decodes it
                    text, _ = decode_bytes(original.read_bytes())
                    if holds_legacy_cells(text):
                        text, _ = repair_lines(text)
                    delimiter = max(",;\t", key=text.count)
                    shown = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
                    line = " ".join(shown[row_number - 1])
                    assert sent in _norm(line), (original.name, row_number, record["Họ và tên"])
                    checked["csv"] += 1
                else:
                    assert "Trang tính" in columns
                    cells = xlsx_rows(original, record["Trang tính"])[row_number]
                    decoded = {_norm(repair_text(c)[0]) for c in cells if c} | {_norm(c) for c in cells}
                    assert sent in decoded, (original.name, record["Trang tính"], row_number, sent)
                    checked["xlsx"] += 1
    assert checked["csv"] >= 10 and checked["xlsx"] >= 10, checked


def test_duplicates_point_to_the_first_row_and_its_sheet(built_report, pipeline_run):
    input_dir, run_dir = pipeline_run
    checked = 0
    for key, path in built_report["returns"].items():
        if "Trùng" not in pl.read_excel(path, sheet_id=0):
            continue
        dups = _return_sheet(path, "Trùng")
        recon = pl.read_parquet(run_dir / "reconciliation" / f"{key}.parquet")
        for record in dups.iter_rows(named=True):
            file, row = record["Trùng với dòng (tệp:dòng)"].rsplit(":", 1)
            sheet = record.get("Trang tính của dòng đó")
            first = recon.filter((pl.col("source_file") == file) & (pl.col("source_row") == int(row)))
            if file.endswith(".xlsx"):
                assert sheet, record
                first = first.filter(pl.col("sheet") == sheet)
                assert xlsx_rows(input_dir / key / file, sheet).get(int(row))
            assert first.height == 1, record
            assert first["status"].item() != "duplicate"
            checked += 1
    assert checked > 10


def test_registry_facts_are_masked_and_limited(built_report, pipeline_run):
    _, run_dir = pipeline_run
    for key, path in built_report["returns"].items():
        sheets = pl.read_excel(path, sheet_id=0)
        for name in ("Đã chết", "Trùng"):
            if name in sheets:
                ids = _return_sheet(path, name)["Số định danh trong CSDL (che bớt)"].drop_nulls()
                assert ids.len() and ids.str.contains(r"^\d{3}\*{6}\d{3}$").all(), (key, name)
        if "Trùng" in sheets:
            dup = _return_sheet(path, "Trùng")["Trùng với dòng (tệp:dòng)"]
            assert dup.null_count() == 0 and dup.str.contains(r":\d+$").all()
        if "Cần xác minh" in sheets:
            review = _return_sheet(path, "Cần xác minh")
            assert "Số định danh trong CSDL (che bớt)" not in review.columns
            assert (review["Số người trong CSDL có thể khớp"] >= 1).all()
        # a registry ID shows unmasked only where the agency itself sent that number
        recon = pl.read_parquet(run_dir / "reconciliation" / f"{key}.parquet")
        raw = [c for c in recon.columns if c.startswith("raw_")]
        sent_text = "\n".join(recon.select(pl.concat_str(raw, separator="|", ignore_nulls=True))
                              .to_series().to_list())
        registry_only = [p for p in recon["person_id"].drop_nulls().unique() if p not in sent_text]
        text = "\n".join(v for name in sheets if name != "Hướng dẫn"
                         for row in xlsx_rows(path, name).values() for v in row)
        assert registry_only and not [p for p in registry_only if p in text]


INJECTIONS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\t=1+1", "\rX", "=HYPERLINK(\"http://x\")",
              "＝1+1", "Nguyễn Văn A"]


def _recon(values: list[str]) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame({
        "source": ["thue"] * n, "source_file": ["=evil.csv"] * n,
        "sheet": pl.Series([None] * n, dtype=pl.Utf8),
        "source_row": list(range(2, n + 2)), "status": ["rejected"] * (n - 2) + ["duplicate", "review"],
        "person_id": pl.Series([None] * (n - 2) + ["051085123456", None], dtype=pl.Utf8),
        "candidate_count": pl.Series([None] * (n - 1) + [3], dtype=pl.UInt32),
        "duplicate_of": pl.Series([None] * (n - 2) + ["-x.csv:2", None], dtype=pl.Utf8),
        "reason_codes": [["@SUM(9)", "place_old_unit"]] * n, "reason": ["@SUM(9); …"] * n,
        "raw_ho_ten": values, "raw_ngay_sinh": ["-01/01/1970"] * n, "raw_mst": ["+84123"] * n,
    })


def test_formula_injection_comes_back_as_plain_text(tmp_path, make_run, town):
    summary = town.with_columns(pl.when(pl.col("source") == "thue").then(len(INJECTIONS))
                                .otherwise(pl.col("raw_rows")).alias("raw_rows"))
    run_dir = make_run(tmp_path, "20260101T000000Z-bbbbbb", summary, recon={"thue": _recon(INJECTIONS)})
    result = build_report(run_dir)
    path = result["returns"]["thue"]
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for name in sheets:
            xml = z.read(name).decode("utf-8")
            assert not re.search(r"<f[ >]", xml), name
        styles = z.read("xl/styles.xml").decode("utf-8")
        assert 'quotePrefix="1"' in styles
    sent = [v for row in xlsx_rows(path, "Loại bỏ").values() for v in row]
    sent += [v for row in xlsx_rows(path, "Trùng").values() for v in row]
    sent += [v for row in xlsx_rows(path, "Cần xác minh").values() for v in row]
    for value in INJECTIONS:
        assert value in sent, value
    for value in ("=evil.csv", "@SUM(9)", "-01/01/1970", "+84123", "-x.csv:2", "051******456"):
        assert value in sent
    assert "051085123456" not in sent
    back = _return_sheet(path, "Loại bỏ")  # as a spreadsheet reader sees them: text, not formulas
    assert back["Họ và tên"].to_list() == INJECTIONS[:-2]
    # the same for report.xlsx (labels and errors come from files too)
    with zipfile.ZipFile(result["xlsx"]) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", z.read(name).decode("utf-8"))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "\nx", "＠x"])
def test_formula_like_text_is_quote_prefixed(tmp_path, value):
    from ducpho_etl.report.xlsx import Book, needs_quote

    assert needs_quote(value)
    book = Book(tmp_path / "x.xlsx")
    ws = book.workbook.add_worksheet("a")
    book.text(ws, 0, 0, value)
    book.text(ws, 1, 0, "an toàn")
    book.close()
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f" not in sheet and 't="s"' in sheet
        assert 'quotePrefix="1"' in z.read("xl/styles.xml").decode("utf-8")
    assert xlsx_rows(tmp_path / "x.xlsx", "a")[1] == [value]
