"""The pipeline as plain functions (no Prefect): the flows call these as tasks."""

from __future__ import annotations

import errno
import platform
import threading
from importlib.metadata import version
from pathlib import Path

import polars as pl

from ducpho_etl import progress
from ducpho_etl.contracts import SourceContract, load_sources
from ducpho_etl.ingest import IngestError, read_source
from ducpho_etl.link.index import RegistryIndex, build_index
from ducpho_etl.privacy import scrub
from ducpho_etl.reconcile import cleaned_records, reconcile_source
from ducpho_etl.registry import load_prepared_registry
from ducpho_etl.results import LinkModel, TableReport

PACKAGES = ["ducpho-etl", "polars", "pandera", "prefect", "rapidfuzz", "fastexcel", "pyarrow"]


def select_sources(names: list[str] | tuple[str, ...] | None,
                   sources: dict[str, SourceContract] | None = None) -> dict[str, SourceContract]:
    """The named contracts of `sources` (default: those of the schemas folder in use), or all."""
    sources = load_sources() if sources is None else sources
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


def unknown_folders(input_dir: Path, sources: dict[str, SourceContract] | None = None
                    ) -> list[str]:
    """Folders under INPUT that no contract claims (their files cannot be told apart)."""
    known = set(load_sources() if sources is None else sources) | {"registry"}
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


def shared_registry(input_dir: Path, registry_year: int) -> tuple[pl.DataFrame, RegistryIndex]:
    """(raw registry, linkage index of the one prepared as of `registry_year`), loaded and
    indexed once per process even when sources run in threads."""
    with _REGISTRY_LOCK:
        raw, prepared, _ = load_prepared_registry(input_dir / "registry", registry_year)
        if not _INDEX or _INDEX[0][0] is not prepared:
            _INDEX[:] = [(prepared, build_index(prepared))]
        return raw, _INDEX[0][1]


def read_stage(input_dir: Path, contract: SourceContract
               ) -> tuple[pl.DataFrame, list[TableReport]]:
    """Read every extract of one source (raw frame + per-file reports). Raises on a bad source."""
    raw, files = read_source(input_dir / contract.key, contract, on_file=progress.file_reporter(contract.key))
    progress.emit(contract.key, stage="link", rows=raw.height)
    return raw, files


def reconcile_stage(raw: pl.DataFrame, contract: SourceContract, index: RegistryIndex,
                    registry_raw: pl.DataFrame, data_year: int,
                    decisions: pl.DataFrame | None = None
                    ) -> tuple[pl.DataFrame, pl.DataFrame, LinkModel]:
    """Normalise, validate, link and apply the decisions in force: (reconciliation rows,
    cleaned records, linkage model)."""
    recon, link_model = reconcile_source(raw, contract, index, data_year, decisions)
    return recon, cleaned_records(recon, registry_raw), link_model


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing optional package is just not listed
            continue
    return found
