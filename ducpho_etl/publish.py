"""Publish a run: a complete run folder first, then an atomic switch of `latest`.

Layout (shared/docs/contracts.md): OUTPUT/runs/<run_id>/{reconciliation/, cleaned/, summary.csv,
manifest.json}, and OUTPUT/latest -> runs/<run_id>. Nothing is published unless every source's
rows add up (the accounting guard).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ducpho_etl import clock
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.decisions.apply import officer_counts
from ducpho_etl.privacy import owner_only_dir, restrict
from ducpho_etl.results import STATUSES, SUMMARY_COLUMNS, SourceRecord, SourceResult, TableReport


class AccountingError(RuntimeError):
    """Rows read and rows published disagree: the run must not be published."""


def new_run_id(now: datetime | None = None) -> str:
    """'20261130T183000Z-ab12cd': UTC (the Z says so), sortable; officers see Việt Nam time."""
    now = (now or clock.utc_now()).astimezone(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def check_accounting(result: SourceResult) -> None:
    """Raw rows = sum of statuses, and every (file, sheet, row) appears exactly once."""
    recon = result.reconciliation
    if recon is None:
        return
    if recon.height != result.raw_rows:
        raise AccountingError(f"{result.key}: {result.raw_rows} rows read but {recon.height} "
                              f"reconciliation rows")
    bad_status = recon.filter(~pl.col("status").is_in(STATUSES)).height
    if bad_status:
        raise AccountingError(f"{result.key}: {bad_status} rows without a valid status")
    ledger_rows = sum(int(f["ledger"].get("data", 0)) + int(f["ledger"].get("total", 0))
                      for f in result.files if isinstance(f.get("ledger"), dict))
    if any(isinstance(f.get("ledger"), dict) for f in result.files) and ledger_rows != recon.height:
        raise AccountingError(f"{result.key}: the files' ledgers hold {ledger_rows} data and "
                              f"total rows but {recon.height} reconciliation rows")
    keys = recon.select("source_file", "sheet", "source_row")
    if keys.is_duplicated().any():
        raise AccountingError(f"{result.key}: a (file, sheet, row) appears twice")
    if result.cleaned is not None:
        matched = recon.filter(pl.col("status") == "matched").height
        if result.cleaned.height != matched:
            raise AccountingError(f"{result.key}: {matched} matched rows but "
                                  f"{result.cleaned.height} cleaned records")


def summarise(results: list[SourceResult]) -> pl.DataFrame:
    rows = []
    for result in results:
        counts = dict.fromkeys(STATUSES, 0)
        if result.reconciliation is not None:
            for status, n in result.reconciliation["status"].value_counts().iter_rows():
                counts[status] = n
        rows.append({"source": result.key, "label": result.label, "raw_rows": result.raw_rows,
                     "cleaned": counts["matched"],
                     **{s: counts[s] for s in STATUSES if s != "matched"}})
    summary = pl.DataFrame(rows, schema={c: (pl.Utf8 if c in ("source", "label") else pl.Int64)
                                         for c in SUMMARY_COLUMNS})
    total = summary.select(pl.lit("total").alias("source"), pl.lit("Tổng cộng").alias("label"),
                           *[pl.col(c).sum() for c in SUMMARY_COLUMNS[2:]])
    return pl.concat([summary, total])


def write_summary_csv(summary: pl.DataFrame, path: Path) -> None:
    """summary.csv in UTF-8 with a BOM, so that Excel on Windows shows the Vietnamese labels
    (contracts.md allows it; readers must accept both)."""
    summary.write_csv(path, include_bom=True)


def read_summary_csv(path: Path) -> pl.DataFrame:
    """summary.csv with or without a BOM (polars drops it; said here so every reader goes
    through one place)."""
    return pl.read_csv(path, schema_overrides={"source": pl.Utf8, "label": pl.Utf8})


def check_output_contracts(results: list[SourceResult]) -> None:
    """The published tables against their contracts (schemas/outputs.yaml), before anything is written."""
    from ducpho_etl.output_contracts import check_cleaned, check_reconciliation, check_summary

    for result in results:
        if result.reconciliation is not None:
            check_reconciliation(result.reconciliation)
        if result.cleaned is not None:
            check_cleaned(result.cleaned)
    check_summary(summarise(results))


def publish_run(output: Path, results: list[SourceResult], manifest: dict,
                run_id: str | None = None,
                finalize: Callable[[Path], None] | None = None) -> Path:
    """Write runs/<run_id>/ completely, then point `latest` at it. Returns the run folder.

    `finalize(staging_dir)` runs last inside the staging folder (e.g. the HTML report), so what
    it writes is published atomically with the rest; its errors are the caller's to handle.
    """
    for result in results:
        check_accounting(result)
    check_output_contracts(results)
    run_id = run_id or new_run_id()
    runs = output / "runs"
    _remove_abandoned(runs)
    staging = runs / f".incomplete-{run_id}"
    final = runs / run_id
    owner_only_dir(runs)
    owner_only_dir(staging)
    (staging / "reconciliation").mkdir(parents=True, exist_ok=True)
    (staging / "cleaned").mkdir(parents=True, exist_ok=True)
    try:
        for result in results:
            if result.reconciliation is not None:
                result.reconciliation.write_parquet(staging / "reconciliation" / f"{result.key}.parquet")
            if result.cleaned is not None:
                result.cleaned.write_parquet(staging / "cleaned" / f"{result.key}.parquet")
        summary = summarise(results)
        write_summary_csv(summary, staging / "summary.csv")
        manifest = {**manifest, "run_id": run_id,
                    "counts": summary.to_dicts()}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                               encoding="utf-8")
        if finalize is not None:
            finalize(staging)
        restrict(staging)  # owner-only whatever the umask of this process
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    switch_latest(output, final)
    return final


def switch_latest(output: Path, run_dir: Path) -> None:
    """Atomically repoint OUTPUT/latest (symlink replaced by rename, never missing)."""
    tmp = output / f".latest-{uuid.uuid4().hex[:8]}"
    os.symlink(Path("runs") / run_dir.name, tmp)
    os.replace(tmp, output / "latest")


def latest_run(output: Path) -> Path | None:
    link = output / "latest"
    return link.resolve() if link.exists() else None


ABANDONED_AFTER_S = 6 * 3600


def _remove_abandoned(runs: Path) -> None:
    """Staging folders of runs killed mid-publish (SIGKILL leaves them): removed once old."""
    if not runs.is_dir():
        return
    for staging in runs.glob(".incomplete-*"):
        try:
            if time.time() - staging.stat().st_mtime > ABANDONED_AFTER_S:
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            continue


def read_manifest(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def registry_year_of(manifest: dict) -> int:
    """The year a published run prepared its registry as of (ages, impossible dates); a
    manifest written before it was recorded: the default."""
    return int(manifest.get("registry_year") or REGISTRY_REFERENCE_YEAR)


def previous_result(run_dir: Path, manifest: dict, key: str, label: str) -> SourceResult | None:
    """A source's published result in an earlier run folder, or None if it has none.

    from_run and as_of name the run that computed it (followed through earlier carry-overs).
    """
    recon_path = run_dir / "reconciliation" / f"{key}.parquet"
    if not recon_path.exists():
        return None
    recon = pl.read_parquet(recon_path)
    cleaned_path = run_dir / "cleaned" / f"{key}.parquet"
    cleaned = pl.read_parquet(cleaned_path) if cleaned_path.exists() else recon.clear()
    entry = manifest.get("sources", {}).get(key, {})
    run_id = manifest.get("run_id", run_dir.name)
    started = clock.parse_time(manifest.get("started_utc"))
    as_of = entry.get("as_of") or (clock.vn_date(started) if started else None)
    return SourceResult(key=key, label=label, raw_rows=recon.height, reconciliation=recon,
                        cleaned=cleaned, files=entry.get("files", []),
                        link_model=entry.get("link_model", {}),
                        from_run=entry.get("from_run") or run_id, as_of=as_of,
                        cache_key=entry.get("cache_key"))


def identity_mapping(files: list[TableReport]) -> dict:
    """Whether every file's identity columns were mapped, and which headers were not: a source
    with such a gap is flagged (CLI summary, report), never published as if complete."""
    gaps = [{"file": f.get("file"), "sheet": f.get("sheet"), "headers": f["identity_gaps"]}
            for f in files if f.get("identity_gaps")]
    return {"identity_complete": not gaps, "identity_gaps": gaps}


def source_entry(result: SourceResult, today: str) -> dict:
    """The manifest's record of one source: where its result comes from, counts, timings."""
    counts = dict.fromkeys(STATUSES, 0)
    if result.reconciliation is not None:
        for status, n in result.reconciliation["status"].value_counts().iter_rows():
            counts[status] = n
    fresh = result.state in ("fresh", "cached")
    return SourceRecord(
        state=result.state,
        ok=result.error is None,
        stale=result.state == "stale",
        carried_over=result.state == "carried_over",
        from_cache=result.state == "cached",
        from_run=None if fresh else result.from_run,
        as_of=today if fresh else result.as_of,
        error=result.error,
        cache_key=result.cache_key,
        files=result.files,
        **identity_mapping(result.files),
        raw_rows=result.raw_rows,
        counts=counts,
        seconds=result.seconds,
        stages=result.stages,
        link_model=result.link_model,
        officer=officer_counts(result.reconciliation),  # rows settled by decisions, apart
    ).to_json()
