"""What a run produces, at the bottom of the house: statuses, summary columns, a source's result.

Every layer may import this module; it imports nothing of ducpho_etl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

STATUSES = ["matched", "duplicate", "deceased", "review", "not_found", "rejected"]
SUMMARY_COLUMNS = ["source", "label", "raw_rows", "cleaned", "duplicate", "deceased", "review",
                   "not_found", "rejected"]


@dataclass
class SourceResult:
    key: str
    label: str
    raw_rows: int
    reconciliation: pl.DataFrame | None
    cleaned: pl.DataFrame | None
    files: list[dict] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    # How this run got the result: "fresh" (computed now), "cached" (same inputs and code as an
    # earlier computation), "stale" (this run failed: the previous good result is kept),
    # "carried_over" (not selected in this run: copied from the previous latest run) or
    # "failed" (failed, and no earlier result exists: all counts 0).
    state: str = "fresh"
    cache_key: str | None = None
    from_run: str | None = None  # run whose folder the result was copied from (stale, carried_over)
    as_of: str | None = None  # Việt Nam date (ISO) of the computation the result comes from
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    # the linkage model used: weights estimated or fallback, sample sizes, weights, m, u and the
    # decision thresholds (link.weights.WeightModel.summary; no personal data)
    link_model: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None
