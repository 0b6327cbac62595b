"""Load the CCCD registry extract and normalise it once per run, shared by every source.

The registry's contract is schemas/registry.yaml, enforced through a Pandera schema built from
it (registry_schema). Errors name the file, the row (CSV: the line number, header = line 1;
Parquet: the record number) and the column, never a value: the registry is personal data.
"""

from __future__ import annotations

from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.config import ValidationDepth, config_context

from ducpho_etl.contracts import load_registry_contract
from ducpho_etl.ingest.files import file_fingerprint
from ducpho_etl.link.fields import home_of
from ducpho_etl.normalize import normalize_frame, normalize_places

DEAD = "Đã chết"
REGISTRY_COLUMNS = ["so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa",
                    "dia_chi", "trang_thai"]
MAX_ROWS_NAMED = 5


class RegistryError(ValueError):
    """The registry extract is missing or does not follow its contract."""


def registry_files(registry_dir: Path) -> list[Path]:
    """The registry extract's files (.csv, .parquet); RegistryError when there is none."""
    files = sorted(p for p in registry_dir.glob("*")
                   if p.is_file() and p.suffix.lower() in (".csv", ".parquet"))
    if not files:
        raise RegistryError(f"{registry_dir}: no registry file (.csv or .parquet)")
    return files


def _describe(check: str, spec: dict) -> str:
    """A check in words, without any value from the data."""
    if check == "not_nullable":
        return "value is empty"
    if check == "field_uniqueness":
        return "value repeated in the file (must be unique)"
    if check.startswith("str_matches"):
        return f"value does not match {spec.get('pattern')}"
    if check.startswith("isin"):
        return f"value is not one of {spec.get('isin')}"
    return f"fails {check}"


def registry_schema(contract: dict | None = None) -> pa.DataFrameSchema:
    """The Pandera schema of a registry file (text columns), from schemas/registry.yaml."""
    contract = contract or load_registry_contract()
    columns = {}
    for name, spec in contract["columns"].items():
        checks = []
        if "pattern" in spec:
            checks.append(pa.Check.str_matches(spec["pattern"]))
        if "isin" in spec:
            checks.append(pa.Check.isin(list(spec["isin"])))
        columns[name] = pa.Column(pl.String(), checks=checks, nullable=bool(spec.get("nullable")),
                                  unique=bool(spec.get("unique")),
                                  required=spec.get("required", True) is not False)
    return pa.DataFrameSchema(columns, strict=False, name="registry")


def _row_label(path: Path, index: int) -> str:
    if path.suffix.lower() == ".csv":
        return f"row {index + 2}"  # the CSV line: the header is line 1
    return f"record {index + 1}"


def check_registry_frame(frame: pl.DataFrame, path: Path, contract: dict | None = None) -> None:
    """Raise RegistryError naming the file, rows and column of the first broken rule."""
    contract = contract or load_registry_contract()
    spec = contract["columns"]
    required = [c for c, rules in spec.items() if rules.get("required", True) is not False]
    missing = [c for c in required if c not in frame.columns]
    if missing:  # checked first: pandera with missing columns gives poorer messages
        raise RegistryError(f"{path.name}: missing registry column(s) {missing} "
                            f"(contract {Path(contract['path']).name})")
    try:
        with config_context(validation_enabled=True,
                            validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            registry_schema(contract).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.select("column", "check", "index")
        first = cases.sort("index", nulls_last=True).row(0, named=True)
        same = cases.filter((pl.col("column") == first["column"]) & (pl.col("check") == first["check"]))
        rows = sorted({i for i in same["index"].to_list() if i is not None})
        column = first["column"]
        what = _describe(first["check"], spec.get(column, {}))
        if not rows:
            raise RegistryError(f"{path.name}: column {column}: {what}") from None
        named = ", ".join(_row_label(path, i) for i in rows[:MAX_ROWS_NAMED])
        more = f" and {len(rows) - MAX_ROWS_NAMED} more" if len(rows) > MAX_ROWS_NAMED else ""
        others = cases.select("column", "check").unique().height - 1
        tail = f"; {others} other rule(s) broken too" if others > 0 else ""
        raise RegistryError(f"{path.name}: {named}{more}, column {column}: {what}{tail}") from None


def _read_one(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
            return frame.select(pl.all().cast(pl.Utf8))
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise RegistryError(f"{path.name}: cannot be read as {path.suffix.lstrip('.').upper()} "
                            f"({type(exc).__name__})") from None


def read_registry(registry_dir: Path) -> tuple[pl.DataFrame, list[dict]]:
    """Read every registry file as text columns; check them against schemas/registry.yaml."""
    frames, reports = [], []
    contract = load_registry_contract()
    unique = [c for c, rules in contract["columns"].items() if rules.get("unique")]
    for path in registry_files(registry_dir):
        frame = _read_one(path)
        frame = frame.with_columns(pl.col(pl.String).str.strip_chars())
        check_registry_frame(frame, path, contract)
        frame = frame.select(REGISTRY_COLUMNS)
        frames.append(frame.with_columns(pl.lit(path.name).alias("_file"),
                                         pl.int_range(pl.len()).alias("_index")))
        reports.append({"file": path.name, **file_fingerprint(path), "rows": frame.height})
    registry = pl.concat(frames)
    for column in unique:  # across files (within a file the schema checked it)
        dupes = registry.filter(pl.col(column).is_not_null() & pl.col(column).is_duplicated())
        if dupes.height:
            where = ", ".join(f"{f} {_row_label(Path(f), i)}"
                              for f, i in dupes.select("_file", "_index").head(MAX_ROWS_NAMED).iter_rows())
            raise RegistryError(f"registry: {dupes.height} rows share a {column} ({where})")
    return registry.drop("_file", "_index"), reports


def prepare_registry(raw: pl.DataFrame, registry_year: int) -> pl.DataFrame:
    """Normalise registry rows with the same rules as source rows, so comparisons are like for
    like. `registry_year` (RunConfig.registry_year): the year the extract describes, as a
    source's data year: birth dates after it are impossible, two-digit years and commune names
    are read as of it."""
    frame = raw.select(pl.col(REGISTRY_COLUMNS).cast(pl.Utf8)).rename({"ma_xa": "xa"}).with_columns(
        pl.lit(None, pl.Utf8).alias(c) for c in ("ma_bhxh", "the_bhyt", "mst")
    ).with_columns(pl.lit(registry_year, pl.Int32).alias("reference_year"))
    canon = normalize_frame(frame)
    return canon.select(
        pl.col("so_dinh_danh").alias("person_id"),
        pl.col("cmnd9"),
        "name", "name_key", "family_key", "middle_key", "given_key",
        "birth_year", "birth_month", "birth_day", "gender", "xa_2025",
        _old_unit(canon, frame).alias("xa_old"),
        (pl.col("trang_thai") != DEAD).alias("alive"),
        home_of(canon["xa_2025"], frame["dia_chi"]),
    )


OLD_UNIT = "place_old_unit"


def _old_unit(canon: pl.DataFrame, frame: pl.DataFrame) -> pl.Series:
    """The person's commune of before the 2025 merger, when the registry names it: by its
    address ("Phường Phổ Văn, thị xã Đức Phổ"), or by its code when that code is only an old
    unit's (a registry dated after the merger reads a reused code, 21439, as the new unit);
    null otherwise. Linkage compares it to tell apart namesakes of merged communes."""
    by_address = normalize_places(frame.select(
        pl.lit(None, pl.Utf8).alias("xa"), "dia_chi", "reference_year",
        pl.lit("", pl.Utf8).alias("norm_codes")))
    named = by_address.select(
        pl.when(pl.col("norm_codes").str.contains(OLD_UNIT, literal=True)
                & (pl.col("xa_2025") == canon["xa_2025"]))
        .then(pl.col("ma_xa")).alias("a"))["a"]
    coded = canon.select(pl.when(pl.col("norm_codes").list.contains(OLD_UNIT).fill_null(False))
                         .then(pl.col("ma_xa")).alias("c"))["c"]
    return named.fill_null(coded).alias("xa_old")


_CACHE: dict[tuple, tuple[pl.DataFrame, pl.DataFrame, list[dict]]] = {}


def load_prepared_registry(registry_dir: Path, registry_year: int
                           ) -> tuple[pl.DataFrame, pl.DataFrame, list[dict]]:
    """(raw, prepared as of `registry_year`, file reports), read once per process for the same
    file contents and year."""
    key = (registry_year, *((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                            for p in registry_files(registry_dir)))
    if key not in _CACHE:
        raw, reports = read_registry(registry_dir)
        _CACHE.clear()
        _CACHE[key] = (raw, prepare_registry(raw, registry_year), reports)
    return _CACHE[key]
