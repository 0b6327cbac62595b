"""Load the CCCD registry extract and normalise it once per run, shared by every source."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ducpho_etl.contracts import load_registry_contract
from ducpho_etl.ingest.files import file_fingerprint
from ducpho_etl.normalize import normalize_frame

DEAD = "Đã chết"
REGISTRY_COLUMNS = ["so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa",
                    "dia_chi", "trang_thai"]


class RegistryError(ValueError):
    """The registry extract is missing or does not follow its contract."""


def registry_files(registry_dir: Path) -> list[Path]:
    files = sorted(p for p in registry_dir.glob("*") if p.suffix.lower() in (".csv", ".parquet"))
    if not files:
        raise RegistryError(f"{registry_dir}: no registry file (.csv or .parquet)")
    return files


def read_registry(registry_dir: Path) -> tuple[pl.DataFrame, list[dict]]:
    """Read every registry file as text columns; check the contract's columns and values."""
    frames, reports = [], []
    contract = load_registry_contract()["columns"]
    for path in registry_files(registry_dir):
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
            frame = frame.select(pl.all().cast(pl.Utf8))
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        missing = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
        if missing:
            raise RegistryError(f"{path.name}: missing registry columns {missing}")
        frame = frame.select(REGISTRY_COLUMNS).with_columns(pl.all().str.strip_chars())
        for column, spec in contract.items():
            bad = _bad_values(frame, column, spec)
            if bad is not None:
                raise RegistryError(f"{path.name}: row {bad + 2}, column {column}: value does "
                                    f"not follow the registry contract")
        frames.append(frame)
        reports.append({"file": path.name, **file_fingerprint(path), "rows": frame.height})
    registry = pl.concat(frames)
    dupes = registry.filter(pl.col("so_dinh_danh").is_duplicated())
    if dupes.height:
        raise RegistryError(f"registry: {dupes.height} rows share a so_dinh_danh")
    return registry, reports


def _bad_values(frame: pl.DataFrame, column: str, spec: dict) -> int | None:
    """Row index of the first value breaking the contract, or None."""
    col = pl.col(column)
    ok = col.is_not_null() | pl.lit(bool(spec.get("nullable")))
    if "pattern" in spec:
        ok = ok & (col.is_null() | col.str.contains(spec["pattern"]))
    if "isin" in spec:
        ok = ok & (col.is_null() | col.is_in(spec["isin"]))
    bad = frame.with_row_index("_i").filter(~ok.fill_null(False))
    return int(bad["_i"][0]) if bad.height else None


def prepare_registry(raw: pl.DataFrame) -> pl.DataFrame:
    """Normalise registry rows with the same rules as source rows, so comparisons are like for like."""
    frame = raw.select(pl.col(REGISTRY_COLUMNS).cast(pl.Utf8)).rename({"ma_xa": "xa"}).with_columns(
        pl.lit(None, pl.Utf8).alias(c) for c in ("ma_bhxh", "the_bhyt", "mst")
    ).with_columns(pl.lit(2026, pl.Int32).alias("reference_year"))
    canon = normalize_frame(frame)
    return canon.select(
        pl.col("so_dinh_danh").alias("person_id"),
        pl.col("cmnd9"),
        "name", "name_key", "family_key", "middle_key", "given_key",
        "birth_year", "birth_month", "birth_day", "gender", "xa_2025",
        (pl.col("trang_thai") != DEAD).alias("alive"),
    )


_CACHE: dict[tuple, tuple[pl.DataFrame, pl.DataFrame, list[dict]]] = {}


def load_prepared_registry(registry_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame, list[dict]]:
    """(raw, prepared, file reports), read once per process for the same file contents."""
    key = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in registry_files(registry_dir))
    if key not in _CACHE:
        raw, reports = read_registry(registry_dir)
        _CACHE.clear()
        _CACHE[key] = (raw, prepare_registry(raw), reports)
    return _CACHE[key]
