"""The nightly flow: the registry once, one subflow per source, then an atomic publish.

Thin orchestration only: every step is a function of ducpho_etl that also runs without Prefect.
Logs and artifacts carry counts and timings, never names or ID numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from ducpho_etl.pipeline import process_source, select_sources, unknown_folders, versions
from ducpho_etl.publish import SourceResult, publish_run, summarise
from ducpho_etl.registry import load_prepared_registry

# Callbacks the CLI registers to show progress: called with (source key, SourceResult).
PROGRESS_HOOKS: list[Callable[[str, SourceResult], None]] = []


@task(name="load-registry", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10],
      retry_condition_fn=lambda task, run, state: _is_transient(state))
def load_registry(input_dir: Path) -> tuple[int, list[dict]]:
    _, prepared, reports = load_prepared_registry(input_dir / "registry")
    return prepared.height, reports


def _is_transient(state) -> bool:
    """Retry only I/O hiccups (the file system or a network share), never a bad file."""
    try:
        state.result()
    except (TimeoutError, ConnectionError, InterruptedError):
        return True
    except Exception:  # noqa: BLE001 - any other error is the data's, retrying cannot help
        return False
    return False


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile_task(input_dir: Path, key: str, data_year: int) -> SourceResult:
    registry_raw, registry, _ = load_prepared_registry(input_dir / "registry")
    contract = select_sources([key])[key]
    return process_source(input_dir, contract, registry, registry_raw, data_year)


@flow(name="source", flow_run_name="{key}", log_prints=False)
def source_flow(key: str, input_dir: Path, data_year: int) -> SourceResult:
    logger = get_run_logger()
    result = reconcile_task(input_dir, key, data_year)
    if result.error:
        logger.error("source %s failed: %s", key, result.error)
    else:
        counts = result.reconciliation["status"].value_counts().sort("status").rows()
        logger.info("source %s: %d rows in %d files, %.1f s, statuses %s", key, result.raw_rows,
                    len({f["file"] for f in result.files}), result.seconds, dict(counts))
    return result


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(output_dir: Path, results: list[SourceResult], manifest: dict) -> Path:
    return publish_run(output_dir, results, manifest)


@flow(name="ducpho-nightly", log_prints=False)
def nightly(input_dir: str, output_dir: str, sources: list[str] | None = None,
            data_year: int = 2023) -> dict:
    """All (or the named) sources: returns run folder, failed sources and the summary rows."""
    logger = get_run_logger()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    input_path, output_path = Path(input_dir), Path(output_dir)
    contracts = select_sources(sources)
    strays = unknown_folders(input_path)
    if strays:
        logger.warning("folders with no source contract ignored: %s", strays)
    registry_people, registry_files = load_registry(input_path)
    logger.info("registry: %d people", registry_people)
    results: list[SourceResult] = []
    for key in contracts:
        result = source_flow(key, input_path, data_year)
        results.append(result)
        for hook in PROGRESS_HOOKS:
            hook(key, result)
    manifest = {
        "started_utc": started.isoformat(), "data_year": data_year,
        "input": str(input_path.resolve()), "registry_files": registry_files,
        "sources": {r.key: {"files": r.files, "raw_rows": r.raw_rows, "error": r.error,
                            "seconds": r.seconds} for r in results},
        "unknown_folders": strays, "versions": versions(),
    }
    manifest["seconds"] = round(time.perf_counter() - t0, 3)
    run_dir = publish_task(output_path, results, manifest)
    summary = summarise(results)
    _artifacts(summary, results, run_dir)
    failed = {r.key: r.error for r in results if r.error}
    logger.info("published %s in %.1f s; failed sources: %s", run_dir.name,
                time.perf_counter() - t0, list(failed) or "none")
    return {"run_dir": str(run_dir), "failed": failed, "summary": summary.to_dicts()}


def _artifacts(summary: pl.DataFrame, results: list[SourceResult], run_dir: Path) -> None:
    create_table_artifact(key="summary", table=summary.to_dicts(),
                          description="Kết quả đối chiếu theo nguồn (counts only)")
    lines = [f"# Đối chiếu dữ liệu: {run_dir.name}", "",
             "| Nguồn | Dòng đọc | Sạch | Trùng | Đã chết | Xác minh | Không thấy | Loại |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in summary.iter_rows(named=True):
        lines.append(f"| {row['label']} | {row['raw_rows']} | {row['cleaned']} | "
                     f"{row['duplicate']} | {row['deceased']} | {row['review']} | "
                     f"{row['not_found']} | {row['rejected']} |")
    failed = [r for r in results if r.error]
    if failed:
        lines += ["", "**Nguồn lỗi (failed sources):** " + ", ".join(r.key for r in failed)]
    create_markdown_artifact(key="run-report", markdown="\n".join(lines),
                             description="Run summary, counts only")
