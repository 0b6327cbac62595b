"""Measure a published run against the generator's truth (the pipeline itself never reads it)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

KEY = ["source", "source_file", "sheet", "source_row"]
LINK_STATUSES = ["matched", "duplicate", "deceased"]


def load_run(run_dir: Path) -> pl.DataFrame:
    files = sorted((run_dir / "reconciliation").glob("*.parquet"))
    return pl.concat([pl.read_parquet(f).select(*KEY, "status", "person_id") for f in files],
                     how="vertical_relaxed")


def evaluate(run_dir: Path, truth_dir: Path) -> dict:
    """Link precision/recall, status agreement, per-source cleaned counts, rows lost."""
    run = load_run(run_dir)
    truth = pl.read_parquet(truth_dir / "truth.parquet")
    both = truth.join(run, on=KEY, how="full", coalesce=True, nulls_equal=True)
    lost = both.filter(pl.col("status").is_null()).height
    extra = both.filter(pl.col("expected_status").is_null()).height
    both = both.filter(pl.col("status").is_not_null() & pl.col("expected_status").is_not_null())
    linked = pl.col("person_id").is_not_null() & pl.col("status").is_in(LINK_STATUSES)
    true_link = (pl.col("true_person_id").is_not_null()
                 & pl.col("expected_status").is_in(LINK_STATUSES))
    correct = linked & (pl.col("person_id") == pl.col("true_person_id"))
    made = both.filter(linked).height
    due = both.filter(true_link).height
    right = both.filter(correct).height
    right_due = both.filter(correct & true_link).height
    per_source = (both.group_by("source").agg(
        (pl.col("status") == "matched").sum().alias("cleaned"),
        (pl.col("expected_status") == "matched").sum().alias("cleaned_truth"),
        (pl.col("status") == pl.col("expected_status")).mean().alias("status_agreement"),
    ).sort("source"))
    confusion = (both.group_by("expected_status", "status").len()
                 .sort("expected_status", "status"))
    noise = _recall_by_noise(both, linked, true_link, correct) if "noise" in both.columns else None
    return {
        "precision": right / made if made else 1.0,
        "recall": right_due / due if due else 1.0,
        "links_made": made, "links_due": due, "links_correct": right,
        "rows_lost": lost, "rows_extra": extra,
        "status_agreement": both.select((pl.col("status") == pl.col("expected_status")).mean()).item(),
        "per_source": per_source, "confusion": confusion, "by_noise": noise,
    }


def _recall_by_noise(both: pl.DataFrame, linked: pl.Expr, true_link: pl.Expr,
                     correct: pl.Expr) -> pl.DataFrame:
    return (both.filter(true_link).with_columns(ok=correct).explode("noise")
            .group_by("noise").agg(pl.len().alias("rows"), pl.col("ok").mean().alias("recall"))
            .sort("noise"))
