"""What a run produces, at the bottom of the house: statuses, summary columns, a source's result.

Every layer may import this module; it imports nothing of ducpho_etl.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, NotRequired, Required, TypedDict

import polars as pl

STATUSES = ["matched", "duplicate", "deceased", "review", "not_found", "rejected"]
SUMMARY_COLUMNS = ["source", "label", "raw_rows", "cleaned", "duplicate", "deceased", "review",
                   "not_found", "rejected"]


SourceState = Literal["fresh", "cached", "stale", "carried_over", "failed"]
"""How a run got a source's result: "fresh" (computed now), "cached" (same inputs and code as an
earlier computation), "stale" (this run failed: the previous good result is kept),
"carried_over" (not selected in this run: copied from the previous latest run) or "failed"
(failed, and no earlier result exists: all counts 0)."""


class LinkModel(TypedDict, total=False):
    """The linkage model a source was linked with (link.weights.WeightModel.summary and the
    decision rule; no personal data), as manifest.json records it under `link_model`."""

    kind: Literal["estimated", "fallback"]
    exact_links: int
    u_pairs: int
    registry_size: int
    weights: dict[str, dict[str, float]]
    prior_log2_odds: float
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    decision: dict


class ColumnMapping(TypedDict):
    """How one column of a table was mapped (ingest.headers.ColumnMatch as JSON)."""

    column: int
    header: str
    field: str | None
    how: str


class TableReport(TypedDict, total=False):
    """What reading one table (a CSV/TXT file or one sheet) found, as manifest.json records it
    under `sources.<key>.files`: JSON-shaped, and a skipped file or sheet has only some keys,
    so a typed dict rather than a class with a second serialiser. Built in ingest.source."""

    file: Required[str]
    sheet: str | None
    encoding: str
    sheet_state: NotRequired[str]  # "hidden" / "veryHidden" sheets only
    header_row: int | None
    data_rows: int
    total_rows: int
    blank_rows: int
    repeated_headers: int
    footer_rows: int
    repaired_cells: int
    unknown_headers: list[str]
    size_bytes: int
    sha256: str
    columns: list[ColumnMapping]
    identity_gaps: list[str]
    identity_complete: bool
    column_letters: dict[str, str]
    name_columns: NotRequired[list[str]]  # a name split over several columns
    unnamed_columns: NotRequired[dict[str, int]]  # letter -> filled cells under no header
    ledger: dict[str, int | str]  # ingest.ledger.Ledger.as_dict(): physical rows by kind
    skipped: NotRequired[str]  # why the table or file was not read


@dataclass
class SourceResult:
    key: str
    label: str
    raw_rows: int
    reconciliation: pl.DataFrame | None
    cleaned: pl.DataFrame | None
    files: list[TableReport] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    state: SourceState = "fresh"
    cache_key: str | None = None
    from_run: str | None = None  # run whose folder the result was copied from (stale, carried_over)
    as_of: str | None = None  # Việt Nam date (ISO) of the computation the result comes from
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    link_model: LinkModel = field(default_factory=dict)  # type: ignore[assignment]

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class SourceRecord:
    """manifest.json's record of one source (`sources.<key>`): where its result comes from,
    counts, timings and the linkage model. Written only through to_json()."""

    state: SourceState
    ok: bool
    stale: bool
    carried_over: bool
    from_cache: bool
    from_run: str | None
    as_of: str | None
    error: str | None
    cache_key: str | None
    files: list[TableReport]
    identity_complete: bool
    identity_gaps: list[dict]
    raw_rows: int
    counts: dict[str, int]
    seconds: float
    stages: dict[str, float]
    link_model: LinkModel
    officer: dict  # rows settled by officers' or agencies' decisions, counted apart

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunOutcome:
    """What one nightly run did, as the flow returns it and the CLI prints it (counts, states and
    messages only, no personal data): the published run folder, when it started, the failed
    sources with their errors, the summary rows (summary.csv's) and the manifest's record of
    each source (SourceRecord.to_json)."""

    run_dir: str
    started_utc: str
    started_vn: str
    failed: dict[str, str]
    summary: list[dict]
    sources: dict[str, dict]
