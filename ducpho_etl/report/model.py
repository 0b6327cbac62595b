"""What a report says, read from one published run folder: counts, reasons, inputs, warnings.

Everything here is counts and file facts only: no name, birth date or ID number leaves this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ducpho_etl.privacy import scrub
from ducpho_etl.reasons import catalogue
from ducpho_etl.report.numbers import fmt_date, fmt_int
from ducpho_etl.validate import ROW_CHECKS

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


REJECT_CODES = frozenset(code for code, (severity, _) in ROW_CHECKS.items() if severity == "reject")


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
    reasons: pl.DataFrame | None = None  # status, code, text, rows
    inputs: pl.DataFrame | None = None  # per file: source, label, file, sheets, encoding, rows, size, sha

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
    summary = pl.read_csv(run_dir / "summary.csv", schema_overrides={"source": pl.Utf8, "label": pl.Utf8})
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
    return report


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
    """Rows per (status, reason code) over every source, with the Vietnamese text of the code."""
    files = sorted((run_dir / "reconciliation").glob("*.parquet"))
    schema = {"status": pl.Utf8, "code": pl.Utf8, "rows": pl.UInt32, "text": pl.Utf8, "note": pl.Boolean}
    if not files:
        return pl.DataFrame(schema=schema)
    counts = (pl.scan_parquet(files).select("status", "reason_codes")
              .filter(pl.col("status") != "matched")
              .explode("reason_codes").drop_nulls("reason_codes")
              .group_by("status", pl.col("reason_codes").alias("code")).agg(pl.len().alias("rows"))
              .collect())
    texts = {code: vi for code, (vi, _en) in catalogue().items()}
    return (counts.with_columns(
        pl.col("code").replace_strict(texts, default=pl.col("code")).alias("text"),
        # a rejected row's causes are its reject codes; its other codes (ID missing...) are notes
        (pl.col("code").is_in(list(NOTE_CODES))
         | ((pl.col("status") == "rejected") & ~pl.col("code").is_in(list(REJECT_CODES)))).alias("note"),
        pl.col("rows").cast(pl.UInt32))
        .sort(["status", "rows", "code"], descending=[False, True, False])
        .select(list(schema)))


def input_files(summary: pl.DataFrame, manifest: dict) -> pl.DataFrame:
    """One row per input file (sheets folded together), the registry first."""
    labels = dict(summary.select("source", "label").iter_rows())
    rows = []
    for f in manifest.get("registry_files") or []:
        rows.append({"source": "registry", "label": "CSDL dân cư (CCCD)", "file": f.get("file"),
                     "sheets": 0, "encoding": f.get("encoding"), "rows": f.get("rows"),
                     "size_bytes": f.get("size_bytes"), "sha256": f.get("sha256")})
    for key, info in (manifest.get("sources") or {}).items():
        by_file: dict[str, dict] = {}
        for f in (info or {}).get("files") or []:
            entry = by_file.setdefault(f.get("file"), {
                "source": key, "label": labels.get(key, key), "file": f.get("file"), "sheets": 0,
                "encoding": f.get("encoding"), "rows": 0, "size_bytes": f.get("size_bytes"),
                "sha256": f.get("sha256")})
            entry["sheets"] += 1 if f.get("sheet") else 0
            entry["rows"] += int(f.get("data_rows") or 0) + int(f.get("total_rows") or 0)
        rows.extend(by_file.values())
    schema = {"source": pl.Utf8, "label": pl.Utf8, "file": pl.Utf8, "sheets": pl.Int64,
              "encoding": pl.Utf8, "rows": pl.Int64, "size_bytes": pl.Int64, "sha256": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def short_sha(sha: str | None) -> str:
    return (sha[:12] + "…") if sha else "–"
