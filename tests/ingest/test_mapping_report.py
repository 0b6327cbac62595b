"""A file's column mapping reaches the officer: `check` prints it; a source whose identity-like
column could not be mapped is flagged in the manifest, the CLI summary and the report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.cli.terminal import state_text
from ducpho_etl.publish import identity_mapping
from ducpho_etl.report.model import notices

GAP_CSV = ("Họ và tên người được hưởng,Số ĐDCN/CCCD,Số CMND,Số cũ,Ngày tháng năm sinh\n"
           "Nguyễn Văn An,051050000001,211000001,051050000009,12/03/1950\n"
           "Trần Thị Bình,051148000002,211000002,051148000008,1948\n"
           "Lê Văn Cường,051041000003,211000003,051041000007,05/06/1941\n")


def test_check_prints_each_column_mapping_and_the_gap(tmp_path: Path) -> None:
    path = tmp_path / "nct.csv"
    path.write_text(GAP_CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--source", "nguoi_cao_tuoi"],
                                env={"COLUMNS": "200"})
    out = result.output
    assert "Column mapping" in out
    for header, field, how in (("Họ và tên người được hưởng", "ho_ten", "words"),
                               ("Số ĐDCN/CCCD", "so_dinh_danh", "words"),
                               ("Ngày tháng năm sinh", "ngay_sinh", "alias")):
        line = next(ln for ln in out.splitlines() if header in ln)
        assert field in line and how in line
    assert "identity column(s) not mapped: 'Số cũ'" in out
    assert "051050000009" not in out  # no personal data


def test_manifest_cli_and_report_flag_an_identity_gap() -> None:
    files = [{"file": "a.csv", "sheet": None, "identity_gaps": []},
             {"file": "b.csv", "sheet": None, "identity_gaps": ["Số cũ"]}]
    entry = {"state": "fresh", **identity_mapping(files)}
    assert entry["identity_complete"] is False
    assert entry["identity_gaps"] == [{"file": "b.csv", "sheet": None, "headers": ["Số cũ"]}]
    assert "THIẾU CỘT" in state_text(entry)
    assert state_text({"state": "fresh", **identity_mapping(files[:1])}) == ""
    summary = pl.DataFrame({"source": ["nguoi_cao_tuoi"], "label": ["Người cao tuổi"]})
    found = notices(summary, {"sources": {"nguoi_cao_tuoi": entry}})
    assert [(n.kind, n.source) for n in found] == [("incomplete", "nguoi_cao_tuoi")]
    assert "b.csv: Số cũ" in found[0].message and "chưa đầy đủ" in found[0].message
