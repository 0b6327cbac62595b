"""What a report says, read from one published run folder: counts, reasons, inputs, warnings.

Everything here is counts and file facts only: no name, birth date or ID number leaves this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ducpho_etl.codes import codes_of
from ducpho_etl.privacy import scrub
from ducpho_etl.publish import read_summary_csv
from ducpho_etl.reasons import catalogue  # imported first: the catalogue is whole after it
from ducpho_etl.report.numbers import fmt_date, fmt_int

# summary.csv column -> Vietnamese column name (the order officers read them in)
STATUS_COLUMNS: dict[str, str] = {
    "raw_rows": "Số dòng đọc",
    "cleaned": "Sạch (khớp)",
    "duplicate": "Trùng",
    "deceased": "Đã chết",
    "review": "Cần xác minh",
    "not_found": "Không có trong CSDL",
    "rejected": "Loại bỏ",
}
COUNT_COLUMNS = list(STATUS_COLUMNS)[1:]  # the six outcomes; they add up to raw_rows

# reconciliation status -> summary column
STATUS_TO_COLUMN = {"matched": "cleaned", "duplicate": "duplicate", "deceased": "deceased",
                    "review": "review", "not_found": "not_found", "rejected": "rejected"}

# Codes that only note a repair the pipeline made (the row is usable as it is): left out of the
# "why rejected / why to check" charts so that those show the real causes.
NOTE_CODES = frozenset({
    "place_old_unit", "place_from_address", "name_case_fixed", "name_spacing_fixed",
    "name_nfd_fixed", "name_family_equivalent", "id_padded_excel", "cmnd_padded", "bhxh_padded",
    "bhxh_from_bhyt", "mst_padded", "mst_branch_dropped", "date_excel_serial",
    "date_two_digit_year", "linked_by_id", "linked_by_cmnd", "linked_by_fields",
})


REJECT_CODES = codes_of("reject")

# Statuses an agency must act on (return lists, "needs action" figures).
ACTION_STATUSES = ("deceased", "review", "not_found", "duplicate", "rejected")
# What a reason is for the row it is on: the cause of its status, a repair already made, or
# another problem of a rejected row (not why it was rejected, still worth fixing).
REASON_KINDS = {"cause": "Nguyên nhân", "repaired": "Đã tự sửa", "other": "Vấn đề khác của dòng"}
UNKNOWN_COMMUNE = "Không rõ xã/phường"


def is_person_row() -> pl.Expr:
    """A row about a person: not a total, subtotal or signature line of the extract (those are
    kept for the accounting, counted in raw_rows and rejected, but never sent back to agencies)."""
    return pl.col("row_kind").is_null() | (pl.col("row_kind") == "data")


@dataclass
class Notice:
    """A source whose figures are not this run's own: stale (carried over) or failed."""

    source: str
    label: str
    kind: str  # "stale", "failed", "kept" (carried over by choice) or "incomplete" (a column
    # holding identity data could not be mapped: the figures may miss IDs)
    error: str
    as_of: str | None = None
    from_run: str | None = None

    @property
    def message(self) -> str:
        run = f" (lần chạy {self.from_run})" if self.from_run else ""
        if self.kind == "stale":
            return f"Số liệu cũ từ ngày {fmt_date(self.as_of)}{run} do lỗi: {self.error or 'không rõ'}"
        if self.kind == "incomplete":
            return (f"Có cột giống dữ liệu nhận dạng (số định danh, ngày sinh...) không xác định "
                    f"được: {self.error}. Số liệu có thể chưa đầy đủ "
                    f"(identity column(s) not mapped).")
        if self.kind == "kept":
            return (f"Lần chạy này không chạy lại nguồn này; số liệu giữ nguyên từ ngày "
                    f"{fmt_date(self.as_of)}{run}.")
        return f"Lần chạy này không xử lý được nguồn, không có số liệu. Lỗi: {self.error}"

    @property
    def text(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass
class RunReport:
    run_dir: Path
    run_id: str
    started: str | None
    summary: pl.DataFrame  # summary.csv, sources then the total row
    manifest: dict
    notices: list[Notice] = field(default_factory=list)
    reasons: pl.DataFrame | None = None  # source, status, code, text, rows, kind
    inputs: pl.DataFrame | None = None  # per file: source, label, file, sheets, encoding, rows, size, sha
    # per source: rows an agency must act on (person rows only), and non-person rows (totals...)
    action: dict[str, int] = field(default_factory=dict)
    non_person: dict[str, int] = field(default_factory=dict)
    communes: pl.DataFrame | None = None  # source, commune, raw_rows + the six outcomes

    @property
    def needs_action(self) -> int:
        return sum(self.action.values())

    @property
    def sources(self) -> pl.DataFrame:
        return self.summary.filter(pl.col("source") != "total")

    @property
    def total(self) -> dict:
        rows = self.summary.filter(pl.col("source") == "total").to_dicts()
        if rows:
            return rows[0]
        return {"source": "total", "label": "Tổng cộng",
                **{c: int(self.sources[c].sum()) for c in STATUS_COLUMNS}}

    def headline(self) -> str:
        """The town report's sentence, from this run's cleaned counts and labels; a failed source
        says it has no figure, a stale one the date its figure is from."""
        flagged = {n.source: n for n in self.notices}

        def figure(row: dict) -> str:
            notice = flagged.get(row["source"])
            if notice is None:
                return fmt_int(row["cleaned"])
            if notice.kind == "stale":
                return f"{fmt_int(row['cleaned'])} (số liệu cũ ngày {fmt_date(notice.as_of)})"
            if notice.kind == "kept":
                return f"{fmt_int(row['cleaned'])} (số liệu ngày {fmt_date(notice.as_of)})"
            if notice.kind == "incomplete":
                return f"{fmt_int(row['cleaned'])} (chưa đầy đủ)"
            return "không có số liệu (lỗi)" if not row["raw_rows"] else f"{fmt_int(row['cleaned'])} (có lỗi)"

        parts = "; ".join(f"{r['label']}: {figure(r)}" for r in self.sources.iter_rows(named=True))
        return (f"Thực hiện chuẩn hóa và làm sạch {fmt_int(self.total['cleaned'])} dữ liệu "
                f"({parts})")

    def balanced(self) -> bool:
        """Every row's six outcomes add up to its rows read."""
        sums = self.summary.select(pl.sum_horizontal(COUNT_COLUMNS) == pl.col("raw_rows"))
        return bool(sums.to_series().all())


def load_run(run_dir: Path) -> RunReport:
    run_dir = Path(run_dir)
    summary = read_summary_csv(run_dir / "summary.csv")
    for column in STATUS_COLUMNS:
        if column not in summary.columns:
            summary = summary.with_columns(pl.lit(0, pl.Int64).alias(column))
    summary = summary.with_columns(pl.col(list(STATUS_COLUMNS)).fill_null(0).cast(pl.Int64))
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    report = RunReport(run_dir=run_dir, run_id=manifest.get("run_id") or run_dir.name,
                       started=manifest.get("started_utc"), summary=summary, manifest=manifest)
    report.notices = notices(summary, manifest)
    report.reasons = reason_counts(run_dir)
    report.inputs = input_files(summary, manifest)
    report.action, report.non_person = action_counts(run_dir)
    report.communes = commune_counts(run_dir)
    return report


def _recon_files(run_dir: Path) -> list[Path]:
    return sorted((Path(run_dir) / "reconciliation").glob("*.parquet"))


def _with_row_kind(path: Path, columns: list[str]) -> pl.LazyFrame:
    """Columns of one reconciliation file; row_kind null where an older run lacks it."""
    schema = pl.read_parquet_schema(path)
    frame = pl.scan_parquet(path).select([c for c in columns if c in schema])
    missing = [c for c in columns if c not in schema]
    return frame.with_columns([pl.lit(None, pl.Utf8).alias(c) for c in missing]).select(columns)


def action_counts(run_dir: Path) -> tuple[dict[str, int], dict[str, int]]:
    """({source: person rows needing action}, {source: non-person rows}) of one run."""
    action: dict[str, int] = {}
    other: dict[str, int] = {}
    for path in _recon_files(run_dir):
        counts = (_with_row_kind(path, ["status", "row_kind"])
                  .select((pl.col("status").is_in(list(ACTION_STATUSES)) & is_person_row()).sum()
                          .alias("a"), (~is_person_row()).sum().alias("o")).collect().row(0))
        action[path.stem], other[path.stem] = int(counts[0] or 0), int(counts[1] or 0)
    return action, other


def commune_counts(run_dir: Path) -> pl.DataFrame:
    """Rows per (source, commune from 1 Jul 2025) and outcome: each source's rows over its
    communes (UNKNOWN_COMMUNE for rows with none) add up to its summary row."""
    schema = {"source": pl.Utf8, "commune": pl.Utf8, **{c: pl.Int64 for c in STATUS_COLUMNS}}
    frames = []
    for path in _recon_files(run_dir):
        columns = pl.read_parquet_schema(path)
        if "commune_2025_name" in columns:
            name = pl.col("commune_2025_name")
        elif "xa_2025" in columns:
            from ducpho_etl.normalize.places import UNIT_NAMES_2025

            name = pl.col("xa_2025").replace_strict(UNIT_NAMES_2025, default=None,
                                                    return_dtype=pl.Utf8)
        else:
            name = pl.lit(None, pl.Utf8)
        frames.append(pl.scan_parquet(path).select(
            pl.lit(path.stem).alias("source"), name.fill_null(UNKNOWN_COMMUNE).alias("commune"),
            pl.col("status").replace_strict(STATUS_TO_COLUMN, default=None).alias("column")))
    if not frames:
        return pl.DataFrame(schema=schema)
    long = pl.concat(frames).group_by("source", "commune", "column").agg(pl.len()).collect()
    wide = long.pivot(on="column", index=["source", "commune"], values="len")
    for column in COUNT_COLUMNS:
        if column not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(column))
    wide = wide.with_columns(pl.col(COUNT_COLUMNS).fill_null(0).cast(pl.Int64))
    return (wide.with_columns(pl.sum_horizontal(COUNT_COLUMNS).alias("raw_rows"))
            .select(list(schema)).sort("source", pl.col("commune") == UNKNOWN_COMMUNE, "commune"))


def notices(summary: pl.DataFrame, manifest: dict) -> list[Notice]:
    labels = dict(summary.select("source", "label").iter_rows())
    found = []
    for key, info in (manifest.get("sources") or {}).items():
        if not isinstance(info, dict):
            continue
        error = scrub(str(info.get("error") or "")).strip()
        label = labels.get(key, key)
        state = info.get("state")
        if info.get("stale") or state == "stale":
            found.append(Notice(key, label, "stale", error, info.get("as_of"), info.get("from_run")))
        elif error or state == "failed":
            found.append(Notice(key, label, "failed", error or "không rõ"))
        elif info.get("carried_over") or state == "carried_over":
            found.append(Notice(key, label, "kept", "", info.get("as_of"), info.get("from_run")))
        elif info.get("identity_complete") is False:
            gaps = "; ".join(f"{g.get('file')}: {', '.join(g.get('headers') or [])}"
                             for g in info.get("identity_gaps") or [])
            found.append(Notice(key, label, "incomplete", scrub(gaps)))
    return found


def reason_counts(run_dir: Path) -> pl.DataFrame:
    """Rows per (source, status, reason code), with the Vietnamese text of the code and its kind
    (REASON_KINDS): a rejected row's causes are its reject codes, its other codes (ID missing...)
    problems of the row besides; repairs already made are "repaired". `note` is True for
    everything that is not a cause (kept for readers of older versions)."""
    files = _recon_files(run_dir)
    schema = {"source": pl.Utf8, "status": pl.Utf8, "code": pl.Utf8, "rows": pl.UInt32,
              "text": pl.Utf8, "kind": pl.Utf8, "note": pl.Boolean}
    if not files:
        return pl.DataFrame(schema=schema)
    from ducpho_etl.reasons import one_text_per_cause

    counts = (pl.concat([_with_row_kind(p, ["status", "reason_codes", "row_kind"])
                         .with_columns(pl.lit(p.stem).alias("source")) for p in files])
              .filter(pl.col("status") != "matched")
              .select("source", "status", one_text_per_cause(pl.col("reason_codes")).alias("code"))
              .explode("code").drop_nulls("code")
              .group_by("source", "status", "code").agg(pl.len().alias("rows"))
              .collect())
    texts = {code: vi for code, (vi, _en) in catalogue().items()}
    kind = (pl.when(pl.col("code").is_in(list(NOTE_CODES))).then(pl.lit("repaired"))
            .when((pl.col("status") == "rejected") & ~pl.col("code").is_in(list(REJECT_CODES)))
            .then(pl.lit("other")).otherwise(pl.lit("cause")))
    return (counts.with_columns(
        pl.col("code").replace_strict(texts, default=pl.col("code")).alias("text"),
        kind.alias("kind"), pl.col("rows").cast(pl.UInt32))
        .with_columns((pl.col("kind") != "cause").alias("note"))
        .sort(["source", "status", "rows", "code"], descending=[False, False, True, False])
        .select(list(schema)))


def reasons_overall(reasons: pl.DataFrame) -> pl.DataFrame:
    """reason_counts summed over the sources: status, code, text, kind, note, rows."""
    return (reasons.group_by("status", "code", "text", "kind", "note")
            .agg(pl.col("rows").sum().cast(pl.UInt32))
            .sort(["status", "rows", "code"], descending=[False, True, False]))


def input_files(summary: pl.DataFrame, manifest: dict) -> pl.DataFrame:
    """One row per input file (sheets folded together), the registry first."""
    labels = dict(summary.select("source", "label").iter_rows())
    rows = []
    for f in manifest.get("registry_files") or []:
        rows.append({"source": "registry", "label": "CSDL dân cư (CCCD)", "file": f.get("file"),
                     "sheets": 0, "encoding": f.get("encoding"),
                     "rows": f.get("rows") or registry_rows(manifest, f),
                     "size_bytes": f.get("size_bytes"), "sha256": f.get("sha256")})
    for key, info in (manifest.get("sources") or {}).items():
        by_file: dict[str, dict] = {}
        for f in (info or {}).get("files") or []:
            entry = by_file.setdefault(f.get("file"), {
                "source": key, "label": labels.get(key, key), "file": f.get("file"), "sheets": 0,
                "encoding": f.get("encoding"), "rows": 0, "size_bytes": f.get("size_bytes"),
                "sha256": f.get("sha256"), "physical_rows": None, "other_rows": None})
            entry["sheets"] += 1 if f.get("sheet") else 0
            entry["rows"] += int(f.get("data_rows") or 0) + int(f.get("total_rows") or 0)
            ledger = f.get("ledger")
            if isinstance(ledger, dict):  # the file's own row count, and its non-data rows
                physical = int(ledger.get("physical_rows") or 0)
                entry["physical_rows"] = (entry["physical_rows"] or 0) + physical
                other = physical - int(ledger.get("data") or 0) - int(ledger.get("total") or 0)
                entry["other_rows"] = (entry["other_rows"] or 0) + other
        rows.extend(by_file.values())
    schema = {"source": pl.Utf8, "label": pl.Utf8, "file": pl.Utf8, "sheets": pl.Int64,
              "encoding": pl.Utf8, "rows": pl.Int64, "size_bytes": pl.Int64, "sha256": pl.Utf8,
              "physical_rows": pl.Int64, "other_rows": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def registry_rows(manifest: dict, entry: dict) -> int | None:
    """Rows of a registry file the manifest names (the run does not record them): counted from
    the input folder when the file there still has the run's size, else None (shown "–")."""
    path = Path(manifest.get("input") or "") / "registry" / str(entry.get("file") or "")
    try:
        if not manifest.get("input") or path.stat().st_size != entry.get("size_bytes"):
            return None
        scan = (pl.scan_parquet(path) if path.suffix.lower() == ".parquet"
                else pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy"))
        return int(scan.select(pl.len()).collect().item())
    except (OSError, pl.exceptions.PolarsError):
        return None


def short_sha(sha: str | None) -> str:
    return (sha[:12] + "…") if sha else "–"
