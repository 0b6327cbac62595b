"""Who each queued row could be: the registry people the linker compared it with, found again
with the linker's own blocking and ID look-up (the published evidence keeps masked IDs only),
then tied to the evidence's candidates by masked ID and agreement levels.

Built once per published run in a background thread (the registry is read, normalised and
indexed as a run does: a few seconds on the full sample); the queue page never waits for it."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl

from ducpho_etl.contracts import canonical_fields
from ducpho_etl.link.candidates import compatible_pairs
from ducpho_etl.link.exact import exact_hits
from ducpho_etl.link.explain import FIELDS
from ducpho_etl.link.index import build_index, build_row_side
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.normalize.places import UNIT_NAMES_2025
from ducpho_etl.privacy import mask_id, mask_id_expr
from ducpho_etl.registry import load_prepared_registry

LEVELS = [f"lvl_{f}" for f in FIELDS]
MAX_EXTRA = 5  # compatible people beyond the evidence's (less likely ones) shown per row


def registry_candidates(rows: pl.DataFrame, input_dir: Path, data_year: int,
                        registry_year: int) -> pl.DataFrame:
    """(source, pos, person_id, masked, lvl_*, registry identity) for every compatible registry
    person (blocked pairs and ID/CMND holders) of every queued row."""
    raw_registry, prepared, _ = load_prepared_registry(Path(input_dir) / "registry",
                                                       registry_year)
    index = build_index(prepared)
    fields = canonical_fields()
    raw = rows.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("row_id"), "source", "pos",
        *[(pl.col(f"raw_{f}") if f"raw_{f}" in rows.columns else pl.lit(None, pl.Utf8)).alias(f)
          for f in fields],
        pl.lit(data_year, pl.Int32).alias("reference_year"))
    canon = normalize_frame(raw)
    side = build_row_side(canon.filter(pl.col("name_key").is_not_null()), index)
    pairs = pl.concat([
        compatible_pairs(side, index).select("row_id", "person_id", *LEVELS),
        exact_hits(side, index).select("row_id", "person_id", *LEVELS),
    ]).unique(["row_id", "person_id"], keep="first")
    people = raw_registry.join(prepared.select("person_id", "xa_2025", "alive"),
                               left_on="so_dinh_danh", right_on="person_id")
    return (pairs.join(raw.select("row_id", "source", "pos"), on="row_id")
            .join(people, left_on="person_id", right_on="so_dinh_danh", how="left")
            .with_columns(mask_id_expr(pl.col("person_id")).alias("masked"),
                          pl.col("xa_2025").replace_strict(UNIT_NAMES_2025, default=None)
                          .alias("commune"))
            .drop("row_id").sort("source", "pos", "person_id"))


class CandidateIndex:
    """registry_candidates of one snapshot, computed in the background."""

    def __init__(self, rows: pl.DataFrame, input_dir: str | None, data_year: int,
                 registry_year: int) -> None:
        self.ready = threading.Event()
        self.frame: pl.DataFrame | None = None
        self.error: str | None = None
        self._args = (rows, input_dir, data_year, registry_year)
        threading.Thread(target=self._build, daemon=True, name="review-candidates").start()

    def _build(self) -> None:
        rows, input_dir, data_year, registry_year = self._args
        try:
            if not input_dir or not (Path(input_dir) / "registry").is_dir():
                raise FileNotFoundError("registry folder of the run not found")
            if rows.height:
                self.frame = registry_candidates(rows, Path(input_dir), data_year,
                                                 registry_year)
        except Exception as exc:  # noqa: BLE001 - shown on the page, the queue still works
            self.error = type(exc).__name__  # no message: it could carry a value
        finally:
            self.ready.set()

    def of(self, source: str, pos: int, timeout: float = 120) -> pl.DataFrame | None:
        self.ready.wait(timeout)
        if self.frame is None:
            return None
        return self.frame.filter((pl.col("source") == source) & (pl.col("pos") == pos))


def row_candidates(evidence: dict, people: pl.DataFrame | None) -> list[dict]:
    """The candidates shown beside a row: the evidence's (in its order, with weights, score and
    posterior) joined to the registry person with the same masked ID and levels, then other
    compatible people (levels only). Each has `person_id` (None when not found again)."""
    found = [] if people is None else people.to_dicts()
    used: set[str] = set()
    shown = []
    for cand in evidence.get("candidates", []) or []:
        levels = cand.get("levels") or {}
        person = next((p for p in found if p["masked"] == cand.get("id")
                       and p["person_id"] not in used
                       and all(p.get(f"lvl_{f}") == levels.get(f) for f in FIELDS)), None)
        if person is not None:
            used.add(person["person_id"])
        shown.append(_candidate(cand.get("id"), person, levels, cand.get("weights") or {},
                                cand.get("score"), cand.get("posterior")))
    extra = [p for p in found if p["person_id"] not in used][:MAX_EXTRA]
    for person in extra:
        shown.append(_candidate(person["masked"], person,
                                {f: person.get(f"lvl_{f}") for f in FIELDS}, {}, None, None))
    return shown


def _candidate(masked: str | None, person: dict | None, levels: dict, weights: dict,
               score: float | None, posterior: float | None) -> dict:
    person = person or {}
    return {"masked": masked or mask_id(person.get("person_id")), "person_id": person.get("person_id"),
            "name": person.get("ho_ten"), "birth": person.get("ngay_sinh"),
            "gender": person.get("gioi_tinh"), "commune": person.get("commune"),
            "address": person.get("dia_chi"), "alive": person.get("alive"),
            "cmnd": person.get("so_cmnd"),
            "levels": levels, "weights": weights, "score": score, "posterior": posterior}
