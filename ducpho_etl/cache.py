"""A content-keyed cache of per-source results (no Prefect): OUTPUT/.cache/<key>/.

The key is the sha256 of everything a source's result depends on: the source key, the content
hash of each of its extract files (relative path + sha256), the registry files' hashes, the data
year, the registry's year (when not the default) and the code version (package version + a hash
of ducpho_etl/**/*.py and schemas/**). A changed byte in any of them gives a new key, so a stale
hit is impossible; an unchanged source is read back from Parquet instead of recomputed. Entries
are written to a temporary folder and renamed into place, so an interrupted write never leaves a
half entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import PACKAGE_SCHEMAS_DIR, schemas_dir
from ducpho_etl.ingest.files import file_fingerprint
from ducpho_etl.ingest.listing import list_extracts
from ducpho_etl.privacy import owner_only_dir, restrict
from ducpho_etl.registry import registry_files
from ducpho_etl.results import SourceResult

PACKAGE_DIR = Path(__file__).resolve().parent
KEEP_PER_SOURCE = 3  # entries kept per source: older ones are pruned after each store


@lru_cache(maxsize=1)
def code_version() -> str:
    """'<package version>+<12 hex digits of the code and schemas' hash>'."""
    try:
        package = version("ducpho-etl")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        package = "0"
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(p for p in PACKAGE_SCHEMAS_DIR.rglob("*")
                                                       if p.is_file())
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.as_posix().rsplit("/ducpho_etl/", 1)[-1].encode())
        digest.update(path.read_bytes())
    return f"{package}+{digest.hexdigest()[:12]}"


def source_fingerprint(source_dir: Path) -> list[dict]:
    """[{file, size_bytes, sha256}] of the extract files of one source folder ([] if none),
    then one {file, error} per entry that could not be listed (an unreadable folder, a link not
    followed): they enter the cache key, so a broken folder is never "unchanged"."""
    if not source_dir.is_dir():
        return []
    listing = list_extracts(source_dir)
    return ([{"file": p.relative_to(source_dir).as_posix(), **file_fingerprint(p)}
             for p in listing.files]
            + [{"file": e.split(":", 1)[0], "error": e} for e in listing.errors])


def registry_fingerprint(registry_dir: Path) -> list[dict]:
    """[{file, size_bytes, sha256}] of the registry's files; RegistryError when there is none."""
    return [{"file": p.name, **file_fingerprint(p)} for p in registry_files(registry_dir)]


def schemas_in_use_digest(folder: Path | None = None) -> str | None:
    """Hash of the schemas folder the run's contracts come from (`folder`; default the one in
    use, $DUCPHO_SCHEMAS_DIR) when it is not the package's: a contract edited there must change
    the key, as an edit of the package's own does through code_version(). None for the
    package's folder, so those keys stay as they were."""
    folder = folder or schemas_dir()
    if folder.resolve() == PACKAGE_SCHEMAS_DIR.resolve():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(source: str, files: list[dict], registry: list[dict], data_year: int,
              code: str | None = None, schemas: Path | None = None,
              decisions: str | None = None,
              registry_year: int = REGISTRY_REFERENCE_YEAR) -> str:
    payload = {
        "source": source, "data_year": data_year, "code": code or code_version(),
        "files": sorted((f["file"], f["sha256"]) for f in files if "sha256" in f),
        "registry": sorted((f["file"], f["sha256"]) for f in registry),
    }
    digest = schemas_in_use_digest(schemas)
    if digest is not None:
        payload["schemas"] = digest
    if registry_year != REGISTRY_REFERENCE_YEAR:  # only then: keys of the default stay as they were
        payload["registry_year"] = registry_year
    if decisions is not None:  # the officers' decisions in force (only then: other keys unchanged)
        payload["decisions"] = decisions
    errors = sorted(f["error"] for f in files if "error" in f)
    if errors:  # only then: keys of sound folders stay as they were
        payload["listing_errors"] = errors
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load(cache_dir: Path, key: str) -> SourceResult | None:
    """The cached result for this key, or None (a damaged entry counts as a miss)."""
    entry = cache_dir / key
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        recon = pl.read_parquet(entry / "reconciliation.parquet")
        cleaned = pl.read_parquet(entry / "cleaned.parquet")
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    return SourceResult(key=meta["source"], label=meta["label"], raw_rows=meta["raw_rows"],
                        reconciliation=recon, cleaned=cleaned, files=meta["files"],
                        state="cached", cache_key=key, link_model=meta.get("link_model", {}))


def store(cache_dir: Path, key: str, result: SourceResult) -> None:
    """Write one entry atomically; keep the newest KEEP_PER_SOURCE entries of that source."""
    if result.error or result.reconciliation is None or result.cleaned is None:
        return
    final = cache_dir / key
    if final.exists():
        return
    owner_only_dir(cache_dir)
    tmp = cache_dir / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        result.reconciliation.write_parquet(tmp / "reconciliation.parquet")
        result.cleaned.write_parquet(tmp / "cleaned.parquet")
        meta = {"source": result.key, "label": result.label, "raw_rows": result.raw_rows,
                "files": result.files, "link_model": result.link_model, "code": code_version()}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        restrict(tmp)  # personal data: owner-only whatever the umask
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.exists():
            raise
    _prune(cache_dir, result.key)


def _prune(cache_dir: Path, source: str) -> None:
    entries = []
    for entry in cache_dir.iterdir():
        if entry.name.startswith("."):
            continue
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("source") == source:
            entries.append((entry.stat().st_mtime_ns, entry))
    for _, entry in sorted(entries, reverse=True)[KEEP_PER_SOURCE:]:
        shutil.rmtree(entry, ignore_errors=True)
