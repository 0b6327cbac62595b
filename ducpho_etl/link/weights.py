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

import numpy as np
import polars as pl

from ducpho_etl.link.compare import WEIGHTS, same_name
from ducpho_etl.link.comparisons import COMPARISONS, FAR_ID
from ducpho_etl.link.frequencies import level_counts, value_counts
from ducpho_etl.link.index import RegistryIndex, RowSide

# the comparisons whose m EM estimates over the ID-hit pairs (the ID's over the blocked pairs)
ESTIMATED_FIELDS = [c.name for c in COMPARISONS if c.session == "fields"]
MIN_EXACT_LINKS = 200  # fewer trusted exact links than this: the hand-set table
# Smoothing of every m and u: a comparison's levels share one pseudo count (Perks' prior, each of
# K levels 1/K), so that how finely a comparison is split into levels does not change how much
# the prior weighs; a level never seen among n matches keeps m about 1/(K n), not zero.
PRIOR_MASS = 1.0
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


def estimate_weights(match_levels: pl.DataFrame, side: RowSide, index: RegistryIndex
                     ) -> WeightModel:
    """m by expectation–maximisation over the ID-hit pairs `match_levels` (lvl_* of every pair
    whose row's ID or CMND a registry person holds: mostly the row's person, sometimes a
    relative's or a slipped number), as Splink trains a session blocked on an ID: u is fixed
    (exact value-frequency counts over all pairs of the rows and the registry), the ID
    comparison is left out (it agrees in every pair of the session); its m is estimated apart
    (estimate_id_m). u is counted over the side's rows with a name."""
    n_links = match_levels.height
    if n_links < MIN_EXACT_LINKS or index.height < 2:
        return fallback_model(n_links, index.height)
    named = side.named()
    row_part = named.fields_of_rows()
    all_pairs = row_part.height * index.height
    non_matches = all_pairs - n_links
    if non_matches < MIN_EXACT_LINKS:
        return fallback_model(n_links, index.height)
    counted = level_counts(value_counts(row_part, "r"), index.counts, side.near,
                           index.middle_substrings)
    u_all = {name: _smoothed(counted[name], list(WEIGHTS[name]), all_pairs)
             for name in ESTIMATED_FIELDS}
    # the seed: every ID-hit pair a match (what the ID says), then EM sorts out the others
    m_seed = {name: _smoothed(_counts(match_levels, name), list(WEIGHTS[name]), n_links)
              for name in ESTIMATED_FIELDS}
    m_all, _ = expectation_maximisation(match_levels, ESTIMATED_FIELDS, m_seed, u_all,
                                        share=SEED_MATCH_SHARE)
    m_all = _by_sessions(match_levels, m_all, u_all)
    m_all["id"], u_all["id"] = dict(ID_M_SEED), id_u(named, index)
    model = WeightModel("estimated", {}, exact_links=n_links, u_pairs=non_matches,
                        registry_size=index.height, m=m_all, u=u_all)
    model.weights = weights_of(model.m, model.u)
    return model


# Training sessions within the ID-hit pairs, as Splink trains one session per blocking rule and
# leaves the rule's own fields out: (the pairs a session keeps, the fields it estimates). A
# relative's ID (or one mistyped onto a neighbour) hits a person of another given name or
# another birth, who shares the family name and commune: over all hit pairs, with u counted
# over random pairs, such a pair looks like a match on those fields, and EM counts its other
# given name and birth as a true match's slips. Name parts, gender and commune are estimated
# over the hit pairs whose full birth date agrees too; the birth date over those whose whole
# name agrees. A relative is in neither (a twin only in the first).
SESSIONS: list[tuple[pl.Expr, list[str]]] = [
    (pl.col("lvl_birth") == "exact", ["family", "middle", "given", "gender", "commune"]),
    (same_name() & pl.col("lvl_middle").is_in(["agree", "missing"]), ["birth"]),
]


def _by_sessions(pairs: pl.DataFrame, m: dict[str, dict[str, float]],
                 u: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """m re-estimated per SESSIONS (the other fields fixed at `m`, EM's estimate over every hit
    pair); a session with fewer than MIN_EXACT_LINKS pairs leaves its fields at `m`."""
    out = {f: dict(t) for f, t in m.items()}
    for keeps, free in SESSIONS:
        session = pairs.select(pl.col("^lvl_.*$")).filter(keeps)
        if session.height < MIN_EXACT_LINKS:
            continue
        fixed = [f for f in ESTIMATED_FIELDS if f not in free]
        estimated, _ = expectation_maximisation(session, free, m, u, share=SEED_MATCH_SHARE,
                                                fixed=fixed)
        out.update({f: estimated[f] for f in free})
    return out


def weights_of(m: dict[str, dict[str, float]], u: dict[str, dict[str, float]]
               ) -> dict[str, dict[str, float]]:
    """log2(m/u) per field and level, bounded by WEIGHT_BOUND."""
    return {name: {lv: max(-WEIGHT_BOUND, min(WEIGHT_BOUND, math.log2(m[name][lv] / u[name][lv])))
                   for lv in m[name]} for name in m}


# EM: iterations, the seed's share of matches among the pairs, and the pseudo count of each
# level (a level EM never sees keeps a small, not a zero, probability).
EM_ITERATIONS = 25
SEED_MATCH_SHARE = 0.9
# The ID comparison's m before EM: most rows carry their own ID; what is left is spread over
# the other levels. estimate_id_m re-estimates it over the blocked pairs.
ID_M_SEED = {"exact": 0.7, "cmnd": 0.02, "near": 0.01, "relative": 0.01, "kin": 0.001,
             "other_person": 0.001, "own": 0.00001, "diff": 0.0001, "partial": 0.01,
             "partial_diff": 0.0001, "missing": 0.25}
# Expected registry IDs within one slip (one of 6 random digits changed, 54 ways, or two
# neighbours swapped, 5 ways) of a row's ID, per registry person sharing its first 6 digits
# (province, century-gender, year): the random part has 10^6 values.
SLIP_VARIANTS = 59 / 1_000_000
# the ways FAR_ID slips can fall in an ID's 6 random digits (the others encode the province, the
# century and gender, the year)
OWN_SLIP_WAYS = math.comb(6, FAR_ID)


def expectation_maximisation(pairs: pl.DataFrame, free: list[str],
                             m: dict[str, dict[str, float]], u: dict[str, dict[str, float]],
                             share: float, fixed: list[str] | None = None
                             ) -> tuple[dict[str, dict[str, float]], float]:
    """Fellegi–Sunter EM over the pairs' agreement patterns (lvl_* columns): each iteration
    gives every pattern its probability of being a match (from m, u and the share of
    matches), then re-estimates m of the `free` fields and the share; u and the m of `fixed`
    fields stay. Returns m (every field) and the share of matches."""
    fields = [*free, *(fixed or [])]
    levels = [f"lvl_{f}" for f in fields]
    # in a fixed order: the sums below are of floats, and group_by's order varies run to run
    # (the last bits of every weight and score did, so two runs were never byte-identical)
    patterns = pairs.group_by(levels).len().sort(levels)
    n = patterns["len"].to_numpy().astype(np.float64)
    m = {f: dict(t) for f, t in m.items()}
    # per field its levels (m's order) and each pattern's level as a position among them: a
    # level's ratio is computed once per iteration and gathered, not once per pattern
    labels = {f: list(m[f]) for f in fields}
    codes = {f: _positions(patterns[f"lvl_{f}"].to_list(), labels[f]) for f in fields}
    for _ in range(EM_ITERATIONS):
        log_ratio = np.zeros(len(n))
        for f in fields:
            ratios = np.array([math.log(m[f][lv] / u[f][lv]) for lv in labels[f]])
            log_ratio += ratios[codes[f]]
        prior = math.log(share / (1 - share))
        p = 1.0 / (1.0 + np.exp(-np.clip(log_ratio + prior, -700, 700)))
        weighted = n * p
        total = float(weighted.sum())
        share = min(max(total / float(n.sum()), 1e-6), 1 - 1e-6)
        for f in free:
            # bincount adds the patterns' weights one by one in their order, as a loop would:
            # the same sums to the last bit
            sums = np.bincount(codes[f], weights=weighted, minlength=len(labels[f]))
            pseudo = PRIOR_MASS / len(labels[f])
            m[f] = {lv: (float(sums[i]) + pseudo) / (total + PRIOR_MASS)
                    for i, lv in enumerate(labels[f])}
    return m, share


def _positions(values: list[str], labels: list[str]) -> np.ndarray:
    """Each value's position in `labels` (a level none of them names is an error, as before)."""
    at = {lv: i for i, lv in enumerate(labels)}
    return np.array([at[v] for v in values], dtype=np.intp)


def estimate_id_m(model: WeightModel, pairs: pl.DataFrame) -> WeightModel:
    """m of the ID comparison by EM over the pairs of a training session blocked on the
    whole name and the full birth date (the other fields fixed, as Splink estimates only the
    fields a session's blocking does not decide): a namesake born another day, from elsewhere
    with an ID of their own, is not in it to pass for a match. The unknown-ID level's m is
    bounded by the one-slip level's square."""
    if model.kind != "estimated" or pairs.height < MIN_EXACT_LINKS:
        return model
    m, _ = expectation_maximisation(pairs, ["id"], model.m, model.u, share=0.5,
                                    fixed=ESTIMATED_FIELDS)
    table = dict(m["id"])
    # a well-formed ID nobody holds comes from a resident's row only through two slips in the
    # number: with slips independent, no likelier than one slip ("near") squared (a bound that
    # matters where the session is small)
    table["diff"] = min(table["diff"], table["near"] ** 2)
    # an ID of the row's own person FAR_ID edits or more from the candidate's would take three
    # slips that all keep the birth year and gender it encodes, so all in the 6 random digits:
    # with "near" about 12 per-digit slip chances, C(6, 3) * (near / 12) ** 3
    table["own"] = min(table["own"], OWN_SLIP_WAYS * (table["near"] / 12) ** FAR_ID)
    # leading digits that are not the candidate's take a slip in them: no likelier than "near"
    table["partial_diff"] = min(table["partial_diff"], table["near"])
    model.m = {**model.m, "id": table}
    model.weights = weights_of(model.m, model.u)
    return model


def id_u(side: RowSide, index: RegistryIndex) -> dict[str, float]:
    """u of the ID comparison, counted from the side's rows: a random (row, person) pair has the
    row's own ID only when the row's ID is held and that person holds it; one slip apart with
    the chance SLIP_VARIANTS per registry person sharing the ID's first 6 digits; someone else
    holds it who lives at that person's home ("relative") for the home's other people, or
    elsewhere with that person's family name ("kin"); otherwise the level is the row's ID
    status (held by someone, by no one, none)."""
    row_part = side.fields_of_rows()
    rows, people = max(row_part.height, 1), max(index.height, 1)
    held = int(row_part["r_id_held"].sum())
    valid = int(row_part["r_id12"].is_not_null().sum())
    own = int(row_part.select((~pl.col("r_id_held") & pl.col("r_id_own")).sum()).item() or 0)
    # each registry CMND is one person's (index.cmnd): a join counts the rows holding one
    cmnd = (row_part.select(pl.col("r_cmnd9").alias("cmnd9")).drop_nulls()
            .join(index.cmnd, on="cmnd9").height)
    sharing = (row_part.select(pl.col("r_id12").str.slice(0, 6).alias("_p")).drop_nulls()
               .join(index.id_prefixes, on="_p")["len"].sum() or 0)
    pairs = rows * people
    relative, kin = _kin_pairs(row_part, index)
    # rows with the leading digits of an ID in scientific notation, and the (row, person) pairs
    # whose person's ID starts with them
    prefixes = row_part.select(pl.col("r_id_prefix").drop_nulls())["r_id_prefix"]
    distinct = prefixes.value_counts()
    starting = int((index.ids_starting_with(distinct["r_id_prefix"]) * distinct["count"]).sum())
    # the row's ID status, with the same add-half smoothing as the other fields (a status no
    # row has says nothing either way)
    status = _smoothed({"other_person": held, "own": own, "diff": valid - held - own,
                        "partial_diff": prefixes.len(), "missing": rows - valid - prefixes.len()},
                       ["other_person", "own", "diff", "partial_diff", "missing"], rows)
    relative, kin = relative / pairs, kin / pairs
    status["other_person"] = max(status["other_person"] - relative - kin, 0.0)
    u = {"exact": held / pairs, "cmnd": cmnd / pairs, "relative": relative, "kin": kin,
         "near": float(sharing) * SLIP_VARIANTS / pairs, "partial": starting / pairs, **status}
    floor = PRIOR_MASS / len(u) / pairs
    return {lv: max(p, floor) for lv, p in u.items()}


def _kin_pairs(row_part: pl.DataFrame, index: RegistryIndex) -> tuple[float, float]:
    """(row, person) pairs where the row's ID is held by someone else who lives at the
    person's home ("relative"), or elsewhere with the person's family name ("kin")."""
    holders = row_part.filter(pl.col("r_id_held")).select("r_id_home", "r_id_family")
    family_at_home, at_home, family = index.households
    counted = (holders.join(at_home, left_on="r_id_home", right_on="c_home", how="left")
               .join(family, left_on="r_id_family", right_on="c_family_key", how="left")
               .join(family_at_home, left_on=["r_id_home", "r_id_family"],
                     right_on=["c_home", "c_family_key"], how="left")
               .select((pl.col("_home") - 1).clip(lower_bound=0).sum().alias("relative"),
                       (pl.col("_family") - pl.col("_both")).sum().alias("kin")))
    return float(counted["relative"][0] or 0), float(counted["kin"][0] or 0)


def _counts(levels: pl.DataFrame, name: str) -> dict[str, int]:
    counted = levels.group_by(f"lvl_{name}").len()
    return dict(zip(counted[f"lvl_{name}"].to_list(), counted["len"].to_list(), strict=True))


def _smoothed(counts: dict[str, int], levels: list[str], total: int) -> dict[str, float]:
    pseudo = PRIOR_MASS / len(levels)
    return {lv: (counts.get(lv, 0) + pseudo) / (total + PRIOR_MASS) for lv in levels}
