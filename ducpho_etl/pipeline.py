"""The pipeline as plain functions (no Prefect): the flows call these as tasks."""

from __future__ import annotations

import errno
import platform
import threading
import time
from importlib.metadata import version
from pathlib import Path

import polars as pl

from ducpho_etl import config, progress
from ducpho_etl.contracts import SourceContract, load_sources
from ducpho_etl.ingest import IngestError, read_source
from ducpho_etl.link.index import RegistryIndex, build_index
from ducpho_etl.privacy import scrub
from ducpho_etl.publish import SourceResult
from ducpho_etl.reconcile import cleaned_records, reconcile_source
from ducpho_etl.registry import load_prepared_registry

MAX_WORKERS = config.max_workers()
PACKAGES = ["ducpho-etl", "polars", "pandera", "prefect", "rapidfuzz", "fastexcel", "pyarrow"]


class SourceMissing(IngestError):
    """The source folder is missing or holds no extract."""


def select_sources(names: list[str] | None) -> dict[str, SourceContract]:
    sources = load_sources()
    if not names:
        return sources
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise KeyError(f"unknown source(s) {unknown}; known: {list(sources)}")
    return {n: sources[n] for n in names}


def largest_first(input_dir: Path, keys: list[str]) -> list[str]:
    """Source keys by the size of their input folder, largest first: with a few workers, the
    longest source starts at once instead of last (a missing folder sorts last)."""
    def size(key: str) -> int:
        folder = input_dir / key
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) \
            if folder.is_dir() else -1
    return sorted(keys, key=size, reverse=True)


def unknown_folders(input_dir: Path) -> list[str]:
    """Folders under INPUT that no contract claims (their files cannot be told apart)."""
    known = set(load_sources()) | {"registry"}
    return sorted(p.name for p in input_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and p.name not in known)


# OS errors worth retrying: a network share or disk that hiccups. Everything else (a missing
# file, no permission, a bad file) fails the same way on every attempt.
TRANSIENT_ERRNOS = {errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE, errno.EBUSY,
                    errno.ENETDOWN, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNRESET,
                    errno.ECONNABORTED, errno.EINTR}


def is_transient(exc: BaseException) -> bool:
    """True for an I/O hiccup that a retry may get past; False for a bad file or a bug."""
    if isinstance(exc, TimeoutError | ConnectionError | InterruptedError | BlockingIOError):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, IngestError) \
        and exc.errno in TRANSIENT_ERRNOS


def describe_error(exc: BaseException) -> str:
    """One line for logs, the manifest and the CLI: type and message, ID numbers masked."""
    return scrub(f"{type(exc).__name__}: {exc}")


_REGISTRY_LOCK = threading.Lock()
_INDEX: list[tuple[pl.DataFrame, RegistryIndex]] = []  # the last prepared registry and its index


def shared_registry(input_dir: Path) -> tuple[pl.DataFrame, RegistryIndex]:
    """(raw registry, linkage index of the prepared one), loaded and indexed once per process
    even when sources run in threads."""
    with _REGISTRY_LOCK:
        raw, prepared, _ = load_prepared_registry(input_dir / "registry")
        if not _INDEX or _INDEX[0][0] is not prepared:
            _INDEX[:] = [(prepared, build_index(prepared))]
        return raw, _INDEX[0][1]


def read_stage(input_dir: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[dict]]:
    """Read every extract of one source (raw frame + per-file reports). Raises on a bad source."""
    folder = input_dir / contract.key
    if not folder.is_dir():
        raise SourceMissing(contract.key, "thư mục nguồn không có (source folder missing)")
    raw, files = read_source(folder, contract, on_file=progress.file_reporter(contract.key))
    progress.emit(contract.key, stage="link", rows=raw.height)
    return raw, files


def reconcile_stage(raw: pl.DataFrame, contract: SourceContract,
                    registry: pl.DataFrame | RegistryIndex, registry_raw: pl.DataFrame,
                    data_year: int = 2023, link_report: dict | None = None
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Normalise, validate and link: (reconciliation rows, cleaned records)."""
    recon = reconcile_source(raw, contract, registry, data_year, link_report)
    return recon, cleaned_records(recon, registry_raw)


def process_source(input_dir: Path, contract: SourceContract,
                   registry: pl.DataFrame | RegistryIndex, registry_raw: pl.DataFrame,
                   data_year: int = 2023) -> SourceResult:
    """Read, normalise, validate and link one source; a bad source fails alone.

    A transient I/O error is raised (the caller may retry); any other error is recorded in the
    result's `error`, with identifiers masked.
    """
    started = time.perf_counter()
    result = SourceResult(key=contract.key, label=contract.label, raw_rows=0,
                          reconciliation=None, cleaned=None)
    try:
        t0 = time.perf_counter()
        raw, files = read_stage(input_dir, contract)
        result.files, result.raw_rows = files, raw.height
        result.stages["read"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        result.reconciliation, result.cleaned = reconcile_stage(
            raw, contract, registry, registry_raw, data_year, result.link_model)
        result.stages["reconcile"] = round(time.perf_counter() - t0, 3)
    except Exception as exc:
        if is_transient(exc):
            raise
        result.error = describe_error(exc)
        result.state = "failed"
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing optional package is just not listed
            continue
    return found
