"""The pipeline as plain functions (no Prefect): the flows call these as tasks."""

from __future__ import annotations

import platform
import time
from importlib.metadata import version
from pathlib import Path

import polars as pl

from ducpho_etl.contracts import SourceContract, load_sources
from ducpho_etl.ingest import IngestError, read_source
from ducpho_etl.privacy import scrub
from ducpho_etl.publish import SourceResult
from ducpho_etl.reconcile import cleaned_records, reconcile_source

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


def unknown_folders(input_dir: Path) -> list[str]:
    """Folders under INPUT that no contract claims (their files cannot be told apart)."""
    known = set(load_sources()) | {"registry"}
    return sorted(p.name for p in input_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and p.name not in known)


def process_source(input_dir: Path, contract: SourceContract, registry: pl.DataFrame,
                   registry_raw: pl.DataFrame, data_year: int = 2023) -> SourceResult:
    """Read, normalise, validate and link one source; a bad source fails alone."""
    started = time.perf_counter()
    folder = input_dir / contract.key
    result = SourceResult(key=contract.key, label=contract.label, raw_rows=0,
                          reconciliation=None, cleaned=None)
    try:
        if not folder.is_dir():
            raise SourceMissing(contract.key, "thư mục nguồn không có (source folder missing)")
        raw, files = read_source(folder, contract)
        result.files, result.raw_rows = files, raw.height
        recon = reconcile_source(raw, contract, registry, data_year)
        result.reconciliation = recon
        result.cleaned = cleaned_records(recon, registry_raw)
    except (IngestError, OSError, ValueError) as exc:
        result.error = scrub(f"{type(exc).__name__}: {exc}")
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
