"""Fellegi–Sunter match weights estimated from the run's own data.

Rows linked by a trusted exact ID are a free labelled sample of true matches: the share of each
field's agreement level among them estimates m = P(level | same person). All other (row,
registry person) pairs, almost all of them two different people, give u = P(level | different
people), counted exactly from value frequencies (ducpho_etl.link.frequencies). The weight of a
level is log2(m / u), with add-half smoothing and a bound, so that a level rare or never seen
gets a bounded weight. With fewer than MIN_EXACT_LINKS trusted links
(small files) the hand-set table compare.WEIGHTS is used instead, with the old weight thresholds.

The `id` field (a 12-digit ID one digit away from the candidate's) cannot be estimated from
exact links, where the ID is never a typo: it keeps its hand-set weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from ducpho_etl.link.compare import WEIGHTS
from ducpho_etl.link.frequencies import level_counts, value_counts
from ducpho_etl.link.index import RegistryIndex

ESTIMATED_FIELDS = ["family", "given", "middle", "birth", "gender", "commune"]
MIN_EXACT_LINKS = 200  # fewer trusted exact links than this: the hand-set table
PSEUDO_COUNT = 0.5  # added to every level's count in both samples (Jeffreys-like)
WEIGHT_BOUND = 16.0  # |log2(m/u)| never exceeds this
# Prior share of rows whose person is not in the registry (at all): with the registry size it
# gives the prior odds that one given registry person is the row's person.
NOT_IN_REGISTRY_PRIOR = 0.05


@dataclass
class WeightModel:
    """The weights a run used, where they came from, and the prior of the posterior decision."""

    kind: str  # "estimated" | "fallback"
    weights: dict[str, dict[str, float]]
    exact_links: int = 0
    u_pairs: int = 0  # the (row, person) pairs u is counted over: all but the exact links
    registry_size: int = 0
    m: dict[str, dict[str, float]] = field(default_factory=dict)
    u: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def prior_log2_odds(self) -> float:
        """log2 prior odds that a given registry person is a row's person."""
        n = max(self.registry_size, 1)
        return math.log2((1 - NOT_IN_REGISTRY_PRIOR) / (n * NOT_IN_REGISTRY_PRIOR))

    def summary(self) -> dict:
        """Loggable summary (no personal data): kind, sample sizes, weights, m and u."""
        out: dict = {"kind": self.kind, "exact_links": self.exact_links, "u_pairs": self.u_pairs,
                     "registry_size": self.registry_size,
                     "weights": {f: {lv: round(w, 2) for lv, w in t.items()}
                                 for f, t in self.weights.items()}}
        if self.kind == "estimated":
            out["prior_log2_odds"] = round(self.prior_log2_odds, 2)
            out["m"] = {f: {lv: round(p, 5) for lv, p in t.items()} for f, t in self.m.items()}
            out["u"] = {f: {lv: round(p, 6) for lv, p in t.items()} for f, t in self.u.items()}
        return out


def fallback_model(reason_links: int = 0, registry_size: int = 0) -> WeightModel:
    return WeightModel("fallback", {f: dict(t) for f, t in WEIGHTS.items()},
                       exact_links=reason_links, registry_size=registry_size)


def estimate_weights(match_levels: pl.DataFrame, row_part: pl.DataFrame, index: RegistryIndex,
                     near: dict[str, pl.DataFrame]) -> WeightModel:
    """m from `match_levels` (lvl_* of the trusted exact pairs), u from all other pairs of the
    rows and the registry. `row_part`: fields.row_fields of the rows with a name; `near`: their
    index.neighbours_of."""
    n_links = match_levels.height
    if n_links < MIN_EXACT_LINKS or index.height < 2:
        return fallback_model(n_links, index.height)
    non_matches = row_part.height * index.height - n_links
    if non_matches < MIN_EXACT_LINKS:
        return fallback_model(n_links, index.height)
    all_pairs = level_counts(value_counts(row_part, "r"), index.counts, near,
                             index.middle_substrings)
    weights: dict[str, dict[str, float]] = {}
    m_all: dict[str, dict[str, float]] = {}
    u_all: dict[str, dict[str, float]] = {}
    for name in ESTIMATED_FIELDS:
        levels = list(WEIGHTS[name])
        m_counts = _counts(match_levels, name)
        # the exact links are pairs too: what is left are the pairs of different people
        u_counts = {lv: max(0, n - m_counts.get(lv, 0)) for lv, n in all_pairs[name].items()}
        m = _smoothed(m_counts, levels, n_links)
        u = _smoothed(u_counts, levels, non_matches)
        table = {}
        for level in levels:
            if m_counts.get(level, 0) == 0 and u_counts.get(level, 0) == 0:
                # never seen at all: no evidence either way beyond the hand-set value, bounded
                table[level] = max(-WEIGHT_BOUND, min(WEIGHT_BOUND, WEIGHTS[name][level]))
            else:
                table[level] = max(-WEIGHT_BOUND, min(WEIGHT_BOUND, math.log2(m[level] / u[level])))
        weights[name], m_all[name], u_all[name] = table, m, u
    weights["id"] = dict(WEIGHTS["id"])
    return WeightModel("estimated", weights, exact_links=n_links, u_pairs=non_matches,
                       registry_size=index.height, m=m_all, u=u_all)


def _counts(levels: pl.DataFrame, name: str) -> dict[str, int]:
    counted = levels.group_by(f"lvl_{name}").len()
    return dict(zip(counted[f"lvl_{name}"].to_list(), counted["len"].to_list(), strict=True))


def _smoothed(counts: dict[str, int], levels: list[str], total: int) -> dict[str, float]:
    denominator = total + PSEUDO_COUNT * len(levels)
    return {lv: (counts.get(lv, 0) + PSEUDO_COUNT) / denominator for lv in levels}
