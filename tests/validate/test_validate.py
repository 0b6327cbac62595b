"""Validation: each row check passes one row and fails another, contract uniqueness, failures
joined back to the right rows, schema problems raised rather than ignored."""

from __future__ import annotations

import polars as pl
import pytest

from ducpho_etl.contracts import load_sources
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.reasons import catalogue
from ducpho_etl.validate import REASONS, ROW_CHECKS, ValidationError, build_schema, validate_rows

GOOD = {"ho_ten": "Lê Văn An", "ngay_sinh": "01/02/1980", "gioi_tinh": "Nam", "xa": "Phổ An"}


def _canon(make_raw, rows, data_year=2023):
    frame = make_raw(rows).with_row_index("row_id")
    return normalize_frame(frame.with_columns(pl.lit(data_year, pl.Int32).alias("reference_year")))


def _codes(make_raw, rows, source="bhxh", data_year=2023):
    canon = _canon(make_raw, rows, data_year)
    out = validate_rows(canon, load_sources()[source])
    assert out["row_id"].to_list() == list(range(len(rows)))
    return out["reject_codes"].to_list(), out["flag_codes"].to_list()


def test_clean_row_passes(make_raw):
    rejects, flags = _codes(make_raw, [dict(GOOD)])
    assert rejects == [[]] and flags == [[]]


# code -> (source, failing row, passing row): each differs from GOOD in one field
CASES = {
    "total_row": ("bhxh", {"ho_ten": "Tổng cộng", "_kind": "total"}, {}),
    "name_missing": ("bhxh", {"ho_ten": None}, {}),
    "name_invalid": ("bhxh", {"ho_ten": "Lê Văn 3"}, {"ho_ten": "Nguyễn Thị Ánh Tuyết"}),
    "no_identity": ("bhxh", {"ngay_sinh": None}, {"ngay_sinh": None, "ma_bhxh": "5105012345"}),
    "birth_date_impossible": ("bhxh", {"ngay_sinh": "31/02/1980"}, {"ngay_sinh": "29/02/1980"}),
    "age_implausible_for_source": ("nguoi_cao_tuoi", {"ngay_sinh": "01/02/1990"},
                                   {"ngay_sinh": "01/02/1950"}),
    "gender_unknown": ("bhxh", {"gioi_tinh": "?"}, {"gioi_tinh": "Nữ"}),
    "place_not_in_town": ("bhxh", {"xa": "Hà Nội xa lắm"}, {"xa": "Phổ Thạnh"}),
}


@pytest.mark.parametrize("code", list(ROW_CHECKS))
def test_each_check_fails_one_row_and_passes_another(make_raw, code):
    source, failing, passing = CASES[code]
    rejects, flags = _codes(make_raw, [{**GOOD, **failing}, {**GOOD, **passing}], source)
    found = flags if ROW_CHECKS[code][0] == "flag" else rejects
    assert code in found[0], (rejects, flags)
    assert code not in found[1] and rejects[1] == [], (rejects, flags)


def test_every_check_has_a_case():
    assert set(CASES) == set(ROW_CHECKS)


def test_name_must_be_vietnamese_letters(make_raw):
    rows = [{**GOOD, "ho_ten": name} for name in
            ("Đặng Thị Mỹ Hạnh", "Giàng A Páo", "Иван Петров", "王小明", "Lê_Văn", "Hồ Thị Ngọc Ẩn")]
    rejects, _ = _codes(make_raw, rows)
    assert ["name_invalid" in r for r in rejects] == [False, False, True, True, True, False]


def test_age_range_uses_the_data_year_and_each_bound(make_raw):
    # tre_em: max_age 15; a child born in 2008 is 15 in 2023 but 17 in 2025
    _, flags = _codes(make_raw, [{**GOOD, "ngay_sinh": "05/06/2008"}], "tre_em", data_year=2023)
    assert "age_implausible_for_source" not in flags[0]
    _, flags = _codes(make_raw, [{**GOOD, "ngay_sinh": "05/06/2008"}], "tre_em", data_year=2025)
    assert "age_implausible_for_source" in flags[0]
    # hoi_nong_dan: min_age 16; no age range at all for bhxh
    _, flags = _codes(make_raw, [{**GOOD, "ngay_sinh": "2012"}], "hoi_nong_dan")
    assert "age_implausible_for_source" in flags[0]
    _, flags = _codes(make_raw, [{**GOOD, "ngay_sinh": "2012"}], "bhxh")
    assert "age_implausible_for_source" not in flags[0]


def test_birth_date_after_the_data_year_is_impossible(make_raw):
    rows = [{**GOOD, "ngay_sinh": "01/02/2030", "so_dinh_danh": "051080000001"},
            {**GOOD, "ngay_sinh": "không rõ", "so_dinh_danh": "051080000002"}]
    rejects, flags = _codes(make_raw, rows)
    assert "birth_date_impossible" in flags[0] and rejects[0] == []
    assert "birth_date_impossible" not in flags[1]  # unreadable, not impossible (date_unparseable)


def test_flags_do_not_reject(make_raw):
    rejects, flags = _codes(make_raw, [{"ho_ten": "Lê Văn A", "ngay_sinh": "1980",
                                        "xa": "Hà Nội xa lắm"}])
    assert rejects == [[]]
    assert "gender_unknown" in flags[0] and "place_not_in_town" in flags[0]


def test_contract_uniqueness_flags_later_rows(make_raw):
    rows = [{"ho_ten": f"Lê Văn {n}", "ngay_sinh": "1980", "ma_bhxh": "5105012345"}
            for n in ("A", "B", "C")]
    _, flags = _codes(make_raw, rows)
    assert ["duplicate_bhxh10" in f for f in flags] == [False, True, True]


def test_uniqueness_on_a_raw_field_from_the_contract(make_raw, monkeypatch, tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "the_bhyt_list.yaml").write_text(
        "key: the_bhyt_list\nlabel: Danh sách thẻ BHYT\nrequired: [ho_ten]\n"
        "identity_any: [the_bhyt]\nunique: [the_bhyt]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path))
    rows = [{**GOOD, "the_bhyt": card} for card in ("GD4515100000001", "gd4515100000001 ", None, None)]
    _, flags = _codes(make_raw, rows, "the_bhyt_list")
    assert ["duplicate_the_bhyt" in f for f in flags] == [False, True, False, False]
    assert "duplicate_the_bhyt" in REASONS


def test_rows_keep_their_place_and_nothing_is_dropped(make_raw):
    rows = [dict(GOOD), {"ho_ten": None}, dict(GOOD), {"ho_ten": "Tổng", "_kind": "total"}]
    rejects, _ = _codes(make_raw, rows)
    assert [bool(r) for r in rejects] == [False, True, False, True]


def test_missing_column_raises_not_silently_passes(make_raw):
    canon = _canon(make_raw, [dict(GOOD)]).drop("gender")
    with pytest.raises(ValidationError, match="gender"):
        validate_rows(canon, load_sources()["bhxh"])


def test_wrong_dtype_raises(make_raw):
    canon = _canon(make_raw, [dict(GOOD)]).with_columns(pl.col("birth_year").cast(pl.Utf8))
    with pytest.raises(ValidationError, match="birth_year"):
        validate_rows(canon, load_sources()["bhxh"])


def test_lazy_frame_and_disabled_validation_still_check_data(make_raw, monkeypatch):
    from pandera.config import config_context

    canon = _canon(make_raw, [{**GOOD, "ho_ten": None}])
    with config_context(validation_enabled=False, validation_depth="SCHEMA_ONLY"):
        out = validate_rows(canon.lazy(), load_sources()["bhxh"])
    assert "name_missing" in out["reject_codes"][0]


def test_schema_is_pandera_and_names_the_source():
    schema = build_schema(load_sources()["bhxh"])
    assert schema.name == "source bhxh"
    assert {c.name for c in schema.checks} >= set(ROW_CHECKS) | {"duplicate_bhxh10"}


def test_every_check_has_a_vietnamese_and_english_reason():
    for code in ROW_CHECKS:
        vi, en = REASONS[code]
        assert vi and en and vi != en
        assert catalogue()[code] == REASONS[code]
