"""Agencies' answers read back (`ducpho-etl returns import`) and honoured by the next run, on a
real Prefect run of a tiny input: the returned list is the one the run wrote, filled in and
saved again as an agency would."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.decisions import open_store
from ducpho_etl.publish import read_manifest
from tests.decisions.workbooks import answered, data_rows

HUNG_2 = "051085000002"
REGISTRY = """so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,ma_xa,dia_chi,trang_thai
051085000001,,Nguyễn Văn Hùng,1985,Nam,21439,,Còn sống
051085000002,,Nguyễn Văn Hùng,1985,Nam,21439,,Còn sống
051090000007,,Phạm Văn Tâm,11/12/1990,Nam,21439,,Còn sống
051040000005,,Lê Văn Tám,07/08/1940,Nam,21472,,Đã chết
051070000009,,Võ Thị Hoa,15/05/1970,Nữ,21457,,Còn sống
"""
HEADER = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Xã/Phường"
ROWS = [
    "Nguyễn Văn Hùng,1985,Nam,,Phổ Ninh",                   # review: two namesakes
    "Đặng Văn Xa,02/03/1960,Nam,,Phổ Ninh",                 # not in the registry
    "Phạm Văn Tâm,11/12/1990,Nam,051090000007,Phổ Ninh",    # matched
    "Lê Văn Tám,07/08/1940,Nam,051040000005,Phổ Cường",     # dead
    "Võ Thị Hoa,15/05/1970,Nữ,,Phổ Phong",                  # matched
]


def _write_input(folder: Path, rows=ROWS, name="danh_sach.csv", registry=REGISTRY) -> Path:
    shutil.rmtree(folder / "bhxh", ignore_errors=True)
    (folder / "registry").mkdir(parents=True, exist_ok=True)
    (folder / "bhxh").mkdir(parents=True)
    (folder / "registry" / "registry.csv").write_text(registry, encoding="utf-8")
    (folder / "bhxh" / name).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return folder


def _run(input_dir: Path, output: Path) -> pl.DataFrame:
    from ducpho_etl.config import load_config
    from flows.nightly import run_nightly

    run_nightly(load_config(input_dir, output, sources=["bhxh"]))
    return pl.read_parquet(output / "latest" / "reconciliation" / "bhxh.parquet")


def _by_name(recon: pl.DataFrame) -> dict[str, dict]:
    return {r["raw_ho_ten"]: r for r in recon.rows(named=True)}


def _row_of(path: Path, sheet: str, name: str) -> int:
    return next(n for n, cells in data_rows(path, sheet) if cells["Họ và tên"] == name)


def _import(*files: Path, output: Path):
    return CliRunner().invoke(app, ["returns", "import", *map(str, files), "--output", str(output)],
                              env={"COLUMNS": "200"})


@pytest.fixture
def published(tmp_path, prefect_harness, monkeypatch):
    monkeypatch.delenv("DUCPHO_DB_URL", raising=False)
    input_dir, output = _write_input(tmp_path / "input"), tmp_path / "output"
    recon = _run(input_dir, output)
    statuses = {k: r["status"] for k, r in _by_name(recon).items()}
    assert statuses == {"Nguyễn Văn Hùng": "review", "Đặng Văn Xa": "not_found",
                        "Phạm Văn Tâm": "matched", "Lê Văn Tám": "deceased",
                        "Võ Thị Hoa": "matched"}
    return input_dir, output


def _answers(returned: Path, target: Path) -> Path:
    return answered(returned, target, {
        ("Cần xác minh", _row_of(returned, "Cần xác minh", "Nguyễn Văn Hùng")):
            "0510 8500 0002 - đã xác minh tại xã",
        ("Không có trong CSDL", _row_of(returned, "Không có trong CSDL", "Đặng Văn Xa")): "Đúng",
        ("Đã chết", _row_of(returned, "Đã chết", "Lê Văn Tám")): "không phải, người khác",
    })


def test_answers_are_imported_and_the_next_run_applies_them(published, tmp_path):
    input_dir, output = published
    filled = _answers(output / "latest" / "returns" / "bhxh.xlsx", tmp_path / "bhxh.xlsx")
    result = _import(filled, output=output)
    assert result.exit_code == 0, result.output
    assert "3 quyết định đã lưu" in result.output
    store = open_store(output)
    decisions = {d.verdict: d for d in store.current("bhxh")}
    assert set(decisions) == {"match", "new_resident", "not_in_registry"}
    assert decisions["match"].person_id == HUNG_2
    assert decisions["match"].note == "đã xác minh tại xã"
    assert {d.author_kind for d in decisions.values()} == {"agency"}
    assert _import(filled, output=output).exit_code == 0  # importing it again changes nothing
    assert len(store.history()) == 3
    store.close()

    rows = _by_name(_run(input_dir, output))
    assert (rows["Nguyễn Văn Hùng"]["status"], rows["Nguyễn Văn Hùng"]["person_id"],
            rows["Nguyễn Văn Hùng"]["link_stage"]) == ("matched", HUNG_2, "officer")
    assert decisions["match"].decision_id in rows["Nguyễn Văn Hùng"]["evidence"]
    assert (rows["Đặng Văn Xa"]["status"], rows["Đặng Văn Xa"]["link_stage"]) == ("not_found", "officer")
    assert (rows["Lê Văn Tám"]["status"], rows["Lê Văn Tám"]["person_id"]) == ("not_found", None)
    summary = pl.read_csv(output / "latest" / "summary.csv").filter(pl.col("source") == "bhxh")
    assert summary.select("cleaned", "deceased", "review", "not_found").row(0) == (3, 0, 0, 2)
    assert list(summary.columns) == ["source", "label", "raw_rows", "cleaned", "duplicate",
                                     "deceased", "review", "not_found", "rejected"]
    officer = read_manifest(output / "latest")["sources"]["bhxh"]["officer"]
    assert officer == {"decided": 3, "by_status": {"matched": 1, "not_found": 2},
                       "by_author": {"officer": 0, "agency": 3}, "stale": 0}
    report = (output / "latest" / "report.html").read_text(encoding="utf-8")
    assert "Quyết định của cán bộ và cơ quan" in report
    shown = CliRunner().invoke(app, ["summary", "--output", str(output)], env={"COLUMNS": "200"})
    assert "Quyết định của cán bộ, cơ quan (officer decisions): 3 dòng" in shown.output
    explained = CliRunner().invoke(app, ["explain", "-o", str(output), "-s", "bhxh", "-r", "2"],
                                   env={"COLUMNS": "200"})
    assert f"Quyết định (decision) {decisions['match'].decision_id}: match, agency" in explained.output

    # the agency re-sends its file, rows in another order and under another name
    _write_input(input_dir, rows=list(reversed(ROWS)), name="danh_sach_gui_lai.csv")
    rows = _by_name(_run(input_dir, output))
    assert {k: (r["status"], r["link_stage"]) for k, r in rows.items()
            if r["link_stage"] == "officer"} == {"Nguyễn Văn Hùng": ("matched", "officer"),
                                                 "Đặng Văn Xa": ("not_found", "officer"),
                                                 "Lê Văn Tám": ("not_found", "officer")}
    assert rows["Nguyễn Văn Hùng"]["source_file"] == "danh_sach_gui_lai.csv"

    # the registry changes: the chosen namesake has died since; the decision is flagged
    _write_input(input_dir, registry=REGISTRY.replace(f"{HUNG_2},,Nguyễn Văn Hùng,1985,Nam,21439,,Còn sống",
                                                      f"{HUNG_2},,Nguyễn Văn Hùng,1985,Nam,21439,,Đã chết"))
    rows = _by_name(_run(input_dir, output))
    hung = rows["Nguyễn Văn Hùng"]
    assert hung["link_stage"] != "officer" and "officer_decision_stale" in hung["reason_codes"]
    assert "cần xem lại" in hung["reason"]
    assert read_manifest(output / "latest")["sources"]["bhxh"]["officer"]["stale"] == 1


def test_a_malformed_answer_is_reported_with_sheet_and_row_and_nothing_is_stored(published, tmp_path):
    _input_dir, output = published
    returned = output / "latest" / "returns" / "bhxh.xlsx"
    review_row = _row_of(returned, "Cần xác minh", "Nguyễn Văn Hùng")
    dead_row = _row_of(returned, "Đã chết", "Lê Văn Tám")
    filled = answered(returned, tmp_path / "bhxh.xlsx", {
        ("Cần xác minh", review_row): "0510850000",    # 10 digits
        ("Không có trong CSDL", _row_of(returned, "Không có trong CSDL", "Đặng Văn Xa")): "đúng",
        ("Đã chết", dead_row): "051185000002",         # a woman's ID for a man born 1940
    })
    result = _import(filled, output=output)
    assert result.exit_code == 1
    assert "không lưu gì (nothing stored)" in result.output
    lines = result.output.splitlines()
    assert any("Cần xác minh" in line and f" {review_row} " in line and "danh_sach.csv:2" in line
               and "12 chữ số" in line for line in lines), result.output
    assert any("Đã chết" in line and f" {dead_row} " in line and "không khớp" in line
               for line in lines), result.output
    assert "051185000002" not in result.output and "051******002" in result.output  # masked
    store = open_store(output)
    assert store.current() == []  # the good answer of that file is not stored either
    store.close()


def test_an_answer_on_a_row_edited_in_the_list_is_refused(published, tmp_path):
    _input_dir, output = published
    returned = output / "latest" / "returns" / "bhxh.xlsx"
    row = _row_of(returned, "Không có trong CSDL", "Đặng Văn Xa")
    edited = answered(returned, tmp_path / "edited.xlsx", {("Không có trong CSDL", row): "đúng"})
    # the agency corrected the name inside the return list instead of its own file
    import xlsxwriter

    from tests.decisions.workbooks import sheets
    book = xlsxwriter.Workbook(tmp_path / "bhxh.xlsx")
    for name, grid in sheets(edited).items():
        ws = book.add_worksheet(name)
        for r, cells in enumerate(grid):
            for c, value in enumerate(cells):
                if value is not None:
                    ws.write_string(r, c, "Đặng Văn Xá" if value == "Đặng Văn Xa" else value)
    book.close()
    result = _import(tmp_path / "bhxh.xlsx", output=output)
    assert result.exit_code == 1 and "đã bị sửa" in result.output and "Họ và tên" in result.output
