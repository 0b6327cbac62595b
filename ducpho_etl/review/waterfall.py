"""The explain waterfall of one candidate as drawing instructions for an inline SVG: each
field's weight (log2 of m/u) added in turn from the prior odds, ending at the total, so that
an officer sees which fields carried the decision and which spoke against it."""

from __future__ import annotations

from ducpho_etl.cli.explain import FIELD_VI, LEVEL_VI
from ducpho_etl.link.explain import FIELDS

WIDTH, ROW, LABEL, RIGHT = 560, 18, 110, 150


def waterfall(weights: dict, levels: dict, prior: float | None = None) -> dict | None:
    """{"width", "height", "zero", "bars": [{label, level, weight, x, w, y, kind}]} or None
    when the candidate has no weights (not in the evidence)."""
    if not weights:
        return None
    steps, total = [], prior or 0.0
    start = total
    if prior is not None:
        steps.append(("tỷ lệ ban đầu (prior)", "", prior, 0.0, prior, "prior"))
    for field in FIELDS:
        value = weights.get(field)
        if value is None:
            continue
        level = levels.get(field) or ""
        steps.append((FIELD_VI.get(field, field), LEVEL_VI.get(level, level), value, total,
                      total + value, "up" if value >= 0 else "down"))
        total += value
    steps.append(("tổng (log2 odds)", "", total, 0.0, total, "total"))
    ends = [0.0, start] + [s[3] for s in steps] + [s[4] for s in steps]
    low, high = min(ends), max(ends)
    span = (high - low) or 1.0
    plot = WIDTH - LABEL - RIGHT

    def x(value: float) -> float:
        return round(LABEL + (value - low) / span * plot, 1)

    bars = [{"label": label, "level": level, "weight": round(weight, 2),
             "x": min(x(a), x(b)), "w": max(abs(x(b) - x(a)), 1.0), "y": i * ROW, "kind": kind}
            for i, (label, level, weight, a, b, kind) in enumerate(steps)]
    return {"width": WIDTH, "height": len(bars) * ROW + 4, "zero": x(0.0), "bars": bars}
