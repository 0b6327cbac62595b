"""Every decision path of linking and status assignment, on a registry built in the test."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry

PEOPLE = [
    {"so_dinh_danh": "051085000001", "so_cmnd": "211111111", "ho_ten": "Nguyễn Văn Hùng",
     "ngay_sinh": "01/02/1985", "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051085000002", "ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985",
     "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051185000003", "ho_ten": "Trần Thị Lan", "ngay_sinh": "03/04/1985",
     "gioi_tinh": "Nữ", "ma_xa": "21451"},
    {"so_dinh_danh": "051185000004", "ho_ten": "Huỳnh Thị Mai", "ngay_sinh": "05/06/1985",
     "gioi_tinh": "Nữ", "ma_xa": "21478"},
    {"so_dinh_danh": "051040000005", "ho_ten": "Lê Văn Tám", "ngay_sinh": "07/08/1940",
     "gioi_tinh": "Nam", "ma_xa": "21472", "trang_thai": "Đã chết"},
    {"so_dinh_danh": "051212000006", "ho_ten": "Nguyễn Văn An", "ngay_sinh": "09/10/2012",
     "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051090000007", "ho_ten": "Phạm Văn Tâm", "ngay_sinh": "11/12/1990",
     "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051090000008", "ho_ten": "Phạm Văn Tân", "ngay_sinh": "11/12/1990",
     "gioi_tinh": "Nam"},
    {"so_dinh_danh": "051070000009", "ho_ten": "Võ Thị Hoa", "ngay_sinh": "15/05/1970",
     "gioi_tinh": "Nữ", "ma_xa": "21457"},
]


@pytest.fixture
def registry(make_registry):
    return prepare_registry(make_registry(PEOPLE), REGISTRY_REFERENCE_YEAR)


def _run(make_raw, registry, rows, source="bhxh"):
    out, _ = reconcile_source(make_raw(rows), load_sources()[source], registry)
    assert out.height == len(rows)
    return out


def _one(make_raw, registry, row, source="bhxh") -> dict:
    return _run(make_raw, registry, [row], source).row(0, named=True)


def test_exact_id_with_case_variant_name(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "NGUYỄN  văn hùng", "ngay_sinh": "01/02/1985",
                                    "so_dinh_danh": "051085000001"})
    assert (row["status"], row["person_id"], row["link_stage"]) == ("matched", "051085000001", "id12")


def test_id_that_lost_its_leading_zero(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Trần Thị Lan", "ngay_sinh": "1985",
                                    "so_dinh_danh": "51185000003"})
    assert row["person_id"] == "051185000003"
    assert "id_padded_excel" in row["reason_codes"]


def test_old_cmnd_links_through_registry_column(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Nguyễn Văn Hùng", "so_cmnd": "211111111"})
    assert (row["status"], row["person_id"], row["link_stage"]) == ("matched", "051085000001", "cmnd")


def test_parent_id_in_child_row_is_not_trusted(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "09/10/2012",
                                    "gioi_tinh": "Nam", "so_dinh_danh": "051085000001"},
               source="tre_em")
    assert (row["status"], row["person_id"], row["link_stage"]) == ("matched", "051212000006", "fuzzy")
    assert "id_conflict" in row["reason_codes"]


def test_mistyped_id_pointing_to_another_real_person(make_raw, registry):
    # 051185000004 (Huỳnh Thị Mai) typed where Trần Thị Lan's 051185000003 was meant
    row = _one(make_raw, registry, {"ho_ten": "Trần Thị Lan", "ngay_sinh": "03/04/1985",
                                    "gioi_tinh": "Nữ", "so_dinh_danh": "051185000004"})
    assert row["person_id"] == "051185000003"
    assert "id_conflict" in row["reason_codes"]


def test_family_name_equivalence_huynh_hoang(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Hoàng Thị Mai", "ngay_sinh": "05/06/1985",
                                    "gioi_tinh": "Nữ"})
    assert (row["status"], row["person_id"]) == ("matched", "051185000004")


def test_vo_vu_and_missing_middle_name(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Vũ Hoa", "ngay_sinh": "15/05/1970",
                                    "gioi_tinh": "Nữ", "xa": "Phổ Phong"})
    assert (row["status"], row["person_id"]) == ("matched", "051070000009")


def test_ambiguous_namesakes_go_to_review(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985",
                                    "gioi_tinh": "Nam"})
    assert (row["status"], row["person_id"]) == ("review", None)
    assert row["candidate_count"] == 2


def test_twins_told_apart_by_accents(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Phạm Văn Tân", "ngay_sinh": "11/12/1990",
                                    "gioi_tinh": "Nam"})
    assert row["person_id"] == "051090000008"


def test_twins_without_accents_are_review(make_raw, registry):
    # "Pham Van Tam" is Tâm exactly without accents, and Tân with one letter changed: close call
    row = _one(make_raw, registry, {"ho_ten": "Pham Van Tam", "ngay_sinh": "11/12/1990",
                                    "gioi_tinh": "Nam"})
    assert row["person_id"] in (None, "051090000007")


def test_dead_person_is_deceased(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Lê Văn Tám", "ngay_sinh": "1940", "gioi_tinh": "Nam"},
               source="nguoi_cao_tuoi")
    assert (row["status"], row["person_id"]) == ("deceased", "051040000005")


def test_namesake_born_years_apart_is_not_found(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Trần Thị Lan", "ngay_sinh": "03/04/1979",
                                    "gioi_tinh": "Nữ"})
    assert (row["status"], row["person_id"]) == ("not_found", None)


def test_second_row_of_a_person_is_duplicate(make_raw, registry):
    out = _run(make_raw, registry, [
        {"ho_ten": "Trần Thị Lan", "so_dinh_danh": "051185000003"},
        {"ho_ten": "Tran Thi Lan", "ngay_sinh": "3/4/1985", "gioi_tinh": "Nu", "_row": 9},
    ])
    assert out["status"].to_list() == ["matched", "duplicate"]
    assert out["duplicate_of"][1] == "a.csv:2"


def test_unlinked_rows_repeated_stay_not_found_and_point_to_the_first(make_raw, registry):
    person = {"ho_ten": "Đặng Văn Khách", "ngay_sinh": "01/01/1999", "gioi_tinh": "Nam"}
    out = _run(make_raw, registry, [dict(person), {**person, "ngay_sinh": "1999-01-01"}])
    assert out["status"].to_list() == ["not_found", "not_found"]
    assert out["duplicate_of"].to_list() == [None, "a.csv:2"]
    assert "repeated_not_found" in out["reason_codes"][1]
    assert "repeated_not_found" not in out["reason_codes"][0]


def test_unlinked_namesakes_with_different_ids_are_not_duplicates(make_raw, registry):
    # two people from elsewhere, same name and birth date, each with a well-formed ID of their own
    person = {"ho_ten": "Đặng Văn Khách", "ngay_sinh": "01/01/1999", "gioi_tinh": "Nam"}
    out = _run(make_raw, registry, [{**person, "so_dinh_danh": "052099123456"},
                                    {**person, "so_dinh_danh": "049099654321"},
                                    {**person, "so_dinh_danh": "052099123456"}])
    assert out["status"].to_list() == ["not_found", "not_found", "not_found"]
    assert out["duplicate_of"].to_list() == [None, None, "a.csv:2"]


def test_rejected_rows_keep_their_place(make_raw, registry):
    out = _run(make_raw, registry, [
        {"ho_ten": None, "ngay_sinh": "01/01/1980", "so_dinh_danh": "051085000001"},
        {"ho_ten": "Lê Thị Bé"},
        {"ho_ten": "Tổng cộng", "so_dinh_danh": "1234", "_kind": "total"},
    ])
    assert out["status"].to_list() == ["rejected"] * 3
    assert "name_missing" in out["reason_codes"][0]
    assert "no_identity" in out["reason_codes"][1]
    assert "total_row" in out["reason_codes"][2]
    assert out["source_row"].to_list() == [2, 3, 4]


def test_child_list_rejects_adult_by_age(make_raw, registry):
    row = _one(make_raw, registry, {"ho_ten": "Trần Thị Lan", "so_dinh_danh": "051185000003"},
               source="tre_em")
    assert row["status"] == "review"
    assert "age_out_of_range" in row["reason_codes"]


def test_reasons_are_in_vietnamese_and_evidence_masks_ids(make_raw, registry):
    out = _run(make_raw, registry, [{"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985",
                                     "gioi_tinh": "Nam"}])
    assert "cần cán bộ xác minh" in out["reason"][0]
    assert "051085000001" not in out["evidence"][0]
    assert "051******001" in out["evidence"][0]


def test_every_status_is_known(make_raw, registry):
    out = _run(make_raw, registry, [{"ho_ten": "Ai Đó", "ngay_sinh": "1980"}])
    assert out["status"].is_in(["matched", "duplicate", "deceased", "review", "not_found",
                                "rejected"]).all()
    assert out.schema["person_id"] == pl.Utf8


def test_id_with_same_name_and_birth_year_off_by_one_is_trusted(make_raw, registry):
    # 29/02/1972 written as a lunar-shifted 28/02/1971: day and year both differ
    row = _one(make_raw, registry, {"ho_ten": "Phạm Văn Tâm", "ngay_sinh": "10/12/1989",
                                    "gioi_tinh": "Nam", "so_dinh_danh": "051090000007"})
    assert (row["status"], row["person_id"], row["link_stage"]) == ("matched", "051090000007", "id12")


def test_leap_day_moved_a_year_is_a_lunar_shift(make_raw, make_registry):
    people = [{"so_dinh_danh": "051212000011", "ho_ten": "Ngô Thị Ngân", "ngay_sinh": "29/02/2012",
               "gioi_tinh": "Nữ"},
              {"so_dinh_danh": "051313000012", "ho_ten": "Ngô Thị Ngân", "ngay_sinh": "15/07/2013",
               "gioi_tinh": "Nữ", "ma_xa": "21478"}]
    reg = prepare_registry(make_registry(people), REGISTRY_REFERENCE_YEAR)
    row = _one(make_raw, reg, {"ho_ten": "Ngô Thị Ngân", "ngay_sinh": "28/02/2013", "gioi_tinh": "Nữ"},
               source="tre_em")
    assert (row["status"], row["person_id"]) == ("matched", "051212000011")


def test_full_date_shared_leaves_year_only_namesakes_out(make_raw, registry):
    # the registry also holds a Nguyễn Văn Hùng born "1985": the row's full date settles it
    row = _one(make_raw, registry, {"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "01/02/1985",
                                    "gioi_tinh": "Nam"})
    assert (row["status"], row["person_id"], row["candidate_count"]) == (
        "matched", "051085000001", 1)


def test_first_of_january_does_not_settle_the_date(make_raw, make_registry):
    people = [{"so_dinh_danh": "051080000021", "ho_ten": "Đỗ Văn Bình", "ngay_sinh": "01/01/1980",
               "gioi_tinh": "Nam"},
              {"so_dinh_danh": "051080000022", "ho_ten": "Đỗ Văn Bình", "ngay_sinh": "1980",
               "gioi_tinh": "Nam"}]
    reg = prepare_registry(make_registry(people), REGISTRY_REFERENCE_YEAR)
    row = _one(make_raw, reg, {"ho_ten": "Đỗ Văn Bình", "ngay_sinh": "01/01/1980",
                               "gioi_tinh": "Nam"})
    assert row["candidate_count"] == 2  # 1 January may stand for an unknown day


@pytest.mark.parametrize(("name", "date", "status"), [
    ("Trần Thị Lam", "03/04/1985", "matched"),  # a given-name typo alone
    ("Trần Thị Lan", "07/04/1985", "matched"),  # another day alone (same commune)
    ("Trần Thị Lam", "04/03/1985", "matched"),  # a typo and the day and month swapped
    ("Trần Thị Lam", "07/04/1985", "not_found"),  # a typo and another day: too little left
])
def test_name_typo_never_with_another_day(make_raw, registry, name, date, status):
    row = _one(make_raw, registry, {"ho_ten": name, "ngay_sinh": date, "gioi_tinh": "Nữ",
                                    "xa": "21451"})
    assert row["status"] == status
    assert row["person_id"] == ("051185000003" if status == "matched" else None)


@pytest.mark.parametrize(("commune", "status"), [("21451", "matched"), ("21478", "not_found")])
def test_mistyped_day_counts_only_in_the_same_commune(make_raw, registry, commune, status):
    row = _one(make_raw, registry, {"ho_ten": "Trần Thị Lan", "ngay_sinh": "07/04/1985",
                                    "gioi_tinh": "Nữ", "xa": commune})
    assert row["status"] == status


LONG_A = {"so_dinh_danh": "051060000031", "ho_ten": "Bùi Văn Long", "ngay_sinh": "05/05/1960",
          "gioi_tinh": "Nam", "ma_xa": "21439"}
LONG_B = {"so_dinh_danh": "051060000032", "ho_ten": "Bùi Văn Long", "ngay_sinh": "07/07/1960",
          "gioi_tinh": "Nam", "ma_xa": "21478"}


def test_year_only_row_settled_by_its_commune(make_raw, make_registry):
    reg = prepare_registry(make_registry([LONG_A, LONG_B]), REGISTRY_REFERENCE_YEAR)
    row = _one(make_raw, reg, {"ho_ten": "Bùi Văn Long", "ngay_sinh": "1960", "gioi_tinh": "Nam",
                               "xa": "21439"})
    assert (row["status"], row["person_id"], row["candidate_count"]) == (
        "matched", "051060000031", 1)


def test_row_with_a_mistyped_id_keeps_namesakes_elsewhere(make_raw, make_registry):
    # the ID is one digit off B's: B stays a candidate though A lives in the row's commune
    reg = prepare_registry(make_registry([LONG_A, LONG_B]), REGISTRY_REFERENCE_YEAR)
    row = _one(make_raw, reg, {"ho_ten": "Bùi Văn Long", "ngay_sinh": "1960", "gioi_tinh": "Nam",
                               "xa": "21439", "so_dinh_danh": "051060000033"})
    assert row["candidate_count"] == 2
    levels = {c["id"]: c["levels"]["id"] for c in json.loads(row["evidence"])["candidates"]}
    assert levels["051******032"] == "near"
