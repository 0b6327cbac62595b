"""Headers by meaning: words first (contract aliases as hints), values next, extra_* last."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.headers import field_by_values, field_by_words, match_header
from ducpho_etl.ingest.source import read_source
from ducpho_etl.sample.habits import HEADER_WORDINGS

CONTRACT = load_sources()["nguoi_cao_tuoi"]
HEADER_MAP = CONTRACT.header_map
WORDINGS = [(("ngay_sinh" if f == "namnu" else f), w) for f, ws in HEADER_WORDINGS.items()
            for w in ws]


def _strip_accents(text: str) -> str:
    t = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in t if not unicodedata.combining(c))


@pytest.mark.parametrize(("field", "wording"), WORDINGS)
def test_every_generator_wording_is_read_by_its_words(field: str, wording: str) -> None:
    assert match_header(wording, HEADER_MAP)[0] == field
    # without the contract's aliases too, except bare abbreviations that only an alias knows
    if len(wording.replace(".", "")) > 3 and wording not in ("Cha/mẹ",):
        assert field_by_words(wording) == field


@pytest.mark.parametrize("wording", ["Họ và tên người được hưởng", "Số ĐDCN/CCCD",
                                     "Ngày tháng năm sinh", "Đơn vị hành chính cấp xã", "Ghi chú"])
def test_issue_wordings(wording: str) -> None:
    assert match_header(wording, HEADER_MAP)[0] is not None


@pytest.mark.parametrize(("header", "expected"), [
    ("Mã số bảo hiểm xã hội", "ma_bhxh"),  # holds "xã" but is not a commune
    ("Họ tên mẹ", "ho_ten_cha_me"),  # a parent, not the row's own name
    ("Họ tên chủ hộ", None),  # another person: extra
    ("Nơi sinh", None),  # a place, not a birth date
    ("Ngày cấp CCCD", None),  # a date of the card, not an ID
    ("Số điện thoại", None),
    ("Tên người nộp thuế", "ho_ten"),
    ("Năm sinh mẹ", None),  # a parent's birth year, not the row's (school forms)
    ("Mã định danh Bộ GD&ĐT", None),  # the education ministry's pupil code, not a CCCD
    ("Huyện", None), ("Tỉnh", None),  # wider places than the commune
    ("Giới tính", "gioi_tinh"),
])
def test_meaning_not_keywords(header: str, expected: str | None) -> None:
    assert field_by_words(header) == expected


_spacing = st.sampled_from([" ", "  ", "\u00a0", " \u200b", "\t"])
_transform = st.sampled_from(["upper", "lower", "nfd", "no_accents", "title"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(WORDINGS), _transform, _spacing, st.booleans())
def test_matcher_stable_under_case_accents_spacing_invisibles(item, transform, space, bom) -> None:
    field, wording = item
    text = {"upper": wording.upper(), "lower": wording.lower(), "title": wording.title(),
            "nfd": unicodedata.normalize("NFD", wording),
            "no_accents": _strip_accents(wording)}[transform]
    text = text.replace(" ", space)
    if bom:
        text = "\ufeff" + text + " "
    assert match_header(text, HEADER_MAP)[0] == match_header(wording, HEADER_MAP)[0] == field


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_matcher_never_raises_and_is_deterministic(text: str) -> None:
    first = match_header(text, HEADER_MAP)
    assert first == match_header(text, HEADER_MAP)
    assert first[1] in (None, "alias", "words")
    assert field_by_words(text) in (None, *{f for f, _ in WORDINGS}, "dia_chi", "stt",
                                    "ngay_sinh_nam", "ngay_sinh_nu")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30))
def test_value_inference_never_raises(values) -> None:
    assert field_by_values(values) in (None, "so_dinh_danh", "so_cmnd", "the_bhyt", "mst",
                                       "ma_bhxh", "ngay_sinh", "gioi_tinh", "xa", "ho_ten")


def test_value_inference() -> None:
    ids = ["051085123456", "051 150 000 002", "51045000001", None, "'051060000003"]
    assert field_by_values(ids) == "so_dinh_danh"
    assert field_by_values(["211234567", "215000001", "212345678"]) == "so_cmnd"
    assert field_by_values(["12/03/1950", "1948", "5/3/1960", ""]) == "ngay_sinh"
    assert field_by_values(["Nam", "Nữ", "nu", "NAM"]) == "gioi_tinh"
    assert field_by_values(["Xã Phổ An", "P. Phổ Thạnh", "Phổ Văn", "21457"]) == "xa"
    assert field_by_values(["x", "đã nhận", "", "chuyển đi"]) is None
    # a field already named by a header is not given twice; a 12-digit column then is CMND's
    assert field_by_values(ids, taken={"so_dinh_danh"}) == "so_cmnd"


def _write(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "list.csv").write_text(text, encoding="utf-8")


def test_unknown_headers_decided_by_values_or_kept_as_extra(tmp_path: Path) -> None:
    _write(tmp_path, "Họ và tên người được hưởng,Cột 3,Mức trợ cấp,Số giấy tờ\n"
                     "Nguyễn Văn A,12/03/1950,360.000,051050000001\n"
                     "Trần Thị B,1948,360.000,051148000002\n"
                     "Lê Văn C,05/06/1941,540.000,051041000003\n")
    df, reports = read_source(tmp_path, CONTRACT)
    mapping = {m["header"]: (m["field"], m["how"]) for m in reports[0]["columns"]}
    assert mapping == {"Họ và tên người được hưởng": ("ho_ten", "words"),
                       "Cột 3": ("ngay_sinh", "values"),
                       "Mức trợ cấp": ("extra_muc_tro_cap", "extra"),
                       "Số giấy tờ": ("so_dinh_danh", "values")}
    assert df["so_dinh_danh"].to_list() == ["051050000001", "051148000002", "051041000003"]
    assert df["ngay_sinh"].to_list() == ["12/03/1950", "1948", "05/06/1941"]
    assert reports[0]["identity_complete"] is True


def test_identity_like_column_that_cannot_be_mapped_is_flagged(tmp_path: Path) -> None:
    # two ID-like columns, both fields already named: the third cannot be placed
    _write(tmp_path, "Họ và tên,Số CCCD,Số CMND,Số cũ\n"
                     "Nguyễn Văn A,051050000001,211000001,051050000009\n"
                     "Trần Thị B,051148000002,211000002,051148000008\n"
                     "Lê Văn C,051041000003,211000003,051041000007\n")
    _, reports = read_source(tmp_path, CONTRACT)
    assert reports[0]["identity_complete"] is False
    assert reports[0]["identity_gaps"] == ["Số cũ"]


# ----------------------------------------------------------- another person's ID is not the row's

OTHER_PERSON_IDS = ["Số CCCD chủ hộ", "Số CCCD cha/mẹ", "CCCD của mẹ", "Số CCCD của bố",
                    "Số định danh người giám hộ", "Số CMND người đại diện", "CCCD vợ/chồng",
                    "Mã số BHXH của mẹ"]


@pytest.mark.parametrize("header", OTHER_PERSON_IDS)
def test_another_persons_id_header_is_not_the_rows_id(header: str) -> None:
    assert field_by_words(header) is None
    assert match_header(header, HEADER_MAP) == (None, None)


@pytest.mark.parametrize("header", ["Số CCCD", "Số định danh cá nhân", "CCCD của người có công",
                                    "Số CMND", "Mã số BHXH"])
def test_the_rows_own_id_headers_still_map(header: str) -> None:
    assert field_by_words(header) in ("so_dinh_danh", "so_cmnd", "ma_bhxh")


def _read_mapped(folder: Path) -> tuple[pl.DataFrame, list[dict], dict[str, tuple]]:
    """The source read from `folder`, its reports, and header -> (field, how) of its file."""
    df, reports = read_source(folder, CONTRACT)
    return df, reports, {m["header"]: (m["field"], m["how"]) for m in reports[0]["columns"]}


def test_household_heads_id_left_of_the_own_id_is_kept_apart(tmp_path: Path) -> None:
    """Every row used to take the head's ID (the first of two so_dinh_danh columns won)."""
    _write(tmp_path, "Họ và tên,Số CCCD chủ hộ,Số CCCD\n"
                     "Nguyễn Văn A,051050000001,051050000001\n"
                     "Trần Thị B,051050000001,051175000002\n"
                     "Lê Văn C,051050000001,\n")
    df, reports, mapping = _read_mapped(tmp_path)
    assert mapping["Số CCCD chủ hộ"] == ("extra_so_cccd_chu_ho", "extra")
    assert mapping["Số CCCD"] == ("so_dinh_danh", "alias")
    assert df["so_dinh_danh"].to_list() == ["051050000001", "051175000002", None]
    assert df["extra_so_cccd_chu_ho"].to_list() == ["051050000001"] * 3
    assert reports[0]["identity_complete"] is True


def test_parents_id_does_not_fill_a_blank_own_id(tmp_path: Path) -> None:
    _write(tmp_path, "Họ và tên,Số CCCD,CCCD của mẹ\n"
                     "Nguyễn Văn A,051050000001,051150000009\n"
                     "Trần Thị B,,051150000008\n"
                     "Lê Văn C,,051150000007\n")
    df, _, mapping = _read_mapped(tmp_path)
    assert mapping["CCCD của mẹ"] == ("extra_cccd_cua_me", "extra")
    assert df["so_dinh_danh"].to_list() == ["051050000001", None, None]


def test_guardians_id_alone_is_not_taken_by_its_values(tmp_path: Path) -> None:
    """No own-ID column: the 12-digit values of a guardian's column must not make it the ID."""
    _write(tmp_path, "Họ và tên,Ngày sinh,Số định danh người giám hộ\n"
                     "Nguyễn Văn A,12/03/2015,051080000001\n"
                     "Trần Thị B,01/02/2016,051180000002\n"
                     "Lê Văn C,05/06/2017,051085000003\n")
    df, _, mapping = _read_mapped(tmp_path)
    assert mapping["Số định danh người giám hộ"] == ("extra_so_dinh_danh_nguoi_giam_ho", "extra")
    assert df["so_dinh_danh"].null_count() == df.height == 3
    assert df["so_cmnd"].null_count() == 3
