import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.normalize import names
from ducpho_etl.normalize.names import family_equivalent, name_key, normalize_names


def _run(values):
    df = pl.DataFrame({"ho_ten": values}, schema={"ho_ten": pl.String})
    return normalize_names(df)


def test_title_case_and_spacing():
    out = _run(["NGUYỄN văn  hùng", "  trần   thị mai "]).to_dicts()
    assert out[0]["name"] == "Nguyễn Văn Hùng"
    assert out[0]["name_key"] == "nguyen van hung"
    assert {"name_case_fixed", "name_spacing_fixed"} <= set(out[0]["norm_codes"])
    assert out[1]["name"] == "Trần Thị Mai"


def test_nfd_input():
    nfd = unicodedata.normalize("NFD", "nguyễn thị ngọc ánh")
    out = _run([nfd]).to_dicts()[0]
    assert out["name"] == "Nguyễn Thị Ngọc Ánh"
    assert unicodedata.is_normalized("NFC", out["name"])
    assert "name_nfd_fixed" in out["norm_codes"]
    assert out["name_key"] == "nguyen thi ngoc anh"


def test_d_stroke():
    out = _run(["đặng đức đạt"]).to_dicts()[0]
    assert out["name"] == "Đặng Đức Đạt"
    assert out["name_key"] == "dang duc dat"
    assert name_key("ĐỖ") == "do"


def test_parts_and_family_equivalents():
    out = _run(["Huỳnh Văn An", "Hoàng Văn An", "Võ Thị Ngọc Anh", "Hùng"]).to_dicts()
    assert out[0]["family_key"] == out[1]["family_key"] == "hoang"
    assert "name_family_equivalent" in out[0]["norm_codes"]
    assert out[2]["family_key"] == "vu"
    assert out[2]["middle_key"] == "thi ngoc"
    assert out[2]["given_key"] == "anh"
    assert out[3]["family_key"] is None
    assert out[3]["middle_key"] == ""
    assert out[3]["given_key"] == "hung"
    assert family_equivalent("huynh") == "hoang"
    assert family_equivalent("vo") == "vu"
    assert family_equivalent("nguyen") == "nguyen"


def test_missing_and_digits():
    out = _run([None, "", "  ", "123", "Nguyễn Văn 2"]).to_dicts()
    for r in out[:3]:
        assert r["name"] is None and r["name_key"] is None
        assert "name_missing" in r["norm_codes"]
    assert out[3]["name"] is None and "name_no_letters" in out[3]["norm_codes"]
    assert "name_has_digits" in out[4]["norm_codes"]


def test_letters_lost_to_question_marks_are_said_not_only_stripped():
    """A file saved in an encoding without Vietnamese letters shows "Phan Th? H??ng": the
    letters are gone. The "?" go like stray punctuation, and the row says its name lost letters
    (an officer asks the agency for the name); a "?" or "(?)" apart from the words does not."""
    out = _run(["Phan Th? H??ng", "Tr\ufffdn Văn Bình", "Lê Văn Tám (?)", "Lê Văn ? Tám"])
    lost = ["name_letters_lost" in codes for codes in out["norm_codes"]]
    assert lost == [True, True, False, False]
    assert out["name"][0] == "Phan Th H Ng"
    assert "name_letters_lost" in names.REASONS


def test_clean_name_has_no_codes():
    assert _run(["Lê Văn Tám"]).item(0, "norm_codes").to_list() == []


def test_reasons_cover_codes():
    out = _run(["NGUYỄN  văn", None, "1", "Huỳnh", unicodedata.normalize("NFD", "Võ An 2")])
    codes = set(out.get_column("norm_codes").explode().drop_nulls().to_list())
    assert codes <= set(names.REASONS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_never_raises_and_idempotent(values):
    out = _run(values)
    again = _run(out.get_column("name").to_list())
    assert again.get_column("name").to_list() == out.get_column("name").to_list()
    for k in out.get_column("name_key").drop_nulls().to_list():
        assert k.isascii() and k == " ".join(k.split()) and k == k.lower()


_VN_WORDS = st.sampled_from(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Huỳnh",
        "Võ",
        "Đặng",
        "Thị",
        "Văn",
        "Ngọc",
        "Ánh",
        "Hùng",
        "Đức",
        "Quỳnh",
        "Phượng",
        "Thủy",
        "Thuỷ",
        "Hòa",
        "Hoà",
        "Ưng",
        "Ỷ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_VN_WORDS, min_size=1, max_size=5))
def test_name_key_invariant_to_form_and_case(words):
    s = " ".join(words)
    variants = [
        unicodedata.normalize("NFC", s),
        unicodedata.normalize("NFD", s),
        s.upper(),
        s.lower(),
        unicodedata.normalize("NFD", s.upper()),
    ]
    keys = {name_key(v) for v in variants}
    assert len(keys) == 1
    frame_keys = set(_run(variants).get_column("name_key").to_list())
    assert frame_keys == keys


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_name_key_function_matches_frame(s):
    out = _run([s])
    assert out.item(0, "name_key") == name_key(out.item(0, "name"))
