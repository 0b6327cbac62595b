"""Properties of every cell normaliser (hypothesis): never raise; idempotent; the key a value
gives is stable under NFC/NFD, case, spacing and the invisible characters spreadsheets carry."""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.ingest.encodings import VIETNAMESE_LETTERS
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.normalize.dates import parse_birth_date
from ducpho_etl.normalize.gender import normalize_gender
from ducpho_etl.normalize.ids import normalize_id12
from ducpho_etl.normalize.names import normalize_names

INVISIBLE = ["\u200b", "\ufeff", "\u00ad", "\u2060", "\u200c"]
SPACES = [" ", "  ", "\u00a0", "\t", " \u200b"]

_letters = [c for c in VIETNAMESE_LETTERS if c.islower()] + list("bcdghklmnpqrstvx")
_word = st.text(alphabet=_letters, min_size=1, max_size=7)
vn_name = st.lists(_word, min_size=2, max_size=5).map(" ".join)


def names_of(values: list[str | None]) -> pl.DataFrame:
    return normalize_names(pl.DataFrame({"ho_ten": values}, schema={"ho_ten": pl.String}))


def disguise(text: str, how: tuple) -> str:
    """What a spreadsheet may do to a text: normal form, case, spacing, invisible characters."""
    form, case, space, invisible, at_end = how
    t = unicodedata.normalize(form, text)
    t = {"upper": t.upper(), "lower": t.lower(), "title": t.title(), "same": t}[case]
    t = t.replace(" ", space)
    return (t + invisible) if at_end else (invisible + t)


_how = st.tuples(st.sampled_from(["NFC", "NFD"]), st.sampled_from(["upper", "lower", "title", "same"]),
                 st.sampled_from(SPACES), st.sampled_from(INVISIBLE), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=8))
def test_names_never_raise_and_are_idempotent(values) -> None:
    once = names_of(values)
    again = names_of(once["name"].to_list())
    assert again["name"].to_list() == once["name"].to_list()
    assert again["name_key"].to_list() == once["name_key"].to_list()


@settings(max_examples=200, deadline=None)
@given(vn_name, _how, st.sampled_from(["", " (đã chết)", " - CB", "*", ".", " (*)"]))
def test_name_key_stable_under_cell_disguises(name, how, annotation) -> None:
    plain = names_of([name])
    seen = names_of([disguise(name, how) + annotation])
    assert seen["name_key"].to_list() == plain["name_key"].to_list()
    assert seen["name"].to_list() == plain["name"].to_list()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30)))
def test_id_never_raises_and_is_idempotent(value) -> None:
    id12, status = normalize_id12(value)
    if id12 is not None:
        assert normalize_id12(id12) == (id12, "ok")


_id12 = st.tuples(st.sampled_from(["051", "001", "079", "048"]), st.integers(0, 3),
                  st.integers(0, 99), st.integers(0, 999_999)).map(
    lambda t: f"{t[0]}{t[1]}{t[2]:02d}{t[3]:06d}")
_id_form = st.sampled_from([
    lambda v: v, lambda v: "'" + v, lambda v: f" {v} ", lambda v: f"{v[:3]} {v[3:6]} {v[6:9]} {v[9:]}",
    lambda v: f"{v[:3]}.{v[3:6]}.{v[6:9]}.{v[9:]}", lambda v: f"{v[:3]}-{v[3:6]}-{v[6:9]}-{v[9:]}",
    lambda v: "".join(chr(ord(c) + 0xFEE0) for c in v), lambda v: "\u200b" + v,
    lambda v: "CCCD: " + v, lambda v: v + " / 211234567", lambda v: "\u2019" + v,
    lambda v: v + "\u00a0",
])


@settings(max_examples=300, deadline=None)
@given(_id12, _id_form)
def test_id_key_stable_under_cell_forms(value, form) -> None:
    assert normalize_id12(form(value)) == (value, "ok")


@settings(max_examples=300, deadline=None)
@given(_id12.filter(lambda v: v[0] == "0" and v[1] != "0"))
def test_id_lost_leading_zero_comes_back(value) -> None:
    assert normalize_id12(str(int(value)))[0] == value
    assert normalize_id12(f"{int(value)}.0")[0] == value


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30)), st.integers(1950, 2030))
def test_dates_never_raise_and_are_idempotent(text, ref) -> None:
    parsed = parse_birth_date(text, ref)
    if parsed.year is None:
        return
    if parsed.day is not None:
        again = parse_birth_date(f"{parsed.day:02d}/{parsed.month:02d}/{parsed.year}", ref)
    elif parsed.month is not None:
        again = parse_birth_date(f"{parsed.month:02d}/{parsed.year}", ref)
    else:
        again = parse_birth_date(str(parsed.year), ref)
    assert (again.year, again.month, again.day) == (parsed.year, parsed.month, parsed.day)


_date_form = st.sampled_from([
    lambda d, m, y: f"{d:02d}/{m:02d}/{y}", lambda d, m, y: f"{d}/{m}/{y}",
    lambda d, m, y: f"{d:02d}-{m:02d}-{y}", lambda d, m, y: f"{d}.{m}.{y}",
    lambda d, m, y: f"{y}-{m:02d}-{d:02d}", lambda d, m, y: f"ngày {d} tháng {m} năm {y}",
    lambda d, m, y: f"Ngày {d:02d} tháng {m:02d} năm {y}", lambda d, m, y: f"{d}/{m}/{y} (âm lịch)",
    lambda d, m, y: f" {d:02d}/{m:02d}/{y}  ", lambda d, m, y: f"'{d:02d}/{m:02d}/{y}",
    lambda d, m, y: "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{d}/{m}/{y}"),
    lambda d, m, y: f"\u200b{d:02d}/{m:02d}/{y}", lambda d, m, y: f"{d:02d} / {m:02d} / {y}",
])


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=__import__("datetime").date(1900, 1, 2),
                max_value=__import__("datetime").date(2022, 12, 31)), _date_form)
def test_date_stable_under_typed_forms(day, form) -> None:
    parsed = parse_birth_date(form(day.day, day.month, day.year), 2023)
    assert (parsed.year, parsed.month, parsed.day) == (day.year, day.month, day.day)


@settings(max_examples=100, deadline=None)
@given(st.integers(1900, 2022), st.integers(1, 12), st.sampled_from([
    lambda m, y: f"{m:02d}/{y}", lambda m, y: f"Tháng {m}/{y}", lambda m, y: f"tháng {m} năm {y}",
    lambda m, y: f"00/{m:02d}/{y}"]))
def test_month_year_forms(year, month, form) -> None:
    parsed = parse_birth_date(form(month, year), 2023)
    assert (parsed.year, parsed.month, parsed.day, parsed.precision) == (year, month, None, "year")


@settings(max_examples=100, deadline=None)
@given(st.integers(1900, 2022), st.sampled_from([
    lambda y: f"{y}", lambda y: f"{y} ", lambda y: f"00/00/{y}", lambda y: f"năm {y}",
    lambda y: f"{y} (AL)", lambda y: f"{y}.0"]))
def test_year_only_forms(year, form) -> None:
    parsed = parse_birth_date(form(year), 2023)
    assert (parsed.year, parsed.month, parsed.day) == (year, None, None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=10)), min_size=1, max_size=6))
def test_gender_never_raises_and_is_idempotent(values) -> None:
    df = normalize_gender(pl.DataFrame({"gioi_tinh": values, "norm_codes": [[]] * len(values)},
                                       schema={"gioi_tinh": pl.String,
                                               "norm_codes": pl.List(pl.String)}))
    again = normalize_gender(df.select(pl.col("gender").alias("gioi_tinh"), "norm_codes"))
    assert again["gender"].to_list() == df["gender"].to_list()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), min_size=1, max_size=5))
def test_whole_frame_never_raises(values) -> None:
    cols = ["ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd", "ma_bhxh", "the_bhyt",
            "mst", "xa", "dia_chi", "thon"]
    df = pl.DataFrame({c: values for c in cols}, schema={c: pl.String for c in cols})
    assert normalize_frame(df).height == len(values)
