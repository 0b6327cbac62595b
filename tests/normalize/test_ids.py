import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.normalize import ids
from ducpho_etl.normalize.ids import check_id_consistency, normalize_id12, normalize_ids

COLS = ["so_dinh_danh", "so_cmnd", "ma_bhxh", "the_bhyt", "mst"]


def _frame(**cols):
    n = max(len(v) for v in cols.values())
    data = {c: cols.get(c, [None] * n) for c in COLS}
    return pl.DataFrame(data, schema={c: pl.String for c in COLS})


def _ids(values):
    return normalize_ids(_frame(so_dinh_danh=values))


def test_id12_cases():
    out = _ids(
        [
            "051085123456",
            "51085123456",
            "51085123456.0",
            "5.10851E+11",
            "051.085.123.456",
            "051 085 123-456",
            "211234567",
            "21123456",
            "999085123456",
            "12345",
            "CCCD abc",
            None,
            "  ",
        ]
    )
    got = list(
        zip(out.get_column("id12").to_list(), out.get_column("id12_status").to_list(), strict=True)
    )
    assert got == [
        ("051085123456", "ok"),
        ("051085123456", "padded"),
        ("051085123456", "padded"),
        (None, "scientific"),
        ("051085123456", "ok"),
        ("051085123456", "ok"),
        (None, "cmnd_in_id_column"),
        (None, "cmnd_in_id_column"),
        (None, "bad_province"),
        (None, "bad_length"),
        (None, "bad_length"),
        (None, "missing"),
        (None, "missing"),
    ]
    assert out.get_column("cmnd9").to_list()[6:8] == ["211234567", "021123456"]
    codes = out.get_column("norm_codes").to_list()
    assert "id_padded_excel" in codes[1]
    assert "id_scientific" in codes[3]
    assert "id_cmnd_in_id_column" in codes[6]
    assert "cmnd_padded" in codes[7]
    assert "id_bad_province" in codes[8]
    assert "id_bad_length" in codes[9]
    assert "id_missing" in codes[11]
    assert codes[0] == []


def test_cmnd_column():
    out = normalize_ids(_frame(so_cmnd=["212345678", "21234567", "21234567.0", "12", None]))
    assert out.get_column("cmnd9").to_list() == ["212345678", "021234567", "021234567", None, None]
    codes = out.get_column("norm_codes").to_list()
    assert "cmnd_padded" in codes[1]
    assert "cmnd_bad_length" in codes[3]


def test_bhxh_and_bhyt():
    out = normalize_ids(
        _frame(
            ma_bhxh=["5112345678", "512345678", None, None, "abc"],
            the_bhyt=[None, None, "GD4515123456789", "gd 451 5123456789", None],
        )
    )
    assert out.get_column("bhxh10").to_list() == [
        "5112345678",
        "0512345678",
        "5123456789",
        "5123456789",
        None,
    ]
    codes = out.get_column("norm_codes").to_list()
    assert "bhxh_padded" in codes[1]
    assert "bhxh_from_bhyt" in codes[2]
    assert "bhxh_bad_length" in codes[4]


def test_mst():
    out = normalize_ids(
        _frame(mst=["0100112437", "0100112437-001", "100112437", "0100112438", "junk", None])
    )
    assert out.get_column("mst10").to_list() == [
        "0100112437",
        "0100112437",
        "0100112437",
        "0100112438",
        None,
        None,
    ]
    assert out.get_column("mst_valid").to_list() == [True, True, True, False, False, None]
    codes = out.get_column("norm_codes").to_list()
    assert "mst_branch_dropped" in codes[1]
    assert "mst_padded" in codes[2]
    assert "mst_invalid" in codes[3]


def test_consistency():
    df = pl.DataFrame(
        {
            "id12": [
                "051085123456",
                "051185123456",
                "051285123456",
                "051084123456",
                None,
                "051305123456",
            ],
            "birth_year": [1985, 1985, 1985, 1985, 1985, 2005],
            "gender": ["Nam", "Nam", "Nam", "Nam", "Nam", "Nữ"],
        },
        schema_overrides={"birth_year": pl.Int32},
    )
    out = check_id_consistency(df)
    assert out.get_column("id12_consistent").to_list() == [True, False, False, False, None, True]
    codes = out.get_column("norm_codes").to_list()
    assert "id_inconsistent_gender" in codes[1]
    assert "id_inconsistent_birth" in codes[2]
    assert "id_inconsistent_birth" in codes[3]
    assert out.get_column("id12").to_list()[1] == "051185123456"  # kept
    unknown_gender = check_id_consistency(df.with_columns(gender=pl.lit(None, pl.String)))
    assert unknown_gender.get_column("id12_consistent").null_count() == 6


def test_normalize_id12_helper():
    assert normalize_id12("51085123456") == ("051085123456", "padded")


def test_reasons_cover_codes():
    out = normalize_ids(
        _frame(
            so_dinh_danh=["51085123456", "5.1E+11", "1", "999999999999", "21234567", None, "x"],
            so_cmnd=["2123456", None, None, None, None, None, None],
            ma_bhxh=["12345678", None, None, "x", None, None, None],
            the_bhyt=[None, "GD4515123456789", None, None, "bad", None, None],
            mst=["0100112437-001", "100112437", "0100112438", None, None, None, None],
        )
    )
    codes = set(out.get_column("norm_codes").explode().drop_nulls().to_list())
    assert codes <= set(ids.REASONS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(*[st.one_of(st.none(), st.text())] * 5), min_size=1, max_size=10))
def test_never_raises_and_id_idempotent(rows):
    df = pl.DataFrame(rows, schema={c: pl.String for c in COLS}, orient="row")
    out = normalize_ids(df)
    id12 = out.get_column("id12").drop_nulls().to_list()
    assert all(len(v) == 12 and v.isdigit() for v in id12)
    again = _ids(id12)
    assert again.get_column("id12").to_list() == id12
    assert set(again.get_column("id12_status").to_list()) <= {"ok"}
    for c, n in (("cmnd9", 9), ("bhxh10", 10), ("mst10", 10)):
        assert all(len(v) == n and v.isdigit() for v in out.get_column(c).drop_nulls().to_list())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(ids.PROVINCE_CODES)), st.integers(0, 10**9 - 1))
def test_valid_ids_pass(prov, rest):
    v = f"{prov}{rest:09d}"
    assert normalize_id12(v) == (v, "ok")
    if v.startswith("0"):
        assert normalize_id12(v[1:]) == (v, "padded")


def test_excel_text_formula_wrapper_is_stripped():
    """="051085123456" keeps the zero when a CSV is opened in Excel: the number inside is used."""
    out = normalize_ids(
        _frame(
            so_dinh_danh=['="051085123456"', '  ="051085123456"  ', '= "051085123456" ',
                          '="51085123456"', '="abc"'],
            so_cmnd=['="211234567"', '="21123456"', None, None, None],
            ma_bhxh=['="0512345678"', None, None, None, None],
            the_bhyt=[None, '="GD4515123456789"', None, None, None],
            mst=['="0100112437"', None, None, None, None],
        )
    )
    assert out["id12"].to_list() == ["051085123456"] * 4 + [None]
    assert out["id12_status"].to_list() == ["ok", "ok", "ok", "padded", "bad_length"]
    assert out["cmnd9"].to_list() == ["211234567", "021123456", None, None, None]
    assert out["bhxh10"].to_list() == ["0512345678", "5123456789", None, None, None]
    assert out["mst10"].to_list()[0] == "0100112437"
    assert out["mst_valid"].to_list()[0] is True
    codes = out["norm_codes"].to_list()
    assert codes[0] == [] and codes[2] == []
    assert codes[1] == ["cmnd_padded", "bhxh_from_bhyt"]
    assert codes[3] == ["id_padded_excel"]


def test_id_of_province_001_to_009_lost_two_zeros():
    """A number cell drops both zeros of 001-009: ten digits come back only as a real ID would."""
    out = _ids(["1057123020", "8305123456", "6512345678.0", "1957123020", "3085123456",
                "0905123456", "5112345678", "1.057123020E+9"])
    assert out["id12"].to_list() == ["001057123020", "008305123456", "006512345678", None, None,
                                     None, None, "001057123020"]
    assert out["id12_status"].to_list() == ["padded"] * 3 + ["bad_length"] * 4 + ["padded"]
    codes = out["norm_codes"].to_list()
    assert [("id_padded_excel" in c, "id_bad_length" in c) for c in codes] == (
        [(True, False)] * 3 + [(False, True)] * 4 + [(True, False)])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 9), st.integers(0, 9), st.integers(0, 10**8 - 1))
def test_ten_digits_padded_only_for_a_known_province_and_a_valid_century(p, g, rest):
    v = f"00{p}{g}{rest:08d}"
    usable = v[:3] in ids.PROVINCE_CODES and g <= 5  # G 0-5: born 1900-2199
    assert normalize_id12(v[2:]) == ((v, "padded") if usable else (None, "bad_length"))


@pytest.mark.parametrize("sep", ["/", " / ", "-", " - ", ",", ", ", ";", "; ", " ", "\n", " \r\n"])
@pytest.mark.parametrize("cmnd_first", [False, True])
def test_id_and_cmnd_in_one_cell_give_both(sep, cmnd_first):
    """CCCD and the old CMND written in one cell, in either order: the 12 digits are the ID, the
    9 the CMND."""
    pair = ["051179145119", "215527997"]
    out = _ids([sep.join(pair[::-1] if cmnd_first else pair)])
    assert out.select("id12", "id12_status", "cmnd9").row(0) == (*pair[:1], "ok", pair[1])
    assert out["norm_codes"][0].to_list() == []


def test_id_cell_pair_beside_other_cmnd_and_ids():
    """The CMND column wins over one written in the ID cell; two IDs, a dashed ID or a labelled
    pair keep the ID rules."""
    out = normalize_ids(
        _frame(
            so_dinh_danh=["051179145119/215527997", "051085123456; 051085123457",
                          "051-085-123-456", "CMND 215527997, CCCD 051179145119"],
            so_cmnd=["212345678", None, None, None],
        )
    )
    assert out.select("id12", "cmnd9").rows() == [
        ("051179145119", "212345678"),
        ("051085123456", None),
        ("051085123456", None),
        ("051179145119", "215527997"),
    ]
