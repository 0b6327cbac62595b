"""The nightly flow: one subflow per source (bounded concurrency), then an atomic publish.

Thin orchestration only: every step is a function of ducpho_etl that also runs without Prefect.
A failed source fails alone: the run publishes what succeeded and keeps the failed source's
previous good result, marked stale in manifest.json, and the run ends in a red "Partially
failed" state naming the failed sources. A run in which every source failed publishes nothing:
`latest` stays where it was. A run limited to some sources (--source) carries the other sources'
results over from the previous `latest` run, so every published summary is complete. Logs and
artifacts carry counts and timings, never names or ID numbers.

No `from __future__ import annotations` in flows/: Prefect validates flow parameters with a
pydantic model built from the annotations, and a served run unpickles the flows by value with
only the globals their code uses, so string annotations ("Path") could not be resolved there.
"""

import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from ducpho_etl import cache, clock
from ducpho_etl.config import RunConfig
from ducpho_etl.contracts import run_contracts
from ducpho_etl.pipeline import (
    describe_error,
    largest_first,
    select_sources,
    unknown_folders,
    versions,
)
from ducpho_etl.publish import (
    latest_run,
    previous_result,
    publish_run,
    read_manifest,
    source_entry,
    summarise,
)
from ducpho_etl.report import build_report
from ducpho_etl.results import RunOutcome, SourceResult
from flows.notify import notify_failure
from flows.source import IO_RETRIES, _guarded, source_flow

# Callbacks the CLI registers to show progress: called with (source key, SourceResult).
PROGRESS_HOOKS: list[Callable[[str, SourceResult], None]] = []


@task(name="registry-fingerprint", **IO_RETRIES)
@_guarded
def registry_fingerprint_task(input_dir: Path) -> list[dict]:
    return cache.registry_fingerprint(input_dir / "registry")


class NothingPublished(RuntimeError):
    """Every source of the run failed: nothing new to publish, `latest` is left as it was."""


class PartiallyFailed(RuntimeError):
    """Some sources failed; the run published the others (the failed ones stale). Carries the
    run's outcome for the caller that prints it (run_nightly)."""

    def __init__(self, message: str, outcome: RunOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


@task(name="run-source", task_run_name="{key}", cache_policy=NO_CACHE)
def run_source_task(key: str, config: RunConfig, registry_files: list[dict]) -> SourceResult:
    """Runs the source's subflow (named after the key); a failure becomes a failed result."""
    label = run_contracts(config)[key].label
    started = time.perf_counter()
    state = source_flow(key, config, registry_files, return_state=True)
    if state.is_completed():
        result = state.result()
    else:
        _name_subflow_run(state, key)
        error = state.result(raise_on_failure=False)
        result = SourceResult(key=key, label=label, raw_rows=0, reconciliation=None, cleaned=None,
                              error=str(error) if isinstance(error, BaseException)
                              else (state.message or "failed"), state="failed")
        result.seconds = round(time.perf_counter() - started, 3)
    for hook in PROGRESS_HOOKS:
        hook(key, result)
    return result


def _name_subflow_run(state: State, key: str) -> None:
    """A subflow that failed before it started (e.g. its parameters were refused) never got its
    `{key}` name: give it now, so the UI shows which source failed."""
    flow_run_id = state.state_details.flow_run_id
    if flow_run_id is None:
        return
    try:
        with get_client(sync_client=True) as client:
            if client.read_flow_run(flow_run_id).name != key:
                client.set_flow_run_name(flow_run_id, key)
    except Exception as exc:  # noqa: BLE001 - a name is never worth failing the source over
        get_run_logger().warning("source %s: subflow run not renamed: %s", key, describe_error(exc))


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(output_dir: Path, results: list[SourceResult], manifest: dict) -> Path:
    return publish_run(output_dir, results, manifest)


@task(name="report", cache_policy=NO_CACHE)
def report_task(run_dir: Path) -> bool:
    """report.html, report.xlsx and returns/ into the published run folder (each file written
    whole). A report error never fails the run: the data is published already."""
    try:
        build_report(run_dir)
    except Exception as exc:  # noqa: BLE001 - logged, the run stays published
        get_run_logger().warning("report not written: %s", describe_error(exc))
        return False
    return (run_dir / "report.html").exists()


@flow(name="ducpho-nightly", log_prints=False,
      on_failure=[notify_failure], on_crashed=[notify_failure])
def nightly(config: RunConfig) -> RunOutcome | State:
    """All (or the named) sources, `config.workers` at a time. Returns the RunOutcome (run_dir,
    failed {key: error}, summary rows and the manifest's per-source records). When a source
    failed the run ends in a Failed state named "Partially failed" whose PartiallyFailed error
    carries that outcome (see run_nightly); NothingPublished when every source failed."""
    logger = get_run_logger()
    started = clock.utc_now()
    t0 = time.perf_counter()
    input_path, output_path = config.input_dir, config.output_dir
    cache_dir = config.cache_dir
    everything = run_contracts(config)
    contracts = select_sources(config.sources, everything)
    strays = unknown_folders(input_path, everything)
    if strays:
        logger.warning("folders with no source contract ignored: %s", strays)
    registry_files = registry_fingerprint_task(input_path)
    computed = _run_sources(config, largest_first(input_path, list(contracts)), registry_files)
    if computed and all(result.error for result in computed.values()):
        raise NothingPublished(
            "mọi nguồn đều lỗi, không công bố gì (every source failed, nothing published, "
            "latest unchanged): " + "; ".join(f"{k}: {r.error}" for k, r in computed.items()))

    previous = latest_run(output_path)
    previous_manifest = read_manifest(previous) if previous else {}
    results: list[SourceResult] = []
    for key, contract in everything.items():
        if key in computed:
            result = computed[key]
            if result.error:
                result = _keep_previous(result, previous, previous_manifest) or result
        elif previous is not None:
            result = previous_result(previous, previous_manifest, key, contract.label)
            if result is None:
                continue
            before = previous_manifest.get("sources", {}).get(key, {})
            # A result that was stale before stays stale (with its error); otherwise it is good.
            result.state = "stale" if before.get("stale") else "carried_over"
            result.error = before.get("error") if before.get("stale") else None
        else:
            continue
        results.append(result)

    today = clock.vn_date(started)  # an officer's date: 01:00 in Việt Nam is that day
    manifest = {
        "started_utc": started.isoformat(), "started_vn": clock.vn_time(started).isoformat(),
        "run_id_timezone": "UTC", "data_year": config.data_year,
        "registry_year": config.registry_year, "force": config.force,
        "selected_sources": list(contracts),
        "input": str(input_path.resolve()), "registry_files": registry_files,
        "cache": {"kind": "content-keyed parquet", "dir": str(cache_dir.resolve()),
                  "code_version": cache.code_version()},
        "sources": {r.key: source_entry(r, today) for r in results},
        "not_published": sorted(set(everything) - {r.key for r in results}),
        "unknown_folders": strays, "versions": versions(),
        "max_workers": config.workers,
    }
    manifest["seconds_sources"] = round(time.perf_counter() - t0, 3)
    run_dir = publish_task(output_path, results, manifest)
    report_task(run_dir)
    summary = summarise(results)
    entries = manifest["sources"]
    _artifacts(summary, entries, run_dir)
    failed = {k: e["error"] for k, e in entries.items() if k in contracts and not e["ok"]}
    for key, entry in entries.items():
        if entry["state"] != "fresh":
            logger.info("source %s: %s%s", key, entry["state"],
                        f" (from run {entry['from_run']}, as of {entry['as_of']})"
                        if entry["from_run"] else "")
    logger.info("published %s in %.1f s; %d sources; failed: %s", run_dir.name,
                time.perf_counter() - t0, len(entries), list(failed) or "none")
    outcome = RunOutcome(run_dir=str(run_dir), started_utc=manifest["started_utc"],
                         started_vn=manifest["started_vn"], failed=failed,
                         summary=summary.to_dicts(), sources=entries)
    if failed:
        message = (f"{len(failed)}/{len(contracts)} nguồn lỗi (sources failed): "
                   f"{', '.join(failed)}; published {run_dir.name} with their previous results "
                   "marked stale")
        return Failed(name="Partially failed", message=message,
                      data=PartiallyFailed(message, outcome))
    return outcome


def _run_sources(config: RunConfig, keys: list[str], registry_files: list[dict]
                 ) -> dict[str, SourceResult]:
    """Each source's result, `config.workers` sources at a time: the pool is the run's own,
    sized from its configuration when the flow runs (a deployment's worker calls the flow with
    the deployment's RunConfig; nothing is read from the environment at import)."""
    with ThreadPoolTaskRunner(max_workers=config.workers) as runner:
        futures = {key: runner.submit(run_source_task, {"key": key, "config": config,
                                                        "registry_files": registry_files})
                   for key in keys}
        return {key: future.result() for key, future in futures.items()}


def run_nightly(config: RunConfig) -> RunOutcome:
    """The nightly flow's outcome whether or not some source failed (the CLI prints it either
    way); raises what the flow raised when nothing was published."""
    try:
        return nightly(config)
    except PartiallyFailed as partial:
        return partial.outcome


def _keep_previous(failed: SourceResult, previous: Path | None,
                   previous_manifest: dict) -> SourceResult | None:
    """The failed source's last good result from the previous latest run, marked stale."""
    if previous is None:
        return None
    kept = previous_result(previous, previous_manifest, failed.key, failed.label)
    if kept is None:
        return None
    kept.state, kept.error, kept.seconds = "stale", failed.error, failed.seconds
    return kept


STATE_NOTES = {"fresh": "", "cached": "cache", "carried_over": "giữ nguyên (carried over)",
               "stale": "CŨ (stale)", "failed": "LỖI (failed)"}


def _artifacts(summary: pl.DataFrame, entries: dict, run_dir: Path) -> None:
    rows = []
    for row in summary.to_dicts():
        entry = entries.get(row["source"], {})
        rows.append({**row, "state": entry.get("state", ""), "as_of": entry.get("as_of") or ""})
    create_table_artifact(key="ducpho-summary", table=rows,
                          description=f"Kết quả đối chiếu theo nguồn, run {run_dir.name} (counts only)")
    started = clock.parse_time(run_dir.name)
    when = f" ({clock.vn_label(started)}; run ID in UTC)" if started else ""
    lines = [f"# Đối chiếu dữ liệu: {run_dir.name}{when}", "",
             "| Nguồn | Dòng đọc | Sạch | Trùng | Đã chết | Xác minh | Không thấy | Loại | Trạng thái |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        lines.append(f"| {row['label']} | {row['raw_rows']} | {row['cleaned']} | "
                     f"{row['duplicate']} | {row['deceased']} | {row['review']} | "
                     f"{row['not_found']} | {row['rejected']} | {STATE_NOTES.get(row['state'], '')} |")
    flagged = {k: e for k, e in entries.items() if e["state"] in ("stale", "failed")}
    if flagged:
        lines += ["", "**Nguồn lỗi (failed sources):**", ""]
        for key, entry in flagged.items():
            kept = (f"kết quả cũ từ {entry['as_of']} (run {entry['from_run']}) được giữ"
                    if entry["stale"] else "không có kết quả trước: số liệu 0")
            lines.append(f"- `{key}`: {entry['error']} — {kept}")
    cached = [k for k, e in entries.items() if e["from_cache"]]
    if cached:
        lines += ["", "Từ cache (inputs unchanged): " + ", ".join(cached)]
    if (run_dir / "report.html").exists():
        lines += ["", f"Báo cáo: [report.html]({(run_dir / 'report.html').resolve().as_uri()})"]
    create_markdown_artifact(key="ducpho-run-report", markdown="\n".join(lines),
                             description="Run summary, counts only")
