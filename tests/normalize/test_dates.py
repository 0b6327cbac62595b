import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.normalize import dates
from ducpho_etl.normalize.dates import normalize_dates, parse_birth_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/05/1985", (1985, 5, 12, "day")),
        ("2/3/1985", (1985, 3, 2, "day")),
        ("12-05-1985", (1985, 5, 12, "day")),
        ("12.05.1985", (1985, 5, 12, "day")),
        ("1985-05-12", (1985, 5, 12, "day")),
        ("1985-05-12 00:00:00", (1985, 5, 12, "day")),
        ("05/04/1990", (1990, 4, 5, "day")),  # ambiguous: dd/mm wins
        ("29221", (1980, 1, 1, "day")),
        ("29221.0", (1980, 1, 1, "day")),
        ("1945", (1945, None, None, "year")),
        ("1945.0", (1945, None, None, "year")),
        ("00/00/1945", (1945, None, None, "year")),
        ("0/0/1945", (1945, None, None, "year")),
        ("05/1960", (1960, 5, None, "year")),
        (" 01/01/1950 ", (1950, 1, 1, "day")),
        ("12/05/85", (1985, 5, 12, "day")),
        ("12/05/15", (2015, 5, 12, "day")),
        ("31/02/1990", (None, None, None, None)),
        ("12/13/1990", (None, None, None, None)),
        ("12/05/1850", (None, None, None, None)),
        ("12/05/2030", (None, None, None, None)),
        ("abc", (None, None, None, None)),
        (None, (None, None, None, None)),
        ("", (None, None, None, None)),
    ],
)
def test_parse(text, expected):
    p = parse_birth_date(text, 2023)
    assert (p.year, p.month, p.day, p.precision) == expected


def test_codes():
    assert "date_excel_serial" in parse_birth_date("29221").codes
    assert "date_year_only" in parse_birth_date("00/00/1945").codes
    assert "date_jan1_placeholder" in parse_birth_date("01/01/1945").codes
    assert "date_two_digit_year" in parse_birth_date("12/05/85").codes
    assert "date_impossible" in parse_birth_date("31/02/1990").codes
    assert "date_missing" in parse_birth_date("  ").codes
    assert "date_unparseable" in parse_birth_date("hôm qua").codes
    assert parse_birth_date("12/05/1985").codes == []


def test_two_digit_year_uses_reference_year():
    assert parse_birth_date("12/05/20", 2023).year == 2020
    assert parse_birth_date("12/05/20", 2019).year == 1920
    assert parse_birth_date("12/05/24", 2023).year == 1924


def test_frame_dtypes_and_reference_default():
    df = pl.DataFrame({"ngay_sinh": ["12/05/85", "2024", None], "x": [1, 2, 3]})
    out = normalize_dates(df)
    assert out.schema["birth_year"] == pl.Int32
    assert out.schema["birth_month"] == pl.Int8
    assert out.schema["birth_day"] == pl.Int8
    assert out.get_column("birth_year").to_list() == [1985, None, None]  # 2024 > 2023 default
    assert out.get_column("x").to_list() == [1, 2, 3]
    df2 = df.with_columns(reference_year=pl.lit(2025, pl.Int32))
    assert normalize_dates(df2).get_column("birth_year").to_list() == [1985, 2024, None]


def test_reasons_cover_codes():
    texts = ["29221", "00/00/1945", "05/1960", "01/01/1950", "1/1/50", "31/02/1990", "", "x"]
    codes = {c for t in texts for c in parse_birth_date(t).codes}
    assert codes <= set(dates.REASONS)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.integers(1800, 2200)))
def test_never_raises(text, ref):
    p = parse_birth_date(text, ref)
    if p.year is not None:
        assert 1890 <= p.year <= (ref or 2023)
    assert set(p.codes) <= set(dates.REASONS)


@settings(max_examples=100, deadline=None)
@given(
    st.dates(
        min_value=__import__("datetime").date(1890, 1, 1),
        max_value=__import__("datetime").date(2023, 12, 31),
    )
)
def test_roundtrip_formats(d):
    for text in (d.strftime("%d/%m/%Y"), d.isoformat(), f"{d.day}/{d.month}/{d.year}"):
        p = parse_birth_date(text, 2023)
        assert (p.year, p.month, p.day) == (d.year, d.month, d.day)


_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d 00:00:00", "%d/%m/%y"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.dates(
                    min_value=__import__("datetime").date(1850, 1, 1),
                    max_value=__import__("datetime").date(2099, 12, 31),
                ),
                st.sampled_from(_FORMATS),
            ).map(lambda x: x[0].strftime(x[1])),
            st.text(),
            st.none(),
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(1990, 2030),
)
def test_frame_matches_python_parser(texts, ref):
    """The native fast path and the Python parser give the same answers."""
    df = pl.DataFrame(
        {"ngay_sinh": texts, "reference_year": [ref] * len(texts)},
        schema={"ngay_sinh": pl.String, "reference_year": pl.Int32},
    )
    out = normalize_dates(df).to_dicts()
    for t, r in zip(texts, out, strict=True):
        p = parse_birth_date(t.strip() if t else t, ref)
        assert (r["birth_year"], r["birth_month"], r["birth_day"], r["birth_precision"]) == (
            p.year,
            p.month,
            p.day,
            p.precision,
        ), t
        assert r["norm_codes"] == p.codes, t
