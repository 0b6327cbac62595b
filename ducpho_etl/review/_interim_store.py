"""Stand-in for ducpho_etl.decisions until it is merged (same interface, in memory).
Deleted once the real store is on this branch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class Decision:
    decision_id: str
    source: str
    row_key: str
    verdict: str
    person_id: str | None
    author: str
    author_kind: str
    note: str
    decided_utc: datetime
    evidence: dict


def row_content_key(frame: pl.DataFrame) -> pl.Series:
    cols = [c for c in frame.columns if c == "source" or c.startswith("raw_")]
    text = pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in cols], separator="\x1f")
    keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in frame.select(text)[:, 0]]
    return pl.Series("row_key", keys, pl.Utf8)


class DecisionStore:
    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.users: dict[str, tuple[str, str, bool]] = {}
        self.accesses: list[tuple] = []

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def current(self, source: str | None = None) -> list[Decision]:
        latest: dict[tuple[str, str], Decision] = {}
        for d in self.decisions:
            if source is None or d.source == source:
                latest[(d.source, d.row_key)] = d
        return list(latest.values())

    def history(self, limit: int = 200, source: str | None = None) -> list[Decision]:
        found = [d for d in self.decisions if source is None or d.source == source]
        return found[::-1][:limit]

    def add_user(self, name: str, password_hash: str) -> None:
        self.users[name] = (name, password_hash, True)

    def get_user(self, name: str):
        return self.users.get(name)

    def log_access(self, user: str, source: str, row_key: str, action: str) -> None:
        self.accesses.append((datetime.now(), user, source, row_key, action))

    def access_log(self, limit: int = 200) -> list[tuple]:
        return self.accesses[::-1][:limit]


_STORES: dict[Path, DecisionStore] = {}


def open_store(output_dir: Path, url: str | None = None) -> DecisionStore:
    return _STORES.setdefault(Path(output_dir).resolve(), DecisionStore())
