"""File fingerprints for the manifest and for content-keyed caching."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_fingerprint(path: Path) -> dict:
    return {"size_bytes": path.stat().st_size, "sha256": sha256_of(path)}
