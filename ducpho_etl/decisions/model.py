"""An officer's or an agency's decision on one reconciliation row: what it says and who said it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

Verdict = Literal["match", "not_in_registry", "new_resident", "duplicate"]
AuthorKind = Literal["officer", "agency"]
VERDICTS: tuple[str, ...] = get_args(Verdict)
AUTHOR_KINDS: tuple[str, ...] = get_args(AuthorKind)
# verdicts that name the registry person the row is
WITH_PERSON = ("match", "duplicate")
_ID12 = re.compile(r"^[0-9]{12}$")
_LONG_DIGITS = re.compile(r"(?<![\d.])\d{9,}")  # an ID number, not the decimals of a score


class DecisionError(ValueError):
    """A decision that cannot be stored as it is (unknown verdict, a full ID in its evidence...).
    The message never holds the ID itself."""


@dataclass(frozen=True)
class Decision:
    """One decision; the store keeps every one (append-only), the latest per (source, row_key)
    is the one in force.

    `row_key` is the row's content key (`row_content_key`), so the decision follows the row when
    the agency re-sends its file in another order. `evidence` is a snapshot of what the decider
    saw (status, match score, reason codes, candidates' MASKED ids and probabilities, and where
    the row was: source_file, sheet, source_row); it must never hold a full ID or a name."""

    decision_id: str
    source: str
    row_key: str
    verdict: Verdict
    person_id: str | None
    author: str
    author_kind: AuthorKind
    note: str
    decided_utc: datetime
    evidence: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise DecisionError(f"unknown verdict {self.verdict!r}; known: {VERDICTS}")
        if self.author_kind not in AUTHOR_KINDS:
            raise DecisionError(f"unknown author_kind {self.author_kind!r}; known: {AUTHOR_KINDS}")
        if self.verdict in WITH_PERSON:
            if not (self.person_id and _ID12.match(self.person_id)):
                raise DecisionError(f"verdict {self.verdict!r} needs the person's 12-digit ID")
        elif self.person_id is not None:
            raise DecisionError(f"verdict {self.verdict!r} names no registry person")
        if self.decided_utc.tzinfo is None:
            raise DecisionError("decided_utc must be timezone-aware (UTC)")
        if not self.source or not self.row_key or not self.author:
            raise DecisionError("source, row_key and author are required")
        if _LONG_DIGITS.search(json.dumps(self.evidence, ensure_ascii=False)):
            raise DecisionError("evidence holds an unmasked ID number (mask it: privacy.mask_id)")


def new_decision(source: str, row_key: str, verdict: Verdict, person_id: str | None,
                 author: str, author_kind: AuthorKind, note: str = "",
                 evidence: dict | None = None) -> Decision:
    """A decision made now, with a fresh uuid4 hex ID."""
    return Decision(decision_id=uuid.uuid4().hex, source=source, row_key=row_key, verdict=verdict,
                    person_id=person_id, author=author, author_kind=author_kind, note=note or "",
                    decided_utc=datetime.now(UTC), evidence=dict(evidence or {}))
