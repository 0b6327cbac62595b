"""The rows waiting for an officer, read from the latest published run: `review` and
`not_found` data rows of every source, with their content key (the decision store's key),
filters by source, status, commune and reason, and counts for each filter value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ducpho_etl.publish import latest_run, read_manifest
from ducpho_etl.review.store import row_content_key

QUEUE_STATUSES = ["review", "not_found"]
FILTERS = ["source", "status", "commune", "reason"]
PAGE_ROWS = 1000


@dataclass(frozen=True)
class Snapshot:
    """The queue rows of one published run (all their reconciliation columns, plus `pos`:
    the row's position in its source's parquet, `row_key` and `commune`)."""

    run_id: str
    run_dir: Path
    manifest: dict
    labels: dict[str, str]
    rows: pl.DataFrame

    def row(self, source: str, pos: int) -> dict | None:
        found = self.rows.filter((pl.col("source") == source) & (pl.col("pos") == pos))
        return found.row(0, named=True) if found.height else None


def load_snapshot(output: Path) -> Snapshot | None:
    """The latest run's queue, or None when nothing is published yet."""
    run_dir = latest_run(Path(output))
    if run_dir is None:
        return None
    manifest = read_manifest(run_dir)
    order = manifest.get("selected_sources") or []
    labels = {c["source"]: c["label"] for c in manifest.get("counts", [])}
    frames = []
    paths = sorted((run_dir / "reconciliation").glob("*.parquet"),
                   key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    for path in paths:
        # only the queued rows are read past their status (a few percent of a source)
        recon = (pl.scan_parquet(path).with_row_index("pos")
                 .filter(pl.col("status").is_in(QUEUE_STATUSES) & (pl.col("row_kind") == "data"))
                 .collect())
        frames.append(recon.with_columns(row_content_key(recon).alias("row_key")))
    rows = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if rows.height:
        rows = rows.with_columns(
            pl.col("pos").cast(pl.Int64),
            pl.coalesce(pl.col("commune_2025_name"), pl.lit("Không rõ xã/phường"))
            .alias("commune"))
    return Snapshot(run_dir.name, run_dir, manifest, labels, rows)


def _matches(name: str, value: str) -> pl.Expr:
    if name == "reason":
        return pl.col("reason_codes").list.contains(value)
    return pl.col(name) == value


def apply_filters(rows: pl.DataFrame, chosen: dict[str, str], skip: str | None = None
                  ) -> pl.DataFrame:
    """The rows that pass every chosen filter (but `skip`)."""
    for name, value in chosen.items():
        if value and name != skip and name in FILTERS:
            rows = rows.filter(_matches(name, value))
    return rows


def facet_counts(rows: pl.DataFrame, chosen: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Per filter, each value with the count of rows it would give together with the other
    chosen filters (largest first)."""
    counts = {}
    for name in FILTERS:
        base = apply_filters(rows, chosen, skip=name)
        column = base["reason_codes"].explode() if name == "reason" else base[name]
        table = column.drop_nulls().value_counts(sort=True)
        counts[name] = [(str(v), int(n)) for v, n in table.iter_rows()]
    return counts


def decided_mask(rows: pl.DataFrame, decided: set[tuple[str, str]]) -> pl.Series:
    """True for the rows that already carry a current decision."""
    if not decided:
        return pl.Series("decided", [False] * rows.height, pl.Boolean)
    keys = pl.DataFrame({"source": [s for s, _ in decided], "row_key": [k for _, k in decided]},
                        schema={"source": pl.Utf8, "row_key": pl.Utf8})
    return rows.select(pl.struct("source", "row_key").is_in(
        keys.select(pl.struct("source", "row_key")).to_series().implode()))[:, 0]


def evidence_of(row: dict) -> dict:
    try:
        return json.loads(row.get("evidence") or "null") or {}
    except ValueError:
        return {}
