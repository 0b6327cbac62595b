"""Identifier normalisation: 12-digit personal ID, old 9-digit CMND, BHXH code, tax code (MST).

All in polars expressions except the MST check digit (python-stdnum over unique values).
"""

from __future__ import annotations

import polars as pl
from stdnum.vn import mst as _mst

from ducpho_etl.codes import declare
from ducpho_etl.normalize.invisible import INVISIBLE_CHARS
from ducpho_etl.normalize.names import _ensure, append_codes, code_if

REASONS: dict[str, tuple[str, str]] = {
    "id_missing": ("Thiếu số định danh cá nhân", "Personal ID number is missing"),
    "date_century_from_id": (
        "Năm sinh 2 chữ số: thế kỷ lấy theo số định danh",
        "Two-digit birth year: century taken from the ID",
    ),
    "id_padded_excel": (
        "Số CCCD thiếu số 0 đầu (do Excel), đã bổ sung",
        "ID lost its leading zero (Excel); restored",
    ),
    "id_scientific": (
        "Số CCCD ở dạng số mũ (vd 5.10851E+11), đã mất chữ số, không dùng được",
        "ID in scientific notation (e.g. 5.10851E+11): digits lost, unusable",
    ),
    "id_bad_length": ("Số CCCD không đủ 12 chữ số", "ID does not have 12 digits"),
    "id_non_digit": ("Số CCCD có ký tự không phải chữ số", "ID contains non-digit characters"),
    "id_bad_province": (
        "Ba số đầu của số CCCD không phải mã tỉnh hợp lệ",
        "First 3 digits of the ID are not a valid province code",
    ),
    "id_cmnd_in_id_column": (
        "Cột số định danh chứa số CMND 9 số, đã chuyển sang cột CMND",
        "Old 9-digit CMND found in the ID column; moved to cmnd9",
    ),
    "id_inconsistent_birth": (
        "Số CCCD không khớp năm sinh (thế kỷ hoặc 2 số cuối năm sinh)",
        "ID digits disagree with the birth year (century or year digits)",
    ),
    "id_inconsistent_gender": (
        "Số CCCD không khớp giới tính",
        "ID gender/century digit disagrees with the gender",
    ),
    "cmnd_padded": ("Số CMND thiếu số 0 đầu, đã bổ sung", "CMND lost its leading zero; restored"),
    "cmnd_bad_length": ("Số CMND không đủ 9 chữ số", "CMND does not have 9 digits"),
    "bhxh_padded": (
        "Mã BHXH thiếu số 0 đầu (do Excel), đã bổ sung",
        "Social-insurance code lost leading zeros (Excel); restored",
    ),
    "bhxh_from_bhyt": (
        "Mã BHXH lấy từ 10 ký tự cuối của số thẻ BHYT",
        "Social-insurance code taken from the last 10 characters of the health-insurance card",
    ),
    "bhxh_bad_length": ("Mã BHXH không hợp lệ (không phải 10 chữ số)", "Invalid BHXH code"),
    "bhyt_invalid": ("Số thẻ BHYT không đúng định dạng", "Health-insurance card number malformed"),
    "mst_branch_dropped": (
        "Mã số thuế có đuôi chi nhánh, đã bỏ",
        "Tax-code branch suffix dropped",
    ),
    "mst_padded": ("Mã số thuế thiếu số 0 đầu, đã bổ sung", "Tax code lost its leading zero"),
    "mst_invalid": ("Mã số thuế không hợp lệ", "Tax code is invalid"),
}
declare(REASONS, "note")

# Circular 07/2016/TT-BCA province (birth-registration) codes.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa–Vũng Tàu", "079": "TP Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

_NULL = pl.lit(None, pl.String)
_SCI = r"^[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+$"
_SEPARATORS = r"[ \t\u00a0\u2007\u202f.\-\u2010-\u2015_/,'’·]"
_FULLWIDTH_DIGITS = [chr(0xFF10 + d) for d in range(10)]
# ="051085123456": a CSV written for Excel wraps a number in a text formula to keep its zeros
_TEXT_FORMULA = r'^=\s*"+\s*([^"]*?)\s*"+$'


def _unwrap_text_formula(t: pl.Expr) -> pl.Expr:
    """The value inside an Excel text formula ="...": the wrapper only keeps leading zeros (as a
    leading apostrophe does), so it is dropped without a code."""
    return t.str.replace(_TEXT_FORMULA, "$1")


def _clean_cell(t: pl.Expr) -> pl.Expr:
    """What a cell does to digits undone: fullwidth digits (IME), invisible characters
    (copy-paste), surrounding spaces, a ="..." text formula, a leading apostrophe."""
    t = t.str.replace_many(_FULLWIDTH_DIGITS, [str(d) for d in range(10)])
    t = _unwrap_text_formula(t.str.replace_all(INVISIBLE_CHARS, "").str.strip_chars())
    return t.str.strip_chars_start("'’‘`")


def _whole_number(n: int) -> str:
    """Pattern of the first n-digit number standing alone (not part of a longer run) in a text."""
    return rf"(?:^|[^0-9])([0-9]{{{n}}})(?:[^0-9]|$)"


def _two_numbers(t: pl.Expr) -> pl.Expr:
    """Whether a cell holds two or more whole 12- or 9-digit numbers ("051085123456 / 211234567",
    "211234567/051085123456"): digit runs counted apart, so one separator serves both sides
    (a run followed by '.' is part of a dotted or decimal number, not whole)."""
    runs = t.str.extract_all(r"[0-9]+\.?")
    whole = runs.list.eval(pl.element().str.contains(r"^(?:[0-9]{12}|[0-9]{9})$"))
    return whole.list.sum() >= 2


def _cmnd_beside_id(t: pl.Expr) -> pl.Expr:
    """The old CMND written in the ID cell beside the personal ID, in either order (the first
    9-digit number of a cell that also holds a 12-digit one); null otherwise."""
    two = _two_numbers(t) & t.str.contains(_whole_number(12))
    return pl.when(two).then(t.str.extract(_whole_number(9), 1)).otherwise(_NULL)


def _text_steps() -> list:
    """The steps that turn an ID cell into its text: each step maps the previous one's column.

    Cleaned (_clean_cell), the number picked out of words or out of a pair, a trailing float
    '.0' removed; empty -> null. Only what a cell can do to digits is undone; other non-ASCII
    characters make the value invalid. Steps are materialised one by one (eager polars would
    re-evaluate a nested expression per use).
    """

    def number_in_words(t: pl.Expr) -> pl.Expr:
        # "CCCD: 051085123456", "số 051085123456": one long digit run among words is the number
        run = r"(?:^|[^0-9])([0-9]{12}|[0-9]{9})(?:[^0-9]|$)"
        lone_run = (t.str.contains(r"\p{L}\p{L}") & (t.str.count_matches(r"[0-9]+") == 1)
                    & t.str.contains(run) & ~t.str.contains(r"^[A-Za-z]{2}[0-9]"))
        # "051085123456 / 211234567", "051085123456; 051085123457": two whole numbers in one
        # cell; the first 12-digit one is the personal ID (a 9-digit one beside it the CMND,
        # see _cmnd_beside_id)
        first12 = t.str.extract(_whole_number(12), 1)
        return (pl.when(lone_run).then(t.str.extract(run, 1))
                .when(_two_numbers(t) & first12.is_not_null()).then(first12).otherwise(t))

    def float_text(t: pl.Expr) -> pl.Expr:
        return pl.when(t.str.contains(r"^[0-9]+\.0+$")).then(t.str.replace(r"\.0+$", "")).otherwise(t)

    def exact_scientific(t: pl.Expr) -> pl.Expr:
        # "5.1085123456E+10" keeps every digit (the mantissa has exponent + 1 of them): exact
        sci = r"^([0-9]+)[.,]?([0-9]*)[eE]\+?([0-9]+)$"
        mantissa = t.str.extract(sci, 1) + t.str.extract(sci, 2)
        exact = mantissa.str.len_chars() == t.str.extract(sci, 3).cast(pl.Int64, strict=False) + 1
        return pl.when(exact.fill_null(False)).then(mantissa).otherwise(t).replace("", None)

    return [_clean_cell, number_in_words, float_text, exact_scientific]


def _with_texts(df: pl.DataFrame, sources: dict[str, pl.Expr], steps: list) -> pl.DataFrame:
    """Add each ``name: cell expression`` of ``sources`` through ``steps`` (of _text_steps)."""
    df = df.with_columns(expr.alias(name) for name, expr in sources.items())
    for step in steps:
        df = df.with_columns(step(pl.col(name)).alias(name) for name in sources)
    return df


def _digits(expr: pl.Expr) -> pl.Expr:
    """Text with separators removed (may still hold non-digits)."""
    return expr.str.replace_all(_SEPARATORS, "")


def _lost_two_zeros(padded: pl.Expr) -> pl.Expr:
    """Whether ten digits padded to twelve read as an ID of provinces 001-009 (a number cell
    drops both zeros): two invented zeros need a known province and a century-gender digit of
    0-5 (born 1900-2199), or another 10-digit number (BHXH code, phone) would pass as an ID."""
    return padded.str.slice(0, 3).is_in(list(PROVINCE_CODES)) & padded.str.contains(r"^[0-9]{3}[0-5]")


def _id12_status(df: pl.DataFrame, text_col: str, digits_col: str) -> pl.Expr:
    t, d = pl.col(text_col), pl.col(digits_col)
    n = d.str.len_chars()
    padded = pl.when(n.is_in([10, 11])).then(d.str.zfill(12)).otherwise(d)
    return (
        pl.when(t.is_null())
        .then(pl.lit("missing"))
        .when(t.str.contains(_SCI))
        .then(pl.lit("scientific"))
        .when(~d.str.contains(r"^[0-9]+$"))
        .then(pl.lit("bad_length"))
        .when(n.is_in([8, 9]))
        .then(pl.lit("cmnd_in_id_column"))
        .when(~n.is_in([10, 11, 12]) | ((n == 10) & ~_lost_two_zeros(padded)))
        .then(pl.lit("bad_length"))
        .when(~padded.str.slice(0, 3).is_in(list(PROVINCE_CODES)))
        .then(pl.lit("bad_province"))
        .when(n < 12)
        .then(pl.lit("padded"))
        .otherwise(pl.lit("ok"))
    )


def normalize_id12(s: str | None) -> tuple[str | None, str]:
    """Pure-Python helper: (id12 or None, status) for one value (same rules as the frame)."""
    df = normalize_ids(pl.DataFrame({"so_dinh_danh": [s]}, schema={"so_dinh_danh": pl.String}))
    return df.item(0, "id12"), df.item(0, "id12_status")


_TMP = [
    "__idt", "__idd", "__ct", "__cd", "__c_ok", "__bt", "__bd", "__b_ok", "__yt",
    "__y_ok", "__from_bhyt", "__mt", "__mc", "__mm", "__icm",
]  # fmt: skip


def normalize_ids(
    df: pl.DataFrame,
    id_col: str = "so_dinh_danh",
    cmnd_col: str = "so_cmnd",
    bhxh_col: str = "ma_bhxh",
    bhyt_col: str = "the_bhyt",
    mst_col: str = "mst",
) -> pl.DataFrame:
    """Add id12, id12_status, cmnd9, bhxh10, mst10, mst_valid and id codes.

    ``id12_consistent`` needs birth_year and gender: see :func:`check_id_consistency`.
    Intermediate values are materialised as temporary columns (eager polars has no
    common-subexpression elimination).
    """
    if "norm_codes" not in df.columns:
        df = df.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("norm_codes"))
    # stage 1: trimmed texts; the CMND beside the ID read from the cleaned cell, before the
    # personal ID is picked out of it
    texts = ["__idt", "__ct", "__bt", "__yt", "__mt"]
    clean, *rest = _text_steps()
    df = _with_texts(df, dict(zip(texts, (_ensure(df, c) for c in (
        id_col, cmnd_col, bhxh_col, bhyt_col, mst_col)), strict=True)), [clean])
    df = df.with_columns(_cmnd_beside_id(pl.col("__idt")).alias("__icm"))
    df = _with_texts(df, {name: pl.col(name) for name in texts}, rest)
    df = df.with_columns(pl.col("__yt").str.replace_all(r"[\s.\-_/]", "").str.to_uppercase())
    # stage 2: digit strings
    df = df.with_columns(
        _digits(pl.col("__idt")).alias("__idd"),
        _digits(pl.col("__ct")).alias("__cd"),
        _digits(pl.col("__bt")).alias("__bd"),
        pl.col("__yt").str.contains(r"^[A-Z]{2}[0-9]{13}$").fill_null(False).alias("__y_ok"),
        pl.col("__mt").str.replace_all(r"[\s.]", "").alias("__mc"),
    )
    df = df.with_columns(
        _id12_status(df, "__idt", "__idd").alias("id12_status"),
        pl.col("__cd").str.contains(r"^[0-9]{8,9}$").fill_null(False).alias("__c_ok"),
        pl.col("__bd").str.contains(r"^[0-9]{7,10}$").fill_null(False).alias("__b_ok"),
        (pl.col("__bt").is_null() & pl.col("__y_ok")).alias("__from_bhyt"),
        pl.col("__mc").str.extract(r"^([0-9]{9,10})(?:[-_/]?[0-9]{3})?$", 1).alias("__mm"),
    )
    st, dd = pl.col("id12_status"), pl.col("__idd")
    cd, c_ok = pl.col("__cd"), pl.col("__c_ok")
    bd, b_ok, from_bhyt = pl.col("__bd"), pl.col("__b_ok"), pl.col("__from_bhyt")
    mm = pl.col("__mm")
    df = df.with_columns(
        pl.when(st == "ok")
        .then(dd)
        .when(st == "padded")
        .then(dd.str.zfill(12))
        .otherwise(_NULL)
        .alias("id12"),
        pl.when(c_ok)
        .then(cd.str.zfill(9))
        .when(st == "cmnd_in_id_column")
        .then(dd.str.zfill(9))
        .otherwise(pl.col("__icm"))
        .alias("cmnd9"),
        pl.when(b_ok)
        .then(bd.str.zfill(10))
        .when(from_bhyt)
        .then(pl.col("__yt").str.slice(5, 10))
        .otherwise(_NULL)
        .alias("bhxh10"),
        mm.str.zfill(10).alias("mst10"),
    )
    uniq = df.get_column("mst10").drop_nulls().unique().to_list()
    valid = {v: bool(_mst.is_valid(v)) for v in uniq}
    df = df.with_columns(
        pl.when(pl.col("mst10").is_not_null())
        .then(pl.col("mst10").replace_strict(valid, default=False, return_dtype=pl.Boolean))
        .when(pl.col("__mt").is_not_null())
        .then(pl.lit(False))
        .otherwise(pl.lit(None, pl.Boolean))
        .alias("mst_valid")
    )

    code_map = {
        "padded": "id_padded_excel",
        "scientific": "id_scientific",
        "bad_length": "id_bad_length",
        "bad_province": "id_bad_province",
        "cmnd_in_id_column": "id_cmnd_in_id_column",
        "missing": "id_missing",
    }
    codes = [
        st.replace_strict(code_map, default=None, return_dtype=pl.String),
        code_if(
            pl.col("__idt").is_not_null() & ~dd.str.contains(r"^[0-9]*$") & (st != "scientific"),
            "id_non_digit",
        ),
        code_if(
            (c_ok & (cd.str.len_chars() == 8))
            | (~c_ok & (st == "cmnd_in_id_column") & (dd.str.len_chars() == 8)),
            "cmnd_padded",
        ),
        code_if(pl.col("__ct").is_not_null() & ~c_ok, "cmnd_bad_length"),
        code_if(b_ok & (bd.str.len_chars() < 10), "bhxh_padded"),
        code_if(from_bhyt, "bhxh_from_bhyt"),
        code_if(pl.col("__bt").is_not_null() & ~b_ok, "bhxh_bad_length"),
        code_if(pl.col("__yt").is_not_null() & ~pl.col("__y_ok"), "bhyt_invalid"),
        code_if(
            mm.is_not_null() & (pl.col("__mc").str.len_chars() > mm.str.len_chars()),
            "mst_branch_dropped",
        ),
        code_if(mm.str.len_chars() == 9, "mst_padded"),
        code_if(pl.col("mst_valid").not_(), "mst_invalid"),
    ]
    df = append_codes(df, codes)
    return df.drop(_TMP)


def century_from_id(df: pl.DataFrame) -> pl.DataFrame:
    """A two-digit birth year ("5/3/18") takes its century from the row's own ID when the ID's
    year digits are the row's and its century digit says a century earlier: the pivot on the
    extract's year (dates._century) cannot tell a centenarian born 1918 from a child born 2018.
    Only ever a century earlier, so never a birth after the extract."""
    codes = pl.col("norm_codes")
    two_digit = (codes.str.contains("date_two_digit_year", literal=True)
                 if df.schema.get("norm_codes") == pl.String
                 else codes.list.contains("date_two_digit_year"))
    id12, year = pl.col("id12"), pl.col("birth_year").cast(pl.Int32)
    century = id12.str.slice(3, 1).cast(pl.Int32, strict=False)
    from_id = 1900 + 100 * (century // 2) + id12.str.slice(4, 2).cast(pl.Int32, strict=False)
    earlier = (two_digit & (century <= 5) & (from_id == year - 100)).fill_null(False)
    df = append_codes(df, [code_if(earlier, "date_century_from_id")])  # before the year moves
    return df.with_columns(pl.when(earlier).then(from_id).otherwise(year)
                           .cast(df.schema["birth_year"]).alias("birth_year"))


def check_id_consistency(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``id12_consistent`` from id12, birth_year and gender (null when any is unknown).

    False when digit 4 disagrees with gender or birth century or digits 5-6 with the birth
    year. The id12 is kept: it may be mistyped or a relative's; the linker decides.
    """
    id12 = pl.col("id12")
    by = pl.col("birth_year")
    g = pl.col("gender")
    gdig = id12.str.slice(3, 1).cast(pl.Int32, strict=False)
    yy = id12.str.slice(4, 2).cast(pl.Int32, strict=False)
    century_ok = (gdig // 2) == ((by.cast(pl.Int32) - 1900) // 100)
    sex_ok = (gdig % 2) == (g == "Nữ").cast(pl.Int32)
    yy_ok = yy == (by.cast(pl.Int32) % 100)
    known = id12.is_not_null() & by.is_not_null() & g.is_not_null()
    df = df.with_columns(
        pl.when(known)
        .then(century_ok & sex_ok & yy_ok)
        .otherwise(pl.lit(None, pl.Boolean))
        .alias("id12_consistent")
    )
    return append_codes(
        df,
        [
            code_if(known & ~(century_ok & yy_ok), "id_inconsistent_birth"),
            code_if(known & ~sex_ok, "id_inconsistent_gender"),
        ],
    )
