"""Birth-date parsing: many spreadsheet formats, Excel serials, year-only, two-digit years.

Parsing is pure Python (:func:`parse_birth_date`) applied only to the unique
(text, reference_year) pairs of a column and joined back.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple

import polars as pl

from ducpho_etl.codes import declare
from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.normalize.invisible import INVISIBLE_CHARS
from ducpho_etl.normalize.names import _ensure, append_codes

REASONS: dict[str, tuple[str, str]] = {
    "date_missing": ("Thiếu ngày sinh", "Birth date is missing"),
    "date_excel_serial": (
        "Ngày sinh ở dạng số seri của Excel, đã chuyển đổi",
        "Birth date was an Excel serial number; converted",
    ),
    "date_year_only": ("Chỉ có năm sinh", "Only the birth year is known"),
    "date_month_year_only": ("Chỉ có tháng và năm sinh", "Only birth month and year are known"),
    "date_two_digit_year": (
        "Năm sinh chỉ có 2 chữ số, đã suy ra thế kỷ",
        "Two-digit birth year; century inferred",
    ),
    "date_jan1_placeholder": (
        "Ngày sinh 01/01 có thể là ngày giả định (không rõ ngày)",
        "Birth date 1 January may stand in for an unknown day",
    ),
    "date_impossible": (
        "Ngày sinh không tồn tại hoặc ngoài khoảng hợp lý, đã loại",
        "Impossible or out-of-range birth date; rejected",
    ),
    "date_unparseable": ("Không đọc được ngày sinh", "Birth date format not recognised"),
}
declare(REASONS, "note")

MIN_YEAR = 1890
DEFAULT_REFERENCE_YEAR = DEFAULT_DATA_YEAR
EXCEL_SERIAL_MIN = 1
EXCEL_SERIAL_MAX = 60000
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serials > 60 (Excel's fake 1900-02-29 is serial 60)


class ParsedDate(NamedTuple):
    year: int | None
    month: int | None
    day: int | None
    precision: str | None
    codes: list[str]


_NUM = re.compile(r"^(\d+)(?:[.,]0+)?$")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})" + _TIME + "$")
_MY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
_VN = re.compile(r"^(?:sinh\s*)?(?:ngay\s*)?(\d{1,2})\s*(?:thang|[-/.])\s*(\d{1,2})\s*"
                 r"(?:nam|[-/.])\s*(\d{4})$")
_VN_MY = re.compile(r"^(?:sinh\s*)?(?:thang\s*)(\d{1,2})\s*(?:nam|[-/.])\s*(\d{4})$")


def _fold(s: str) -> str:
    t = unicodedata.normalize("NFKD", s)
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return t.replace("đ", "d").replace("Đ", "d").lower()


def _bad(*codes: str) -> ParsedDate:
    return ParsedDate(None, None, None, None, list(codes))


def _full(y: int, m: int, d: int, ref: int, codes: list[str]) -> ParsedDate:
    if y < MIN_YEAR or y > ref:
        return _bad(*codes, "date_impossible")
    try:
        dt.date(y, m, d)
    except ValueError:
        return _bad(*codes, "date_impossible")
    if d == 1 and m == 1:
        codes = [*codes, "date_jan1_placeholder"]
    return ParsedDate(y, m, d, "day", codes)


def _partial(y: int, m: int | None, ref: int, codes: list[str]) -> ParsedDate:
    if y < MIN_YEAR or y > ref or (m is not None and not 1 <= m <= 12):
        return _bad(*codes, "date_impossible")
    code = "date_year_only" if m is None else "date_month_year_only"
    return ParsedDate(y, m, None, "year", [*codes, code])


def _century(yy: int, ref: int) -> int:
    return 2000 + yy if 2000 + yy <= ref else 1900 + yy


def parse_birth_date(text: str | None, reference_year: int | None = None) -> ParsedDate:
    """Parse one birth-date text. Never raises; returns codes describing what was done."""
    ref = DEFAULT_REFERENCE_YEAR if reference_year is None else int(reference_year)
    if text is None:
        return _bad("date_missing")
    s = _clean_date_text(text)
    if not s:
        return _bad("date_missing")

    m = _NUM.match(s)
    if m:
        digits = m.group(1)
        n = int(digits) if len(digits) <= 7 else -1
        if len(digits) == 4 and 1000 <= n <= 2999:  # a year (possibly out of range)
            return _partial(n, None, ref, [])
        if EXCEL_SERIAL_MIN <= n <= EXCEL_SERIAL_MAX and n != 60:
            base = _EXCEL_EPOCH if n > 60 else dt.date(1899, 12, 31)
            d = base + dt.timedelta(days=n)
            return _full(d.year, d.month, d.day, ref, ["date_excel_serial"])
        if len(digits) == 8:  # ddmmyyyy or yyyymmdd typed without separators
            a, b = int(digits[:4]), int(digits[4:])
            if MIN_YEAR <= a <= ref:
                return _full(a, b // 100, b % 100, ref, [])
            return _full(b, a % 100, a // 100, ref, [])
        return _bad("date_unparseable")

    m = _ISO.match(s)
    if m:
        return _full(int(m.group(1)), int(m.group(2)), int(m.group(3)), ref, [])

    m = _DMY.match(s) or _VN.match(_fold(s))
    if m:
        d, mo, ys = int(m.group(1)), int(m.group(2)), m.group(3)
        codes: list[str] = []
        if len(ys) == 2:
            y = _century(int(ys), ref)
            codes.append("date_two_digit_year")
        else:
            y = int(ys)
        if d == 0 and mo == 0:
            return _partial(y, None, ref, codes)
        if d == 0:
            return _partial(y, mo, ref, codes)
        return _full(y, mo, d, ref, codes)

    m = _MY.match(s) or _VN_MY.match(_fold(s))
    if m:
        mo, y = int(m.group(1)), int(m.group(2))
        return _partial(y, None if mo == 0 else mo, ref, [])

    # Words around a lone year ("năm 1950", "sinh năm 1950", "khoảng 1950", "1950 (AL)"):
    # a text whose only number is a 4-digit year says the year and nothing more.
    numbers = re.findall(r"\d+", s)
    if len(numbers) == 1 and len(numbers[0]) == 4 and not re.search(r"\d[/.\-]|[/.\-]\d", s):
        return _partial(int(numbers[0]), None, ref, [])
    return _bad("date_unparseable")


_INVISIBLE = re.compile(INVISIBLE_CHARS)
# Notes officers add to a date: "(âm lịch)", "(AL)", "[?]", "ÂL", "âm lịch" at the end.
_DATE_NOTE = re.compile(r"\([^)]*\)?|\[[^\]]*\]?|\s+(?:âm\s*lịch|am\s*lich|âl|al|dl|dương\s*lịch)\.?$",
                        re.IGNORECASE)


def _clean_date_text(text: str) -> str:
    """What a cell adds to a date, undone: fullwidth digits and letters (NFKC), invisible
    characters, a leading apostrophe, notes in brackets, surrounding punctuation and spaces."""
    s = text if text.isascii() else _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if not s.isdigit():  # most cells are plain dates or serials: no note to look for
        s = _DATE_NOTE.sub(" ", s)
    return " ".join(s.split()).strip("'’`\"*.,;:-_ ")


_OUT_SCHEMA = {
    "birth_year": pl.Int32,
    "birth_month": pl.Int8,
    "birth_day": pl.Int8,
    "birth_precision": pl.String,
    "__date_codes": pl.String,
}


def normalize_dates(
    df: pl.DataFrame, col: str = "ngay_sinh", reference_col: str = "reference_year"
) -> pl.DataFrame:
    """Add birth_year (Int32), birth_month/birth_day (Int8), birth_precision and date codes.

    Valid full dates in the two commonest layouts (d/m/yyyy with / . - separators, and
    yyyy-mm-dd) are parsed natively by polars; every other value goes through
    :func:`parse_birth_date` once per unique (text, reference_year) pair (same rules).
    """
    ref = (
        pl.col(reference_col).cast(pl.Int32, strict=False)
        if reference_col in df.columns
        else pl.lit(None, pl.Int32)
    ).fill_null(DEFAULT_REFERENCE_YEAR)
    df = df.drop([c for c in _OUT_SCHEMA if c in df.columns])
    text = _ensure(df, col).str.strip_chars().fill_null("")
    df = df.with_columns(text.alias("__dtext"), ref.alias("__dref"))
    t = pl.col("__dtext")
    df = df.with_columns(
        pl.when(t.str.contains(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{4}$"))
        .then(t.str.replace_all(r"[.\-]", "/").str.to_date("%d/%m/%Y", strict=False))
        .when(t.str.contains(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?: 00:00:00)?$"))
        .then(t.str.replace(" 00:00:00", "", literal=True).str.to_date("%Y-%m-%d", strict=False))
        .alias("__fast")
    )
    fy = pl.col("__fast").dt.year()
    df = df.with_columns(
        pl.when((fy >= MIN_YEAR) & (fy <= pl.col("__dref")))
        .then(pl.col("__fast"))
        .otherwise(pl.lit(None, pl.Date))
        .alias("__fast")
    )
    keys = df.filter(pl.col("__fast").is_null()).select("__dtext", "__dref").unique()
    rows = [
        parse_birth_date(t, r)
        for t, r in zip(
            keys.get_column("__dtext").to_list(), keys.get_column("__dref").to_list(), strict=True
        )
    ]
    parsed = pl.DataFrame(
        {
            "birth_year": [p.year for p in rows],
            "birth_month": [p.month for p in rows],
            "birth_day": [p.day for p in rows],
            "birth_precision": [p.precision for p in rows],
            "__date_codes": ["|".join(p.codes) for p in rows],
        },
        schema=_OUT_SCHEMA,
    )
    lookup = pl.concat([keys, parsed], how="horizontal")
    df = df.join(lookup, on=["__dtext", "__dref"], how="left", maintain_order="left")
    f = pl.col("__fast")
    fast = f.is_not_null()
    df = df.with_columns(
        pl.when(fast)
        .then(f.dt.year())
        .otherwise(pl.col("birth_year"))
        .cast(pl.Int32)
        .alias("birth_year"),
        pl.when(fast)
        .then(f.dt.month())
        .otherwise(pl.col("birth_month"))
        .cast(pl.Int8)
        .alias("birth_month"),
        pl.when(fast)
        .then(f.dt.day())
        .otherwise(pl.col("birth_day"))
        .cast(pl.Int8)
        .alias("birth_day"),
        pl.when(fast)
        .then(pl.lit("day"))
        .otherwise(pl.col("birth_precision"))
        .alias("birth_precision"),
        pl.when(fast & (f.dt.month() == 1) & (f.dt.day() == 1))
        .then(pl.lit("date_jan1_placeholder"))
        .when(fast)
        .then(pl.lit(""))
        .otherwise(pl.col("__date_codes"))
        .alias("__date_codes"),
    )
    df = append_codes(df, pl.col("__date_codes"))
    return df.drop("__dtext", "__dref", "__date_codes", "__fast")
