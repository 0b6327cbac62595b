"""The evidence a decision keeps: what the decider saw, without personal data.

Both the workbench and `returns import` build it from the row of the published reconciliation
frame, so the next run can tell a stale decision from a fresh one the same way: where the row
was (file, sheet, row: to flag a row whose content changed), its status and linked person
(masked) at that moment, and whether that person was already dead then."""

from __future__ import annotations

import json

from ducpho_etl.privacy import mask_id

LINKED_STATUSES = ("matched", "deceased", "duplicate")


def evidence_of_row(row: dict) -> dict:
    """`row`: one reconciliation row as a dict (published columns). Candidates keep their masked
    ID, score and probability; nothing else of them."""
    try:
        linkage = json.loads(row.get("evidence") or "{}") or {}
    except (TypeError, ValueError):
        linkage = {}
    candidates = [{"id": c.get("id") if "*" in str(c.get("id") or "") else mask_id(c.get("id")),
                   "score": c.get("score"), "posterior": c.get("posterior")}
                  for c in linkage.get("candidates") or []]
    status = row.get("status")
    linked = status in LINKED_STATUSES and row.get("person_id")
    return {
        "source_file": row.get("source_file"), "sheet": row.get("sheet"),
        "source_row": row.get("source_row"), "status": status,
        "link_stage": row.get("link_stage"),
        "match_score": None if row.get("match_score") is None else round(row["match_score"], 3),
        "reason_codes": list(row.get("reason_codes") or []),
        "person": mask_id(row.get("person_id")) if linked else None,
        "person_alive": (status != "deceased") if linked else None,
        "candidates": candidates,
    }
