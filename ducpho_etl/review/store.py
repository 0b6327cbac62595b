"""The workbench's one door to the decision store (ducpho_etl.decisions, owned by the decisions
package): opening it, and the decision an officer's key press makes."""

from __future__ import annotations

import uuid
from pathlib import Path

from ducpho_etl.clock import utc_now

try:
    from ducpho_etl.decisions import Decision, DecisionStore, open_store, row_content_key
except ImportError:  # pragma: no cover - until the decisions package lands on this branch
    from ducpho_etl.review._interim_store import (  # type: ignore[assignment]
        Decision,
        DecisionStore,
        open_store,
        row_content_key,
    )

VERDICTS = {"match", "not_in_registry", "new_resident"}  # "skip" is not stored

__all__ = ["VERDICTS", "Decision", "DecisionStore", "make_decision", "open_review_store",
           "row_content_key"]


def open_review_store(output: Path, url: str | None = None) -> DecisionStore:
    return open_store(Path(output), url)


def make_decision(*, source: str, row_key: str, verdict: str, person_id: str | None,
                  author: str, note: str, evidence: dict) -> Decision:
    """An officer's decision on one row, dated now (UTC; shown in Việt Nam time)."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    return Decision(decision_id=uuid.uuid4().hex, source=source, row_key=row_key,
                    verdict=verdict, person_id=person_id if verdict == "match" else None,
                    author=author, author_kind="officer", note=note.strip(),
                    decided_utc=utc_now(), evidence=evidence)
