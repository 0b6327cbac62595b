"""The next run honours decisions: decided rows get their status with link_stage "officer";
decisions that no longer fit are flagged, not applied. Through reconcile_source, as a run."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.decisions import evidence_of_row, new_decision, row_content_key
from ducpho_etl.decisions.apply import decisions_digest, decisions_frame, officer_counts
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame

HUNG_1, HUNG_2, TAM, LE_DEAD, HOA = ("051085000001", "051085000002", "051090000007",
                                     "051040000005", "051070000009")
PEOPLE = [
    {"so_dinh_danh": HUNG_1, "ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985", "gioi_tinh": "Nam"},
    {"so_dinh_danh": HUNG_2, "ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985", "gioi_tinh": "Nam"},
    {"so_dinh_danh": TAM, "ho_ten": "Phạm Văn Tâm", "ngay_sinh": "11/12/1990", "gioi_tinh": "Nam"},
    {"so_dinh_danh": LE_DEAD, "ho_ten": "Lê Văn Tám", "ngay_sinh": "07/08/1940",
     "gioi_tinh": "Nam", "ma_xa": "21472", "trang_thai": "Đã chết"},
    {"so_dinh_danh": HOA, "ho_ten": "Võ Thị Hoa", "ngay_sinh": "15/05/1970", "gioi_tinh": "Nữ",
     "ma_xa": "21457"},
]
ROWS = [
    {"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985", "gioi_tinh": "Nam"},        # namesakes
    {"ho_ten": "Đặng Văn Xa", "ngay_sinh": "02/03/1960", "gioi_tinh": "Nam"},      # not found
    {"ho_ten": "Phạm Văn Tâm", "ngay_sinh": "11/12/1990", "so_dinh_danh": TAM},    # matched
    {"ho_ten": "Phạm Văn Tâm", "ngay_sinh": "1990", "gioi_tinh": "Nam"},           # a repeat
    {"ho_ten": "Võ Thị Hoa", "ngay_sinh": "15/05/1970", "gioi_tinh": "Nữ"},        # matched
]


def _registry(people=PEOPLE, change=None):
    people = [{**p, **(change or {}).get(p["so_dinh_danh"], {})} for p in people]
    return prepare_registry(registry_frame([p for p in people if p.get("ho_ten")]), REGISTRY_REFERENCE_YEAR)


def _run(registry, decisions=(), rows=ROWS, file="a.xlsx"):
    raw = raw_frame([dict(r) for r in rows], source="bhxh", file=file)
    frame = decisions_frame(list(decisions)) if decisions else None
    return reconcile_source(raw, load_sources()["bhxh"], registry, decisions=frame)[0]


def _decide(recon, index, verdict, person_id=None, kind="officer", **evidence):
    row = recon.row(index, named=True)
    key = row_content_key(recon)[index]
    return new_decision("bhxh", key, verdict, person_id, "lan" if kind == "officer" else "bhxh",
                        kind, evidence={**evidence_of_row(row), **evidence})


@pytest.fixture(scope="module")
def first():
    return _run(_registry())


def test_the_rows_before_any_decision(first):
    assert first["status"].to_list() == ["review", "not_found", "matched", "duplicate", "matched"]


def test_decisions_settle_rows_with_link_stage_officer_and_their_id_in_evidence(first):
    match = _decide(first, 0, "match", HUNG_2)
    new = _decide(first, 1, "new_resident", kind="agency")
    out = _run(_registry(), [match, new])
    rows = out.rows(named=True)
    assert (rows[0]["status"], rows[0]["person_id"], rows[0]["link_stage"]) == \
        ("matched", HUNG_2, "officer")
    assert json.loads(rows[0]["evidence"])["officer"]["decision_id"] == match.decision_id
    assert json.loads(rows[0]["evidence"])["candidates"]  # the linker's evidence is kept beside
    assert "officer_match" in rows[0]["reason_codes"] and "decided_by_officer" in rows[0]["reason_codes"]
    assert "Cán bộ" in rows[0]["reason"] and "officer" in rows[0]["reason_en"]
    assert (rows[1]["status"], rows[1]["person_id"], rows[1]["link_stage"]) == \
        ("not_found", None, "officer")
    assert {"officer_new_resident", "decided_by_agency"} <= set(rows[1]["reason_codes"])
    assert "cư dân mới" in rows[1]["reason"] and "new resident" in rows[1]["reason_en"]
    assert json.loads(rows[1]["evidence"])["officer"]["verdict"] == "new_resident"
    # undecided rows are as before
    assert out.select("status", "person_id")[2:].equals(first.select("status", "person_id")[2:])
    assert officer_counts(out) == {"decided": 2, "by_status": {"matched": 1, "not_found": 1},
                                   "by_author": {"officer": 1, "agency": 1}, "stale": 0}


def test_decisions_follow_rows_into_a_resent_file_in_another_order(first):
    match = _decide(first, 0, "match", HUNG_1)
    not_in = _decide(first, 4, "not_in_registry")
    resent = _run(_registry(), [match, not_in], rows=list(reversed(ROWS)), file="gui_lai.xlsx")
    by_name = {(r["raw_ho_ten"], r["raw_ngay_sinh"]): r for r in resent.rows(named=True)}
    hung = by_name[("Nguyễn Văn Hùng", "1985")]
    hoa = by_name[("Võ Thị Hoa", "15/05/1970")]
    assert (hung["status"], hung["person_id"], hung["link_stage"]) == ("matched", HUNG_1, "officer")
    # the agency said "not that person": the model's link to her is overruled, it linked before too
    assert (hoa["status"], hoa["person_id"], hoa["link_stage"]) == ("not_found", None, "officer")


def test_the_latest_decision_is_the_one_in_force(first):
    older = _decide(first, 0, "match", HUNG_1)
    newer = _decide(first, 0, "match", HUNG_2)
    frame = decisions_frame([older, newer])
    assert frame.height == 1 and frame["d_person"].to_list() == [HUNG_2]
    assert decisions_digest(frame) != decisions_digest(decisions_frame([older]))
    assert decisions_digest(decisions_frame([])) is None


@pytest.mark.parametrize(("change", "stale_code"), [
    ({HUNG_2: {"ho_ten": None}}, "stale_person_gone"),            # left the registry
    ({HUNG_2: {"trang_thai": "Đã chết"}}, "stale_person_died"),   # died since
])
def test_a_changed_registry_flags_the_decision_and_the_model_decides(first, change, stale_code):
    match = _decide(first, 0, "match", HUNG_2)
    row = _run(_registry(change=change), [match]).row(0, named=True)
    assert row["link_stage"] != "officer" and row["person_id"] != HUNG_2
    assert {"officer_decision_stale", stale_code} <= set(row["reason_codes"])
    assert "cần xem lại" in row["reason"] and "decide again" in row["reason_en"]
    assert json.loads(row["evidence"])["officer_stale"] == {"decision_id": match.decision_id,
                                                           "why": stale_code}


def test_a_match_with_a_person_known_dead_is_applied_as_deceased(first):
    rows = [{"ho_ten": "Lê Văn Tám", "ngay_sinh": "1940", "gioi_tinh": "Nam"}]
    before = _run(_registry(), rows=rows)
    knew = _decide(before, 0, "match", LE_DEAD, person_alive=False)
    row = _run(_registry(), [knew], rows=rows).row(0, named=True)
    assert (row["status"], row["link_stage"]) == ("deceased", "officer")


def test_a_row_whose_own_id_now_belongs_to_another_person_is_flagged(first):
    rows = [{"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985", "so_dinh_danh": "051085000099"}]
    before = _run(_registry(), rows=rows)
    match = _decide(before, 0, "match", HUNG_2)
    assert _run(_registry(), [match], rows=rows).row(0, named=True)["link_stage"] == "officer"
    # the registry now gives the row's own ID to someone else
    other = {"so_dinh_danh": "051085000099", "ho_ten": "Trần Văn Khác", "ngay_sinh": "1985",
             "gioi_tinh": "Nam"}
    row = _run(_registry([*PEOPLE, other]), [match], rows=rows).row(0, named=True)
    assert row["link_stage"] != "officer" and "stale_id_conflict" in row["reason_codes"]


def test_not_in_registry_is_flagged_once_the_registry_holds_the_person(first):
    without_hoa = [p for p in PEOPLE if p["so_dinh_danh"] != HOA]
    before = _run(_registry(without_hoa))
    assert before.row(4, named=True)["status"] == "not_found"
    absent = _decide(before, 4, "not_in_registry")
    assert _run(_registry(without_hoa), [absent]).row(4, named=True)["link_stage"] == "officer"
    row = _run(_registry(), [absent]).row(4, named=True)
    assert (row["status"], row["person_id"]) == ("matched", HOA)
    assert "stale_registry_links" in row["reason_codes"]


def test_a_duplicate_without_its_first_row_is_flagged(first):
    dup = _decide(first, 3, "duplicate", TAM)
    out = _run(_registry(), [dup])
    assert (out["status"][3], out["link_stage"][3]) == ("duplicate", "officer")
    alone = _run(_registry(), [dup], rows=[ROWS[3]]).row(0, named=True)
    assert alone["link_stage"] != "officer" and "stale_no_first_row" in alone["reason_codes"]


def test_a_row_whose_content_changed_at_its_place_is_flagged(first):
    match = _decide(first, 0, "match", HUNG_2)
    edited = [{**ROWS[0], "ngay_sinh": "1986"}, *ROWS[1:]]
    out = _run(_registry(), [match], rows=edited)
    row = out.row(0, named=True)
    assert row["link_stage"] != "officer"
    assert {"officer_decision_stale", "stale_row_changed"} <= set(row["reason_codes"])
    assert officer_counts(out)["stale"] == 1 and officer_counts(out)["decided"] == 0


def test_an_officer_decision_overrules_the_age_check():
    rows = [{"ho_ten": "Phạm Văn Tâm", "ngay_sinh": "11/12/1990", "so_dinh_danh": TAM}]
    raw = raw_frame([dict(r) for r in rows], source="tre_em")
    before, _ = reconcile_source(raw, load_sources()["tre_em"], _registry())
    assert before["status"][0] == "review"  # 33 years old in a children's list
    decision = new_decision("tre_em", row_content_key(before)[0], "match", TAM, "lan", "officer",
                            evidence=evidence_of_row(before.row(0, named=True)))
    after, _ = reconcile_source(raw, load_sources()["tre_em"], _registry(),
                                decisions=decisions_frame([decision]))
    assert (after["status"][0], after["link_stage"][0]) == ("matched", "officer")


def test_no_decisions_change_nothing(first):
    assert _run(_registry(), []).equals(first)
    assert _run(_registry(), [_decide(first, 0, "match", HUNG_2)]).drop(
        "status", "person_id", "link_stage", "reason_codes", "reason", "reason_en", "evidence",
        "duplicate_of").equals(first.drop("status", "person_id", "link_stage", "reason_codes",
                                          "reason", "reason_en", "evidence", "duplicate_of"))
    assert isinstance(first, pl.DataFrame)
