"""Validation: each row check, contract uniqueness, failures joined back to the right rows."""

from __future__ import annotations

from ducpho_etl.contracts import load_sources
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.validate import REASONS, ROW_CHECKS, validate_rows


def _codes(make_raw, rows, source="bhxh"):
    canon = normalize_frame(make_raw(rows).with_row_index("row_id"))
    out = validate_rows(canon, load_sources()[source])
    assert out["row_id"].to_list() == list(range(len(rows)))
    return out["reject_codes"].to_list(), out["flag_codes"].to_list()


def test_clean_row_passes(make_raw):
    rejects, flags = _codes(make_raw, [{"ho_ten": "Lê Văn A", "ngay_sinh": "01/01/1980",
                                        "gioi_tinh": "Nam", "xa": "Phổ An"}])
    assert rejects == [[]] and flags == [[]]


def test_each_reject_check(make_raw):
    rejects, _ = _codes(make_raw, [
        {"ho_ten": None, "ngay_sinh": "1980"},
        {"ho_ten": "Lê Văn 3", "ngay_sinh": "1980"},
        {"ho_ten": "Lê Văn B"},
        {"ho_ten": "Tổng cộng", "_kind": "total"},
        {"ho_ten": "Lê Văn C", "so_dinh_danh": "051080123456"},
    ])
    assert "name_missing" in rejects[0]
    assert "name_invalid" in rejects[1]
    assert "no_identity" in rejects[2]
    assert "total_row" in rejects[3]
    assert rejects[4] == []


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


def test_every_check_has_a_vietnamese_reason():
    for code in ROW_CHECKS:
        assert code in REASONS
