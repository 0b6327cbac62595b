"""A file that cannot be read fails its source with a message naming the file and the problem:
wrong type, truncated workbook, empty file, no name column, a missing required column."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.source import IngestError, read_file, read_source
from ducpho_etl.pipeline import describe_error
from ducpho_etl.registry import prepare_registry
from tests.stages import stage_result

GOOD_CSV = "Họ và tên,Ngày sinh,Giới tính,Số CCCD\nLê Văn An,01/02/1980,Nam,051080000001\n"
PEOPLE = [{"so_dinh_danh": "051080000001", "ho_ten": "Lê Văn An", "ngay_sinh": "01/02/1980",
           "gioi_tinh": "Nam"}]


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("DS")
    for i, row in enumerate(rows):
        ws.write_row(i, 0, row)
    wb.close()
    return path


def _process(tmp_path, make_registry, key="bhxh"):
    reg = make_registry(PEOPLE)
    return stage_result(tmp_path / "input", load_sources()[key],
                        prepare_registry(reg, REGISTRY_REFERENCE_YEAR), reg)


def _error(tmp_path, make_registry, key="bhxh") -> str:
    """The source's error as the flow reports it (describe_error: type and masked message)."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error fails the source
        _process(tmp_path, make_registry, key)
    return describe_error(caught.value)


def _source_file(tmp_path: Path, name: str, data: bytes, key: str = "bhxh") -> Path:
    folder = tmp_path / "input" / key
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.csv").write_text(GOOD_CSV, encoding="utf-8")
    path = folder / name
    path.write_bytes(data)
    return path


def test_good_file_reads(tmp_path, make_registry):
    (tmp_path / "ok.csv").write_text(GOOD_CSV, encoding="utf-8")
    frame, reports = read_file(tmp_path / "ok.csv", load_sources()["bhxh"])
    assert frame.height == 1 and frame["source_file"].to_list() == ["ok.csv"]
    assert reports[0]["header_row"] == 1 and reports[0]["encoding"] == "utf-8"
    _source_file(tmp_path, "also_ok.csv", GOOD_CSV.encode())
    result = _process(tmp_path, make_registry)
    assert result.raw_rows == 2


def test_wrong_file_type(tmp_path, make_registry):
    path = tmp_path / "ds.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(IngestError, match=r"^ds\.pdf: not an extract file type \(\.pdf\)"):
        read_file(path, load_sources()["bhxh"])
    # an .xlsx that is really text
    _source_file(tmp_path, "fake.xlsx", b"Ho ten,Nam sinh\nA,1950\n")
    error = _error(tmp_path, make_registry)
    assert "fake.xlsx" in error
    assert "not a readable XLSX workbook" in error


def test_truncated_xlsx(tmp_path, make_registry):
    data = _xlsx(tmp_path / "full.xlsx", [["Họ và tên", "Năm sinh"], ["Lê Văn An", "1980"]]).read_bytes()
    _source_file(tmp_path, "cut.xlsx", data[: len(data) // 2])
    error = _error(tmp_path, make_registry)
    assert "cut.xlsx" in error
    assert "not a readable XLSX workbook" in error


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n"])
def test_empty_file(tmp_path, make_registry, data):
    path = _source_file(tmp_path, "empty.csv", data)
    with pytest.raises(IngestError, match=r"^empty\.csv: empty file"):
        read_file(path, load_sources()["bhxh"])
    assert "empty.csv: empty file" in _error(tmp_path, make_registry)


def test_no_name_column(tmp_path, make_registry):
    path = _source_file(tmp_path, "noname.csv", "Ngày sinh,Giới tính,Số CCCD\n1980,Nam,051080000001\n"
                        .encode())
    with pytest.raises(IngestError, match=r"^noname\.csv: no header row with a name column"):
        read_file(path, load_sources()["bhxh"])
    assert "noname.csv" in _error(tmp_path, make_registry)


def test_missing_required_column(tmp_path, make_registry, monkeypatch):
    schemas = tmp_path / "schemas"
    (schemas / "sources").mkdir(parents=True)
    (schemas / "sources" / "bhxh.yaml").write_text(
        "key: bhxh\nlabel: Bảo hiểm xã hội\nrequired: [ho_ten, ma_bhxh, ngay_sinh]\n"
        "identity_any: [ma_bhxh]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(schemas))
    path = _source_file(tmp_path, "no_bhxh.csv", GOOD_CSV.encode())
    with pytest.raises(IngestError) as info:
        read_file(path, load_sources()["bhxh"])
    message = str(info.value)
    assert message.startswith("no_bhxh.csv: required column(s) missing from the header: ma_bhxh")
    assert "Lê Văn An" not in message
    assert "no_bhxh.csv: required column(s) missing" in _error(tmp_path, make_registry)


def test_missing_required_column_in_a_workbook_sheet(tmp_path, monkeypatch):
    schemas = tmp_path / "schemas"
    (schemas / "sources").mkdir(parents=True)
    (schemas / "sources" / "bhxh.yaml").write_text(
        "key: bhxh\nlabel: BHXH\nrequired: [ho_ten, ma_bhxh]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(schemas))
    path = _xlsx(tmp_path / "ds.xlsx", [["Họ và tên", "Năm sinh"], ["Lê Văn An", "1980"]])
    with pytest.raises(IngestError, match=r"^ds\.xlsx: sheet 'DS': required column\(s\) missing"):
        read_file(path, load_sources()["bhxh"])


def test_birth_date_pair_counts_as_the_required_birth_date(tmp_path, monkeypatch):
    schemas = tmp_path / "schemas"
    (schemas / "sources").mkdir(parents=True)
    (schemas / "sources" / "nct.yaml").write_text(
        "key: nct\nlabel: NCT\nrequired: [ho_ten, ngay_sinh, gioi_tinh]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(schemas))
    (tmp_path / "nct").mkdir()
    (tmp_path / "nct" / "a.csv").write_text("Họ và tên,Nam,Nữ\nLê Văn An,1950,\n", encoding="utf-8")
    frame, _ = read_source(tmp_path / "nct", load_sources()["nct"])
    assert frame.select("ngay_sinh", "gioi_tinh").row(0) == ("1950", "Nam")
