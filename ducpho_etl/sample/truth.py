"""Expected statuses (decided in reading order) and the truth/summary files."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from .people import World

STATUSES = ["matched", "duplicate", "deceased", "review", "not_found", "rejected"]
TRUTH_SCHEMA = {
    "source": pl.Utf8, "source_file": pl.Utf8, "source_row": pl.Int64, "sheet": pl.Utf8,
    "expected_status": pl.Utf8, "true_person_id": pl.Utf8, "noise": pl.List(pl.Utf8),
}


def assign_statuses(w: World, rows: list[dict]) -> None:
    """rows of ONE source, in reading order (files sorted by relative path, sheets, rows).

    Each row has "_person" (world index or None) and, for review/rejected, a preset status.
    """
    seen: dict[int, str] = {}  # person -> file of the first row
    for r in rows:
        p = r.pop("_person")
        if r.get("expected_status"):
            if r["expected_status"] == "review":
                r["true_person_id"] = w.id12[p]
            continue
        if p in seen and p < w.n_reg:  # a registry person's later row
            r["expected_status"] = "duplicate"
            if seen[p] != r["source_file"]:
                r["noise"] = [*r["noise"], "dup_other_file"]
        elif p < w.n_reg:
            r["expected_status"] = "matched" if w.alive[p] else "deceased"
        else:  # someone from elsewhere, also when repeated (see reconcile._assign_statuses)
            r["expected_status"] = "not_found"
        seen.setdefault(p, r["source_file"])
        if p < w.n_reg:
            r["true_person_id"] = w.id12[p]


def write_truth(out: Path, rows: list[dict], sources: list[str], labels: dict[str, str]) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    df = pl.DataFrame(rows, schema=TRUTH_SCHEMA) if rows else pl.DataFrame(
        schema=TRUTH_SCHEMA)
    df.write_parquet(out / "truth.parquet")
    summary: dict[str, dict[str, int]] = {}
    for s in sources:
        summary[s] = {"raw_rows": 0, **{k: 0 for k in STATUSES}}
    for r in rows:
        c = summary[r["source"]]
        c["raw_rows"] += 1
        c[r["expected_status"]] += 1
    total = {"raw_rows": 0, **{k: 0 for k in STATUSES}}
    for c in summary.values():
        for k, v in c.items():
            total[k] += v
    with (out / "summary.csv").open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(["source", "raw_rows", "cleaned", "duplicate", "deceased", "review",
                     "not_found", "rejected"])
        for s, c in [*summary.items(), ("total", total)]:
            wr.writerow([s, c["raw_rows"], c["matched"], c["duplicate"], c["deceased"],
                         c["review"], c["not_found"], c["rejected"]])
    summary["total"] = total
    return summary
