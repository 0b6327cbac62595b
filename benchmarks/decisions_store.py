"""What decisions cost a run: the content key of every row of a published run's sources, and
reading the decisions in force from a store holding many.

    python benchmarks/decisions_store.py OUTPUT [N_DECISIONS]

Prints rows keyed per second per source and the time to record and read N decisions (SQLite in
a temporary folder; DUCPHO_DB_URL for another database). Figures only, no personal data.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from ducpho_etl.decisions import new_decision, open_store, row_content_key
from ducpho_etl.decisions.apply import decisions_in_force


def main(output: Path, n: int) -> None:
    recon_dir = output / "latest" / "reconciliation"
    for path in sorted(recon_dir.glob("*.parquet")):
        frame = pl.read_parquet(path)
        started = time.perf_counter()
        keys = row_content_key(frame)
        seconds = time.perf_counter() - started
        print(f"{path.stem:16s} {frame.height:>9,} rows keyed in {seconds:6.2f} s "
              f"({frame.height / max(seconds, 1e-9):>10,.0f} rows/s, {keys.n_unique():,} distinct)")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        batch = [new_decision("bhxh", f"{i:064x}", "not_in_registry", None, "bench", "officer")
                 for i in range(n)]
        started = time.perf_counter()
        store.record_many(batch)
        recorded = time.perf_counter() - started
        store.close()
        started = time.perf_counter()
        frame = decisions_in_force(Path(tmp), "bhxh")
        read = time.perf_counter() - started
        print(f"{n:,} decisions recorded in {recorded:.2f} s; in force read back ({frame.height:,}) "
              f"in {read:.2f} s ({store.dialect})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
