"""A new source is one contract file plus a folder of extracts: no Python. The schemas folder is
overridable through DUCPHO_SCHEMAS_DIR (read at each call); shared files fall back to the
package's. Also the `contracts` and `check` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import (
    PACKAGE_SCHEMAS_DIR,
    ContractError,
    _parse_source,
    load_sources,
    schemas_dir,
)
from ducpho_etl.registry import prepare_registry
from tests.stages import stage_result

CONTRACT = """\
key: cuu_chien_binh
label: Hội Cựu chiến binh
label_en: Veterans' Association members
min_age: 38
required: [ho_ten, ngay_sinh]
identity_any: [so_dinh_danh, so_cmnd, ngay_sinh]
unique: [so_dinh_danh]
aliases:
  ho_ten: ["Họ và tên hội viên CCB"]
  thon: ["Chi hội CCB"]
"""

EXTRACT = """\
DANH SÁCH HỘI VIÊN HỘI CỰU CHIẾN BINH THỊ XÃ ĐỨC PHỔ NĂM 2023
STT,Họ và tên hội viên CCB,Năm sinh,Giới tính,Số CCCD,Chi hội CCB,Xã/Phường
1,Nguyễn Văn Hùng,01/02/1950,Nam,051050000001,Chi hội 1,Phổ An
2,NGUYỄN VĂN HÙNG,01/02/1950,Nam,051050000001,Chi hội 1,Phổ An
3,Lê Văn Tám,07/08/1940,Nam,051040000005,Chi hội 2,Phổ Thạnh
4,,1955,Nam,,Chi hội 2,Phổ Thạnh
5,Đặng Văn Lực,03/03/1960,Nam,,Chi hội 3,Phổ Vinh
6,Phạm Văn Trẻ,05/05/2000,Nam,051200000009,Chi hội 3,Phổ Vinh
Tổng cộng,,,,,,
"""

PEOPLE = [
    {"so_dinh_danh": "051050000001", "ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "01/02/1950",
     "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051040000005", "ho_ten": "Lê Văn Tám", "ngay_sinh": "07/08/1940",
     "gioi_tinh": "Nam", "ma_xa": "21472", "trang_thai": "Đã chết"},
    {"so_dinh_danh": "051200000009", "ho_ten": "Phạm Văn Trẻ", "ngay_sinh": "05/05/2000",
     "gioi_tinh": "Nam"},
]


@pytest.fixture
def new_source(tmp_path, monkeypatch) -> Path:
    """Only a contract YAML (fields.yaml and registry.yaml fall back to the package's) and an
    extract CSV: returns the INPUT folder."""
    (tmp_path / "schemas" / "sources").mkdir(parents=True)
    (tmp_path / "schemas" / "sources" / "cuu_chien_binh.yaml").write_text(CONTRACT, encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "schemas"))
    (tmp_path / "input" / "cuu_chien_binh").mkdir(parents=True)
    (tmp_path / "input" / "cuu_chien_binh" / "ccb_2023.csv").write_text(EXTRACT, encoding="utf-8")
    return tmp_path / "input"


def test_new_source_gets_correct_statuses(new_source, make_registry):
    contract = load_sources()["cuu_chien_binh"]
    assert (contract.label_en, contract.min_age, contract.unique) == (
        "Veterans' Association members", 38, ("so_dinh_danh",))
    registry = make_registry(PEOPLE)
    result = stage_result(new_source, contract,
                          prepare_registry(registry, REGISTRY_REFERENCE_YEAR), registry, 2023)
    recon = result.reconciliation
    assert result.raw_rows == recon.height == 7
    assert recon["source"].unique().to_list() == ["cuu_chien_binh"]
    assert recon["source_row"].to_list() == [3, 4, 5, 6, 7, 8, 9]
    assert recon["status"].to_list() == ["matched", "duplicate", "deceased", "rejected",
                                         "not_found", "review", "rejected"]
    codes = recon["reason_codes"].to_list()
    assert "duplicate_id12" in codes[1]  # the contract's promise: a unique ID per row
    assert "name_missing" in codes[3] and "total_row" in codes[6]
    assert "age_implausible_for_source" in codes[5] and "age_out_of_range" in codes[5]
    assert result.cleaned["person_id"].to_list() == ["051050000001"]


def test_schemas_dir_is_read_at_each_call(tmp_path, monkeypatch):
    for name in ("a", "b"):
        (tmp_path / name / "sources").mkdir(parents=True)
        (tmp_path / name / "sources" / f"src_{name}.yaml").write_text(
            f"key: src_{name}\nlabel: {name}\nrequired: [ho_ten]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "a"))
    assert list(load_sources()) == ["src_a"]
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "b"))
    assert list(load_sources()) == ["src_b"] and schemas_dir() == (tmp_path / "b").resolve()
    monkeypatch.delenv("DUCPHO_SCHEMAS_DIR")
    assert schemas_dir() == PACKAGE_SCHEMAS_DIR and len(load_sources()) == 7
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "missing"))
    with pytest.raises(ContractError, match="not a folder"):
        load_sources()


def test_own_fields_yaml_wins_over_the_package(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()
    (tmp_path / "fields.yaml").write_text(
        (PACKAGE_SCHEMAS_DIR / "fields.yaml").read_text(encoding="utf-8")
        + '  so_the_ccb:     {label: "Số thẻ hội viên", aliases: ["Số thẻ hội viên"]}\n',
        encoding="utf-8")
    (tmp_path / "sources" / "ccb.yaml").write_text(
        "key: ccb\nlabel: CCB\nrequired: [ho_ten, so_the_ccb]\nunique: [so_the_ccb]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path))
    assert load_sources()["ccb"].field_for("SỐ THẺ HỘI VIÊN") == "so_the_ccb"
    with pytest.raises(ContractError, match="unknown field 'so_the_ccb'"):
        _parse_source(tmp_path / "sources" / "ccb.yaml", PACKAGE_SCHEMAS_DIR / "fields.yaml")


def test_contracts_command_lists_every_contract(new_source):
    result = CliRunner().invoke(app, ["contracts"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    for text in ("cuu_chien_binh", "Hội Cựu chiến binh", "Veterans' Association members",
                 "ho_ten, ngay_sinh", "so_dinh_danh", "38–", "sources/cuu_chien_binh.yaml"):
        assert text in result.output
    result = CliRunner().invoke(app, ["contracts"], env={"COLUMNS": "200", "DUCPHO_SCHEMAS_DIR": ""})
    assert result.exit_code == 0
    assert all(k in result.output for k in ("hoi_nong_dan", "bhxh", "tre_em", "–15", "60–"))


def test_check_command_reports_problems_without_personal_data(new_source):
    path = new_source / "cuu_chien_binh" / "ccb_2023.csv"
    result = CliRunner().invoke(app, ["check", str(path), "--source", "cuu_chien_binh"],
                                env={"COLUMNS": "200"})
    out = result.output
    assert result.exit_code == 1, out
    assert "encoding utf-8, header row 2, 6 data row(s), 1 total row(s)" in out
    assert "unknown headers: none" in out and "rows read: 7" in out
    # the total line (row 9) is listed as such, apart from the people's problems
    for code, rows in (("name_missing", "6"), ("duplicate_id12", "4"),
                       ("age_implausible_for_source", "8")):
        line = next(ln for ln in out.splitlines() if f" {code} " in ln)
        assert line.rstrip(" │").endswith(rows), line
    assert not [ln for ln in out.splitlines() if " total_row " in ln]
    assert "total or signature lines: 9" in out
    assert "Thiếu họ tên" in out and "7 rows: " in out and "1 rejected, 1 total or signature" in out
    for name in ("Hùng", "HÙNG", "Tám", "Lực", "051050000001", "1950"):
        assert name not in out


def test_check_command_exit_codes(tmp_path):
    runner = CliRunner()
    clean = tmp_path / "clean.csv"
    clean.write_text("Họ và tên,Ngày sinh,Giới tính,Xã/Phường,Số điện thoại\n"
                     "Lê Văn An,01/02/1980,Nam,Phổ An,0905\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(clean), "--source", "bhxh"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "unknown headers: 'Số điện thoại'" in result.output
    assert "1 rows: 1 clean, 0 flagged, 0 rejected" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["check", str(empty), "--source", "bhxh"])
    assert result.exit_code == 1 and "cannot read the file" in result.output
    assert "technical cause: empty.csv: empty file" in result.output
    result = runner.invoke(app, ["check", str(clean), "--source", "nope"])
    assert result.exit_code == 2 and "Unknown source 'nope'" in result.output
    result = runner.invoke(app, ["check", str(tmp_path / "absent.csv"), "--source", "bhxh"])
    assert result.exit_code == 1 and "absent.csv: file not found" in result.output
