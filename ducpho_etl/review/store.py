"""The workbench's one door to the decision store (ducpho_etl.decisions, owned by that
package): opening it, and the decision an officer's key press makes."""

from __future__ import annotations

from pathlib import Path

from ducpho_etl.decisions import (
    Decision,
    DecisionStore,
    evidence_of_row,
    new_decision,
    open_store,
    row_content_key,
)
from ducpho_etl.privacy import mask_id

VERDICTS = {"match", "not_in_registry", "new_resident"}  # an officer's "skip" is not stored

__all__ = ["VERDICTS", "Decision", "DecisionStore", "make_decision", "open_review_store",
           "row_content_key"]


def open_review_store(output: Path, url: str | None = None) -> DecisionStore:
    """OUTPUT/decisions.sqlite, or `url` / $DUCPHO_DB_URL (PostgreSQL)."""
    return open_store(Path(output), url)


def make_decision(*, row: dict, verdict: str, person_id: str | None, author: str, note: str,
                  run_id: str) -> Decision:
    """An officer's decision on one published row, with the evidence the next run checks it
    against (evidence_of_row: masked IDs only), the run it was made on and the masked choice."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    evidence = {**evidence_of_row(row), "run_id": run_id,
                "chosen": mask_id(person_id) if person_id else None}
    return new_decision(row["source"], row["row_key"], verdict,
                        person_id if verdict == "match" else None, author, "officer",
                        note.strip(), evidence)
