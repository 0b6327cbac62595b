"""The one catalogue of reason codes: every machine code a row can carry, its Vietnamese and
English text and its severity.

Each code is declared beside the check that emits it (normalize/*, validate.py, and the status
codes in reasons.py) with `declare`, and registered here. This module imports nothing of ours, so
every layer may declare into it; ducpho_etl.reasons imports the declaring modules, so whoever
reads the catalogue through it reads it whole.

Severity: "reject" (the row is rejected), "flag" (kept, needs a look), "note" (a change made
while normalising) or "status" (why a row got its status). A code declared by two checks keeps
the text of the more severe one (validate's "name_missing" reject over the normaliser's note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["reject", "flag", "note", "status"]
RANK: dict[str, int] = {"note": 0, "flag": 1, "reject": 2, "status": 3}


@dataclass(frozen=True)
class Code:
    vi: str
    en: str
    severity: Severity


_DECLARED: dict[str, Code] = {}


def declare(texts: dict[str, tuple[str, str]],
            severity: Severity | Callable[[str], Severity]) -> dict[str, tuple[str, str]]:
    """Register codes -> (Vietnamese, English) with their severity (one for all, or per code);
    returns `texts` unchanged."""
    for code, (vi, en) in texts.items():
        level = severity if isinstance(severity, str) else severity(code)
        known = _DECLARED.get(code)
        if known is None or RANK[level] >= RANK[known.severity]:
            _DECLARED[code] = Code(vi, en, level)
    return texts


def declared() -> dict[str, Code]:
    """Every code declared so far (see ducpho_etl.reasons.catalogue for the whole catalogue)."""
    return dict(_DECLARED)


def codes_of(severity: Severity) -> frozenset[str]:
    return frozenset(code for code, entry in _DECLARED.items() if entry.severity == severity)
