"""How an agency's answer text is understood and an ID checked (domain.md rules)."""

from __future__ import annotations

import pytest

from ducpho_etl.decisions.agency import check_id, parse_answer, source_of


@pytest.mark.parametrize(("text", "kind", "person_id", "note"), [
    ("đúng", "yes", None, ""),
    ("Đúng người, đã xác minh", "yes", None, "đã xác minh"),
    ("DUNG", "yes", None, ""),
    ("không phải", "no", None, ""),
    ("Không đúng - người khác", "no", None, "người khác"),
    ("051085000002", "id", "051085000002", ""),
    ("Số đúng: 051 085 000 002 (đã xác minh)", "id", "051085000002", "Số đúng: (đã xác minh)"),
    ("51085000002", "id", "051085000002", ""),  # Excel dropped the leading zero
    ("0510850000", "bad", None, ""),
    ("5.10851E+11", "bad", None, ""),
    ("đã liên hệ, chờ bổ sung giấy tờ", "note", None, "đã liên hệ, chờ bổ sung giấy tờ"),
    ("đúng hẹn sẽ gửi", "yes", None, "hẹn sẽ gửi"),
])
def test_answers_are_understood(text, kind, person_id, note):
    answer = parse_answer(text)
    assert (answer.kind, answer.person_id) == (kind, person_id)
    if kind != "bad":
        assert answer.note == note
    else:
        assert answer.problem


@pytest.mark.parametrize(("person_id", "year", "gender", "ok"), [
    ("051085000002", 1985, "Nam", True),
    ("051185000002", 1985, "Nữ", True),
    ("051285000002", 1985, "Nam", False),   # born 2000-2099 by its century digit
    ("051086000002", 1985, "Nam", False),   # year digits 86
    ("051185000002", 1985, "Nam", False),   # a woman's digit
    ("999085000002", 1985, "Nam", False),   # no such province
    ("051205000002", 2005, "Nam", True),
    ("051085000002", None, None, True),     # nothing to check against
])
def test_ids_are_checked_against_the_row(person_id, year, gender, ok):
    problem = check_id(person_id, year, gender)
    assert (problem is None) == ok
    assert problem is None or person_id not in problem  # masked


def test_the_source_of_a_returned_file():
    labels = {"bhxh": "Bảo hiểm xã hội", "thue": "Thuế", "bao_tro_xa_hoi": "Đối tượng BTXH"}
    from pathlib import Path

    assert source_of(Path("bhxh.xlsx"), labels) == "bhxh"
    assert source_of(Path("bhxh (1).xlsx"), labels) == "bhxh"
    assert source_of(Path("bao_tro_xa_hoi_tra_loi.xlsx"), labels) == "bao_tro_xa_hoi"
    assert source_of(Path("tra_loi.xlsx"), labels, "THUẾ") == "thue"
    assert source_of(Path("tra_loi.xlsx"), labels) is None
