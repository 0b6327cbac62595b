"""Smaller things an officer meets at the terminal: a file given as --output, a misnamed source
folder, a damaged file in plain words, `check` on a file whose only oddity is a total line,
`explain` in Vietnamese with commune names."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.cli.terminal import did_you_mean, plain_error
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR

SOURCES = ["hoi_nong_dan", "bhxh", "thue", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi",
           "nguoi_co_cong"]


def test_output_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "input").mkdir()
    target = tmp_path / "ketqua.txt"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--input", str(tmp_path / "input"), "--output",
                                      str(target)], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "là một tệp, không phải thư mục" in result.output and "is a file" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_did_you_mean_for_misnamed_source_folders():
    assert did_you_mean("bhxh_2023", SOURCES) == "bhxh"
    assert did_you_mean("Tre-Em", SOURCES) == "tre_em"
    assert did_you_mean("nguoi_cao_tuoi_2023", SOURCES) == "nguoi_cao_tuoi"
    assert did_you_mean("nguoi_co_cog", SOURCES) == "nguoi_co_cong"
    assert did_you_mean("hoa_don", SOURCES) is None


def test_stray_folder_is_named_with_a_suggestion(tmp_path, capsys):
    from ducpho_etl.cli import run as run_module

    (tmp_path / "bhxh_2023").mkdir()
    (tmp_path / "registry").mkdir()
    with run_module.console.capture() as captured:
        run_module._stray_folders(tmp_path)
    text = captured.get()
    assert "bhxh_2023/" in text and "Có phải là bhxh?" in text and "did you mean bhxh" in text


def test_file_errors_in_plain_words():
    text = plain_error("IngestError: ds_2023.xlsx: CalamineError: Could not find EOCD")
    assert text.startswith("ds_2023.xlsx: tệp Excel hỏng") and "lưu lại" in text
    assert "CalamineError" not in text and "EOCD" not in text
    assert "không đọc được bảng mã" in plain_error("a.csv: cannot decode with utf-8, cp1258")
    masked = plain_error("strange error about 051085123789")
    assert "051******789" in masked and "051085123789" not in masked


def test_check_passes_a_file_whose_only_oddity_is_a_total_line(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("Họ và tên,Ngày sinh,Giới tính,Số CCCD,Xã/Phường\n"
                    "Lê Văn An,01/02/1980,Nam,051080000001,Phổ An\n"
                    "Trần Thị Bình,03/04/1975,Nữ,051175000002,Phổ Minh\n"
                    "Tổng cộng: 2 người,,,,\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--source", "bhxh"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 dòng tổng cộng/ký tên" in result.output and "0 bị loại" in result.output
    assert "total or signature lines: 4" in result.output
    assert " total_row " not in result.output


def test_explain_in_vietnamese_with_commune_names(tmp_path, make_raw, make_registry):
    from ducpho_etl.contracts import load_sources
    from ducpho_etl.reconcile import reconcile_source
    from ducpho_etl.registry import prepare_registry

    registry = prepare_registry(make_registry([{"so_dinh_danh": "051080000001", "ho_ten": "Lê Văn An",
                                                "ngay_sinh": "01/02/1980", "gioi_tinh": "Nam",
                                                "ma_xa": "21463"}]), REGISTRY_REFERENCE_YEAR)
    recon, _ = reconcile_source(make_raw([{"ho_ten": "Lê Văn An", "ngay_sinh": "01/02/1980",
                                           "gioi_tinh": "Nam", "so_dinh_danh": "051080000001",
                                           "xa": "P. Phổ Minh"}]), load_sources()["bhxh"], registry)
    folder = tmp_path / "runs" / "r1" / "reconciliation"
    folder.mkdir(parents=True)
    recon.write_parquet(folder / "bhxh.parquet")
    (tmp_path / "latest").symlink_to(tmp_path / "runs" / "r1")
    result = CliRunner().invoke(app, ["explain", "-o", str(tmp_path), "-s", "bhxh", "-r", "2"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Kết quả: Sạch (khớp) (status: matched)" in text
    assert "xã/phường Phường Đức Phổ (trước 01/07/2025: Phường Phổ Minh)" in text
    assert "21463" not in text and "21439" not in text  # names, not codes
    assert "Lê Văn An" not in text and "051080000001" not in text
    assert pl.read_parquet(folder / "bhxh.parquet")["commune_2025_name"].to_list() == ["Phường Đức Phổ"]
