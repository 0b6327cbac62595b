"""Contracts are data: every source file loads, headers fold, bad contracts are refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.contracts import ContractError, _parse_source, fold_header, load_sources

HEADERS_SEEN = {  # contracts.md: the headers real extracts use, per field
    "ho_ten": ["Họ và tên", "Họ tên", "Họ, tên", "Họ và tên trẻ", "Họ và tên đối tượng"],
    "ngay_sinh": ["Ngày sinh", "Ngày, tháng, năm sinh", "Ngày tháng năm sinh", "Năm sinh"],
    "gioi_tinh": ["Giới tính", "GT", "Phái"],
    "so_dinh_danh": ["Số CCCD", "CCCD", "Số định danh", "Số định danh cá nhân", "Số CCCD/CMND",
                     "CMND/CCCD", "Số CMND/CCCD"],
    "so_cmnd": ["Số CMND", "CMND"],
    "ma_bhxh": ["Mã số BHXH", "Mã BHXH"],
    "the_bhyt": ["Số thẻ BHYT", "Mã thẻ BHYT"],
    "mst": ["Mã số thuế", "MST"],
    "xa": ["Xã/Phường", "Xã, phường", "Phường/Xã", "Mã xã"],
    "dia_chi": ["Địa chỉ", "Nơi cư trú"],
    "thon": ["Thôn", "Tổ dân phố", "Thôn/Tổ dân phố", "Chi hội"],
    "ho_ten_cha_me": ["Họ tên cha/mẹ", "Họ tên mẹ", "Họ tên cha"],
    "doi_tuong": ["Đối tượng", "Diện đối tượng", "Diện hưởng"],
}


def test_seven_sources_in_report_order():
    assert list(load_sources()) == ["hoi_nong_dan", "bhxh", "thue", "tre_em", "nguoi_cao_tuoi",
                                    "bao_tro_xa_hoi", "nguoi_co_cong"]


@pytest.mark.parametrize("field,headers", HEADERS_SEEN.items())
def test_every_known_header_maps_in_every_source(field, headers):
    for contract in load_sources().values():
        for header in headers:
            for variant in (header, header.upper(), header.lower() + ":", f"  {header} "):
                assert contract.field_for(variant) == field, (contract.key, variant)


def test_fold_header_ignores_case_accents_spacing_punctuation():
    assert fold_header("Họ và tên") == fold_header("HO VA TEN") == fold_header(" họ, và tên: ")
    assert fold_header("Số CCCD/CMND") == "socccdcmnd"
    assert fold_header("Đối tượng") == "doituong"
    assert fold_header("ＨỌ　ＴÊＮ") == "hoten"  # fullwidth forms (past the translate table)


def _fold_by_definition(text: str) -> str:
    """NFKD, đ by hand, no marks, lower case, only ASCII letters and digits."""
    text = unicodedata.normalize("NFKD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


@settings(max_examples=3000)
@given(st.text())
def test_fold_header_is_the_whole_string_normalisation(text):
    """fold_header folds character by character through a table: the same as normalising the
    whole string, for any text (composed or decomposed marks, compatibility forms, any script)."""
    assert fold_header(text) == _fold_by_definition(text)


def test_unknown_header_is_none():
    assert load_sources()["bhxh"].field_for("Số điện thoại") is None


def test_contract_with_unknown_field_is_refused(tmp_path):
    (tmp_path / "sources").mkdir()
    bad = tmp_path / "sources" / "cuu_chien_binh.yaml"
    bad.write_text("key: cuu_chien_binh\nlabel: Hội Cựu chiến binh\nrequired: [ho_ten, so_the]\n",
                   encoding="utf-8")
    with pytest.raises(ContractError, match="so_the"):
        _parse_source(bad)


def test_contract_key_must_match_file_name(tmp_path):
    bad = tmp_path / "abc.yaml"
    bad.write_text("key: xyz\nlabel: X\nrequired: [ho_ten]\n", encoding="utf-8")
    with pytest.raises(ContractError, match="file name"):
        _parse_source(bad)


@pytest.mark.parametrize(("text", "needle"), [
    ("key: abc\nlabel: X\nrequired: [ho_ten]\nminage: 3\n", "unknown key(s) ['minage']"),
    ("key: abc\nlabel: X\nrequired: [ho_ten]\nmin_age: 60\nmax_age: 15\n", "min_age 60 is above max_age 15"),
    ("key: abc\nlabel: X\nrequired: [ho_ten]\nmin_age: sixty\n", "min_age must be a whole number"),
    ("key: abc\nlabel: X\nrequired: [ngay_sinh]\n", "must include ho_ten"),
    ("key: abc\nlabel: X\nrequired: ho_ten\n", "'required' must be a list"),
    ("key: abc\nlabel: [X\n", "not valid YAML"),
])
def test_malformed_contracts_are_refused(tmp_path, text, needle):
    bad = tmp_path / "abc.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as info:
        _parse_source(bad)
    assert needle in str(info.value) and "abc.yaml" in str(info.value)


def test_every_contract_file_lists_its_fields_and_ages():
    sources = load_sources()
    assert sources["tre_em"].max_age == 15 and sources["nguoi_cao_tuoi"].min_age == 60
    assert sources["bhxh"].unique == ("ma_bhxh",) and sources["thue"].unique == ("mst",)
    for contract in sources.values():
        assert contract.path is not None and contract.path.name == f"{contract.key}.yaml"
        assert contract.label and contract.label_en and "ho_ten" in contract.required
