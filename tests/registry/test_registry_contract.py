"""The registry contract (schemas/registry.yaml) enforced through Pandera: clear messages naming
the file, the CSV line (header = line 1) and the column, and never a value from the registry."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ducpho_etl.registry import RegistryError, read_registry, registry_schema

HEADER = "so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,ma_xa,dia_chi,trang_thai"
ROWS = [
    "051080000001,211111111,Lê Văn An,01/02/1980,Nam,21439,Phổ An,Còn sống",
    "051180000002,,Trần Thị Bình,1980,Nữ,21451,,Còn sống",
    "051040000003,,Võ Văn Cường,07/08/1940,Nam,21472,,Đã chết",
]


def _write(folder: Path, rows: list[str], header: str = HEADER, name: str = "registry.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def test_good_registry_reads(tmp_path):
    frame, reports = read_registry(_write(tmp_path, ROWS))
    assert frame.height == 3 and frame.columns[:2] == ["so_dinh_danh", "so_cmnd"]
    assert reports[0]["file"] == "registry.csv" and reports[0]["rows"] == 3


def test_parquet_registry_reads(tmp_path):
    frame, _ = read_registry(_write(tmp_path / "csv", ROWS))
    (tmp_path / "pq").mkdir()
    frame.write_parquet(tmp_path / "pq" / "registry.parquet")
    again, _ = read_registry(tmp_path / "pq")
    assert again.equals(frame)


def test_bad_id_names_file_line_and_column(tmp_path):
    rows = [ROWS[0], ROWS[1].replace("051180000002", "51180000002"), ROWS[2]]
    with pytest.raises(RegistryError) as info:
        read_registry(_write(tmp_path, rows))
    message = str(info.value)
    assert message.startswith("registry.csv: row 3, column so_dinh_danh: value does not match")
    assert "51180000002" not in message and "Trần" not in message


def test_bad_status_value(tmp_path):
    rows = [ROWS[0], ROWS[1], ROWS[2].replace("Đã chết", "Chết")]
    with pytest.raises(RegistryError) as info:
        read_registry(_write(tmp_path, rows))
    message = str(info.value)
    assert message.startswith("registry.csv: row 4, column trang_thai: value is not one of")
    assert "Còn sống" in message  # the allowed values are the contract's, not data
    assert "Võ Văn Cường" not in message


def test_missing_column(tmp_path):
    header = HEADER.replace(",trang_thai", "")
    rows = [r.rsplit(",", 1)[0] for r in ROWS]
    with pytest.raises(RegistryError, match=r"^registry\.csv: missing registry column\(s\) \['trang_thai'\]"):
        read_registry(_write(tmp_path, rows, header=header))


def test_empty_required_value_and_several_rows_named(tmp_path):
    rows = [ROWS[0], ROWS[1].replace(",Nữ,", ",,"), ROWS[2].replace(",Nam,", ",X,")]
    with pytest.raises(RegistryError) as info:
        read_registry(_write(tmp_path, rows))
    assert str(info.value).startswith("registry.csv: row 3, column gioi_tinh: value is empty")
    assert "other rule(s) broken too" in str(info.value)


def test_duplicate_id_within_and_across_files(tmp_path):
    with pytest.raises(RegistryError, match=r"^registry\.csv: row 2, row 4, column so_dinh_danh: "
                                            r"value repeated"):
        read_registry(_write(tmp_path / "one", [ROWS[0], ROWS[1], ROWS[0]]))
    two = _write(tmp_path / "two", [ROWS[0]], name="a.csv")
    _write(two, [ROWS[1], ROWS[0]], name="b.csv")
    with pytest.raises(RegistryError, match=r"^registry: 2 rows share a so_dinh_danh \(a\.csv row 2, "
                                            r"b\.csv row 3\)"):
        read_registry(two)


def test_unreadable_file(tmp_path):
    (tmp_path / "registry.parquet").write_bytes(b"not parquet")
    with pytest.raises(RegistryError, match=r"^registry\.parquet: cannot be read as PARQUET"):
        read_registry(tmp_path)


def test_schema_comes_from_the_yaml(tmp_path, monkeypatch):
    schema = registry_schema()
    assert set(schema.columns) == set(HEADER.split(","))
    assert schema.columns["so_dinh_danh"].unique
    # a registry.yaml in DUCPHO_SCHEMAS_DIR replaces the package's
    (tmp_path / "registry.yaml").write_text(
        "key: registry\nlabel: R\ncolumns:\n"
        + "".join(f"  {c}: {{required: true, nullable: true}}\n" for c in HEADER.split(","))
        + "  gioi_tinh: {required: true, isin: [M, F]}\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path))
    assert registry_schema().columns["gioi_tinh"].checks
    with pytest.raises(RegistryError, match="column gioi_tinh: value is not one of \\['M', 'F'\\]"):
        read_registry(_write(tmp_path / "reg", ROWS))


def test_messages_never_carry_values(tmp_path):
    frame = pl.DataFrame({c: ["x"] for c in HEADER.split(",")})
    (tmp_path / "r").mkdir()
    frame.write_csv(tmp_path / "r" / "registry.csv")
    with pytest.raises(RegistryError) as info:
        read_registry(tmp_path / "r")
    assert "'x'" not in str(info.value) and " x" not in str(info.value)
