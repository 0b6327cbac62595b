"""Estimated Fellegi–Sunter weights: enough exact links -> estimated, else the hand-set fallback;
namesakes -> review; a mistyped ID hitting another real person; evidence carries the levels."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.link import link_rows
from ducpho_etl.link.compare import WEIGHTS
from ducpho_etl.link.fields import row_fields
from ducpho_etl.link.index import RowSide, build_index
from ducpho_etl.link.weights import (
    MIN_EXACT_LINKS,
    WEIGHT_BOUND,
    estimate_weights,
    expectation_maximisation,
)
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_M, MIDDLE_F = ["Văn", "Đức", "Minh", "Quốc"], ["Thị", "Ngọc", "Thu", "Kim"]
GIVEN_M = ["Hùng", "Dũng", "Nam", "Tuấn", "Phúc", "Long", "Sơn", "Hải", "Khoa", "Bình", "Tài"]
GIVEN_F = ["Lan", "Mai", "Hoa", "Hương", "Trang", "Linh", "Thảo", "Yến", "Nhung", "Vy", "Châu"]
COMMUNES = ["21439", "21451", "21478", "21457", "21472"]
N_PEOPLE = 400


def _people(seed: int = 7, count: int = N_PEOPLE) -> list[dict]:
    rng = random.Random(seed)
    people = []
    for i in range(count):
        male = rng.random() < 0.5
        year = rng.randint(1940, 2005)
        name = " ".join([rng.choice(FAMILY), rng.choice(MIDDLE_M if male else MIDDLE_F),
                         rng.choice(GIVEN_M if male else GIVEN_F)])
        code = ("0" if male else "1") if year < 2000 else ("2" if male else "3")
        people.append({"so_dinh_danh": f"051{code}{year % 100:02d}{i:06d}", "ho_ten": name,
                       "ngay_sinh": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
                       "gioi_tinh": "Nam" if male else "Nữ", "ma_xa": rng.choice(COMMUNES)})
    return people


PEOPLE = _people()
# Two namesakes nothing in a year-only row can tell apart, and a pair for the mistyped ID.
NAMESAKES = [
    {"so_dinh_danh": "051080900001", "ho_ten": "Trương Văn Khải", "ngay_sinh": "1980",
     "gioi_tinh": "Nam", "ma_xa": "21439"},
    {"so_dinh_danh": "051080900002", "ho_ten": "Trương Văn Khải", "ngay_sinh": "1980",
     "gioi_tinh": "Nam", "ma_xa": "21439"},
]
MISTYPE = [
    {"so_dinh_danh": "051175900003", "ho_ten": "Lương Thị Diệu", "ngay_sinh": "12/03/1975",
     "gioi_tinh": "Nữ", "ma_xa": "21451"},
    {"so_dinh_danh": "051175900004", "ho_ten": "Lâm Thị Quế", "ngay_sinh": "30/11/1975",
     "gioi_tinh": "Nữ", "ma_xa": "21478"},
]

# A resident with a two-letter given name (a one-letter slip is no "typo" level there).
SHORT = [{"so_dinh_danh": "051088900005", "ho_ten": "Phan Thị An", "ngay_sinh": "14/07/1988",
          "gioi_tinh": "Nữ", "ma_xa": "21472"}]


@pytest.fixture(scope="module")
def big_registry() -> pl.DataFrame:
    return prepare_registry(registry_frame([*PEOPLE, *NAMESAKES, *MISTYPE, *SHORT]), REGISTRY_REFERENCE_YEAR)


def _id_rows(count: int) -> list[dict]:
    """Rows that carry their person's own ID (the free labelled sample)."""
    return [{"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
             "so_dinh_danh": p["so_dinh_danh"]} for p in PEOPLE[:count]]


def _reconcile(rows: list[dict], registry: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    out, report = reconcile_source(raw_frame(rows), load_sources()["bhxh"], registry)
    assert out.height == len(rows)
    return out, report


def test_enough_exact_links_give_estimated_weights(big_registry):
    out, report = _reconcile(_id_rows(N_PEOPLE), big_registry)
    assert report["kind"] == "estimated"
    assert report["exact_links"] == N_PEOPLE
    weights = report["weights"]
    assert weights["birth"]["exact"] > weights["birth"]["year"] > 0
    assert weights["given"]["exact"] > weights["family"]["exact"] > 0
    assert weights["gender"]["disagree"] < 0
    assert all(abs(w) <= WEIGHT_BOUND for table in weights.values() for w in table.values())
    # the ID is a comparison of the model: its own number for, someone else's against
    assert weights["id"]["exact"] > weights["birth"]["exact"] > 0
    assert weights["id"]["other_person"] < 0
    assert report["decision"]["rule"] == "posterior"
    # no personal data in the summary
    text = json.dumps(report, ensure_ascii=False)
    assert not any(p["so_dinh_danh"] in text or p["ho_ten"] in text for p in PEOPLE)
    assert (out["status"] == "matched").all()


def test_exact_evidence_carries_levels_and_weights(big_registry):
    out, _ = _reconcile(_id_rows(N_PEOPLE), big_registry)
    evidence = json.loads(out["evidence"][0])
    assert evidence["stage"] == "id12"
    (candidate,) = evidence["candidates"]
    assert candidate["id"] == PEOPLE[0]["so_dinh_danh"][:3] + "******" + PEOPLE[0]["so_dinh_danh"][-3:]
    assert candidate["levels"]["given"] == "exact" and candidate["levels"]["birth"] == "exact"
    assert candidate["weights"]["birth"] > 0
    assert evidence["model"]["weights"] == "estimated"
    assert PEOPLE[0]["ho_ten"] not in out["evidence"][0]


def test_few_exact_links_fall_back_to_hand_set_table(big_registry):
    _, report = _reconcile(_id_rows(MIN_EXACT_LINKS // 4), big_registry)
    assert report["kind"] == "fallback"
    assert report["weights"] == {f: {lv: round(w, 2) for lv, w in t.items()}
                                 for f, t in WEIGHTS.items()}
    assert report["decision"]["rule"] == "weight"


def test_namesakes_go_to_review_with_estimated_weights(big_registry):
    row = {"ho_ten": "Trương Văn Khải", "ngay_sinh": "1980", "gioi_tinh": "Nam", "xa": "21439"}
    out, report = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    assert report["kind"] == "estimated"
    last = out.row(-1, named=True)
    assert (last["status"], last["person_id"], last["candidate_count"]) == ("review", None, 2)
    assert "ambiguous_candidates" in last["reason_codes"]
    posteriors = [c["posterior"] for c in json.loads(last["evidence"])["candidates"]]
    assert len(posteriors) == 2 and max(posteriors) <= 0.5


def test_review_with_one_candidate_says_the_match_is_weak(big_registry, monkeypatch):
    # a lone candidate not likely enough to link (the linker's review outcome with one
    # candidate): the officer reads that the match is weak, not that several people fit
    import ducpho_etl.reconcile as reconcile
    real = reconcile.link_rows

    def lone_review(rows, index, report=None):
        links = real(rows, index, report)
        last = pl.col("row_id") == pl.col("row_id").max()
        return links.with_columns(
            pl.when(last).then(pl.lit("review")).otherwise("link_outcome").alias("link_outcome"),
            pl.when(last).then(None).otherwise("person_id").alias("person_id"),
            pl.when(last).then(pl.lit(1, pl.UInt32)).otherwise("candidate_count")
            .alias("candidate_count"))

    monkeypatch.setattr(reconcile, "link_rows", lone_review)
    row = {"ho_ten": "Phan Thị An", "ngay_sinh": "1988", "gioi_tinh": "Nữ", "xa": "21451"}
    out, _ = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    last = out.row(-1, named=True)
    assert last["status"] == "review"
    assert "weak_match" in last["reason_codes"]
    assert "ambiguous_candidates" not in last["reason_codes"]
    assert "chưa đủ chắc chắn" in last["reason"]


def test_lone_fuzzy_match_links_with_estimated_weights(big_registry):
    person = PEOPLE[-1]
    row = {"ho_ten": person["ho_ten"].upper(), "ngay_sinh": person["ngay_sinh"],
           "gioi_tinh": person["gioi_tinh"]}
    out, _ = _reconcile([*_id_rows(N_PEOPLE - 1), row], big_registry)
    last = out.row(-1, named=True)
    assert (last["status"], last["person_id"], last["link_stage"]) == (
        "matched", person["so_dinh_danh"], "fuzzy")
    assert json.loads(last["evidence"])["candidates"][0]["posterior"] >= 0.99


def test_mistyped_id_of_another_real_person_with_estimated_weights(big_registry):
    # Lương Thị Diệu's row carries Lâm Thị Quế's ID (one digit off): not trusted, fields decide
    row = {"ho_ten": "Lương Thị Diệu", "ngay_sinh": "12/03/1975", "gioi_tinh": "Nữ",
           "so_dinh_danh": "051175900004"}
    out, report = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    assert report["kind"] == "estimated"
    last = out.row(-1, named=True)
    assert (last["status"], last["person_id"], last["link_stage"]) == (
        "matched", "051175900003", "fuzzy")
    assert "id_conflict" in last["reason_codes"]
    levels = json.loads(last["evidence"])["candidates"][0]["levels"]
    assert levels["id"] == "near"


def test_never_seen_level_gets_a_bounded_weight(big_registry):
    rows = pl.DataFrame({"lvl_family": ["exact"] * 300, "lvl_given": ["exact"] * 300,
                         "lvl_middle": ["agree"] * 300, "lvl_birth": ["exact"] * 300,
                         "lvl_gender": ["agree"] * 300, "lvl_commune": ["agree"] * 300})
    canon = (prepare_registry(registry_frame(PEOPLE), REGISTRY_REFERENCE_YEAR)
             .with_row_index("row_id").rename({"person_id": "id12"})
             .with_columns(pl.col("row_id").cast(pl.UInt32)))
    index = build_index(big_registry)
    canon = canon.with_row_index("_rpos")
    model = estimate_weights(rows, RowSide(rows=canon, fields=row_fields(canon),
                                           near=index.neighbours_of(canon)), index)
    assert model.kind == "estimated"
    for table in model.weights.values():
        assert all(-WEIGHT_BOUND <= w <= WEIGHT_BOUND for w in table.values())
    assert model.weights["birth"]["swap"] <= WEIGHT_BOUND
    assert model.weights["gender"]["disagree"] < 0


def test_link_rows_report_is_optional(big_registry):
    rows = (prepare_registry(registry_frame(PEOPLE[:3]), REGISTRY_REFERENCE_YEAR)
            .with_row_index("row_id").rename({"person_id": "id12"})
            .with_columns(pl.lit("ok").alias("id12_status")))
    out = link_rows(rows, big_registry)
    assert out.height == 3


def _other_day(date: str) -> str:
    day, month, year = date.split("/")
    return f"{int(day) % 28 + 1:02d}/{month}/{year}"


def test_same_namesake_without_an_id_is_not_ruled_out(big_registry):
    # the contrast: without an ID of their own the same row stays a candidate's (review or link)
    person = PEOPLE[5]
    row = {"ho_ten": person["ho_ten"], "ngay_sinh": _other_day(person["ngay_sinh"]),
           "gioi_tinh": person["gioi_tinh"], "xa": person["ma_xa"]}
    out, _ = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    last = out.row(-1, named=True)
    assert last["candidate_count"] == 1
    levels = json.loads(last["evidence"])["candidates"][0]["levels"]
    assert levels["id"] == "missing"


def test_exact_id_and_date_outweigh_a_slip_in_a_short_given_name(big_registry):
    # "An" written "Am": too short for the name's typo level, yet the ID and the full date are
    # the person's
    row = {"ho_ten": "Phan Thị Am", "ngay_sinh": "14/07/1988", "gioi_tinh": "Nữ",
           "so_dinh_danh": "051088900005"}
    out, _ = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    last = out.row(-1, named=True)
    assert (last["status"], last["person_id"], last["link_stage"]) == (
        "matched", "051088900005", "id12")
    levels = json.loads(last["evidence"])["candidates"][0]["levels"]
    assert (levels["given"], levels["id"], levels["birth"]) == ("diff", "exact", "exact")


def test_relatives_id_with_another_name_and_year_does_not_link_to_the_relative(big_registry):
    # a row of one person carrying another's ID (a parent's, a child's): the fields decide
    person, relative = PEOPLE[10], next(
        p for p in PEOPLE[11:] if p["ho_ten"].split()[-1] != PEOPLE[10]["ho_ten"].split()[-1]
        and p["ngay_sinh"][-4:] != PEOPLE[10]["ngay_sinh"][-4:])
    row = {"ho_ten": person["ho_ten"], "ngay_sinh": person["ngay_sinh"],
           "gioi_tinh": person["gioi_tinh"], "so_dinh_danh": relative["so_dinh_danh"]}
    out, _ = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    last = out.row(-1, named=True)
    assert last["person_id"] != relative["so_dinh_danh"]
    # the person's own row came first in the list: this one is their second
    assert (last["status"], last["person_id"], last["link_stage"]) == (
        "duplicate", person["so_dinh_danh"], "fuzzy")
    assert "id_conflict" in last["reason_codes"]


def test_gender_written_wrong_is_weighed_not_a_block(big_registry):
    person = PEOPLE[20]
    row = {"ho_ten": person["ho_ten"], "ngay_sinh": person["ngay_sinh"], "xa": person["ma_xa"],
           "gioi_tinh": "Nam" if person["gioi_tinh"] == "Nữ" else "Nữ"}
    out, _ = _reconcile([*_id_rows(N_PEOPLE), row], big_registry)
    last = out.row(-1, named=True)
    assert (last["status"], last["person_id"]) == ("duplicate", person["so_dinh_danh"])
    levels = json.loads(last["evidence"])["candidates"][0]["levels"]
    assert levels["gender"] == "disagree"


def test_em_gives_the_same_bits_whatever_the_pairs_order():
    # EM sums floats over the pairs' agreement patterns: in a fixed order, so that two runs of
    # the same data give byte-identical weights and scores (pairs come from joins and unique(),
    # whose order varies)
    rng = random.Random(3)
    fields = list(WEIGHTS)[:4]
    levels = {f: list(WEIGHTS[f]) for f in fields}
    pairs = pl.DataFrame({f"lvl_{f}": [rng.choice(levels[f]) for _ in range(3000)]
                          for f in fields})
    m = {f: {lv: (i + 1) / sum(range(1, len(levels[f]) + 1)) for i, lv in enumerate(levels[f])}
         for f in fields}
    u = {f: {lv: 1 / len(levels[f]) for lv in levels[f]} for f in fields}
    first = expectation_maximisation(pairs, fields, m, u, share=0.3)
    for seed in range(5):
        shuffled = pairs.sample(fraction=1.0, shuffle=True, seed=seed)
        assert expectation_maximisation(shuffled, fields, m, u, share=0.3) == first
