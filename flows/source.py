"""One source as a subflow named after its key: fingerprint → cache or (read → reconcile) → check.

Thin: each task calls one plain function of ducpho_etl. Only the I/O tasks retry, with
exponential back-off, and only on transient I/O errors (ducpho_etl.pipeline.is_transient): a bad
file fails at once. Logs carry counts, timings and masked error text, never names or IDs. Task
runs are named after the source key. No postponed annotations here (see flows/nightly.py).
"""

import functools
import time
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.logging.loggers import flow_run_logger
from prefect.tasks import exponential_backoff

from ducpho_etl import cache
from ducpho_etl.config import RunConfig
from ducpho_etl.contracts import PACKAGE_SCHEMAS_DIR, run_contracts
from ducpho_etl.decisions.apply import decisions_digest, decisions_in_force
from ducpho_etl.link.index import RegistryIndex
from ducpho_etl.pipeline import (
    describe_error,
    is_transient,
    read_stage,
    reconcile_stage,
    shared_registry,
)
from ducpho_etl.publish import check_accounting
from ducpho_etl.results import LinkModel, SourceResult, TableReport

RETRIES = 3
RETRY_DELAYS = exponential_backoff(backoff_factor=2)  # 2, 4, 8 s


class SourceFailed(RuntimeError):
    """A source could not be processed; the message is safe to log (identifiers masked)."""


class StageError(RuntimeError):
    """What a task raises instead of the original error: a masked message (Prefect logs it with
    its traceback) and whether a retry may help. The original is not chained, so its text and
    values never reach the logs."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _guarded(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StageError:
            raise
        except Exception as exc:
            raise StageError(describe_error(exc), is_transient(exc)) from None
    return wrapper


def retry_transient(task, task_run, state) -> bool:
    """retry_condition_fn: retry an I/O hiccup, never a bad file or a bug."""
    try:
        state.result()
    except StageError as exc:
        return exc.transient
    except Exception as exc:  # noqa: BLE001 - classified below
        return is_transient(exc)
    return False


IO_RETRIES = {"retries": RETRIES, "retry_delay_seconds": RETRY_DELAYS, "retry_jitter_factor": 0.5,
              "retry_condition_fn": retry_transient, "cache_policy": NO_CACHE}


@task(name="fingerprint", task_run_name="fingerprint-{source_dir.name}", **IO_RETRIES)
@_guarded
def fingerprint_task(source_dir: Path) -> list[dict]:
    return cache.source_fingerprint(source_dir)


@task(name="registry", **IO_RETRIES)
@_guarded
def registry_task(input_dir: Path, registry_year: int) -> tuple[pl.DataFrame, RegistryIndex]:
    """The raw registry and the prepared one's linkage index, built once per process and shared
    by every source."""
    return shared_registry(input_dir, registry_year)


@task(name="read", task_run_name="read-{key}", **IO_RETRIES)
@_guarded
def read_task(config: RunConfig, key: str) -> tuple[pl.DataFrame, list[TableReport]]:
    return read_stage(config.input_dir, run_contracts(config)[key])


@task(name="decisions", task_run_name="decisions-{key}", **IO_RETRIES)
@_guarded
def decisions_task(config: RunConfig, key: str) -> pl.DataFrame:
    """The officers' and agencies' decisions in force for this source (the store of the output
    folder, or DUCPHO_DB_URL). A store that cannot be read fails the source: publishing without
    its decisions would silently undo them."""
    return decisions_in_force(config.output_dir, key, config.db_url)


@task(name="reconcile", task_run_name="reconcile-{key}", cache_policy=NO_CACHE)
@_guarded
def reconcile_task(raw: pl.DataFrame, key: str, registry: tuple[pl.DataFrame, RegistryIndex],
                   config: RunConfig, decisions: pl.DataFrame | None = None
                   ) -> tuple[pl.DataFrame, pl.DataFrame, LinkModel]:
    """(reconciliation, cleaned, the linkage model's summary)."""
    registry_raw, index = registry
    return reconcile_stage(raw, run_contracts(config)[key], index, registry_raw, config.data_year,
                           decisions)


@task(name="cache-load", task_run_name="cache-load-{source}", cache_policy=NO_CACHE)
@_guarded
def cache_load_task(cache_dir: Path, cache_key: str, source: str) -> SourceResult | None:
    return cache.load(cache_dir, cache_key)


@task(name="cache-store", task_run_name="cache-store-{source}", **IO_RETRIES)
@_guarded
def cache_store_task(cache_dir: Path, cache_key: str, source: str, result: SourceResult) -> None:
    cache.store(cache_dir, cache_key, result)


@flow(name="source", flow_run_name="{key}", log_prints=False)
def source_flow(key: str, config: RunConfig, registry_files: list[dict]) -> SourceResult:
    """One source's result; raises SourceFailed (this subflow fails, the run goes on)."""
    context = FlowRunContext.get()  # this subflow's logger (it runs inside a task's thread)
    logger = flow_run_logger(context.flow_run, context.flow) if context else get_run_logger()
    started = time.perf_counter()
    contract = run_contracts(config)[key]
    cache_dir = config.cache_dir
    try:
        files = fingerprint_task(config.input_dir / key)
        decisions = decisions_task(config, key)
        cache_key = cache.cache_key(key, files, registry_files, config.data_year,
                                    registry_year=config.registry_year,
                                    schemas=config.schemas_dir or PACKAGE_SCHEMAS_DIR,
                                    decisions=decisions_digest(decisions))
        cached = None if config.force or not config.cache \
            else cache_load_task(cache_dir, cache_key, key)
        if cached is not None:
            cached.seconds = round(time.perf_counter() - started, 3)
            logger.info("source %s: %d rows from cache (inputs and code unchanged)", key,
                        cached.raw_rows)
            return cached
        result = SourceResult(key=key, label=contract.label, raw_rows=0, reconciliation=None,
                              cleaned=None, cache_key=cache_key)
        t0 = time.perf_counter()
        raw, result.files = read_task(config, key)
        result.raw_rows = raw.height
        result.stages["read"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        registry = registry_task(config.input_dir, config.registry_year)
        result.stages["registry"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        result.reconciliation, result.cleaned, result.link_model = reconcile_task(
            raw, key, registry, config, decisions)
        result.stages["reconcile"] = round(time.perf_counter() - t0, 3)
        check_accounting(result)
    except Exception as exc:
        message = str(exc) if isinstance(exc, StageError) else describe_error(exc)
        logger.error("source %s failed: %s", key, message)
        raise SourceFailed(message) from None
    try:  # a cache that cannot be written costs the next run time, never this run its result
        if config.cache:
            cache_store_task(cache_dir, cache_key, key, result)
    except Exception as exc:  # noqa: BLE001
        logger.warning("source %s: result not cached: %s", key, exc)
    result.seconds = round(time.perf_counter() - started, 3)
    counts = dict(result.reconciliation["status"].value_counts().sort("status").rows())
    logger.info("source %s: %d rows in %d files, %.1f s (%s), statuses %s", key, result.raw_rows,
                len({f["file"] for f in result.files}), result.seconds, result.stages, counts)
    return result
