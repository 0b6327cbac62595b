"""Full-name normalisation: Vietnamese title case, accent-free keys, family-name equivalents.

Everything runs as polars expressions; only values that still hold non-ASCII letters after
accent stripping (rare: foreign scripts) go through ``unidecode``, over unique values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import polars as pl
from unidecode import unidecode

from ducpho_etl.codes import declare

REASONS: dict[str, tuple[str, str]] = {
    "name_missing": ("Thiếu họ tên", "Full name is missing"),
    "name_no_letters": ("Họ tên không có chữ cái", "Full name has no letters"),
    "name_nfd_fixed": (
        "Họ tên ở dạng Unicode tổ hợp (NFD), đã chuyển về dựng sẵn (NFC)",
        "Name was in decomposed Unicode (NFD); converted to NFC",
    ),
    "name_spacing_fixed": (
        "Họ tên thừa khoảng trắng, đã chuẩn hóa",
        "Extra spaces in name removed",
    ),
    "name_case_fixed": ("Họ tên sai chữ hoa/thường, đã chuẩn hóa", "Name capitalisation fixed"),
    "name_has_digits": ("Họ tên có chữ số", "Name contains digits"),
    "name_punctuation_fixed": ("Họ tên có dấu câu thừa ở đầu/cuối, đã bỏ",
                               "Stray punctuation around the name removed"),
    "name_single_word": ("Họ tên chỉ có một từ", "Name has a single word"),
    "name_letters_lost": (
        "Họ tên có dấu ? thay cho chữ (mất chữ khi lưu tệp), cần kiểm tra lại",
        "Letters replaced by '?' (lost when the file was saved); check the name",
    ),
    "name_family_equivalent": (
        "Họ tương đương (Huỳnh = Hoàng, Võ = Vũ), đã quy về một khóa",
        "Equivalent family name (Huỳnh = Hoàng, Võ = Vũ) mapped to one key",
    ),
}
declare(REASONS, "note")

# Regional spellings of one family name (Huỳnh/Hoàng = 黃, Võ/Vũ = 武), as accent-free keys.
FAMILY_EQUIVALENTS: dict[str, str] = {"huynh": "hoang", "vo": "vu"}

_WS = r"\s+"
_NON_KEY = r"[^a-z]+"


def _ensure(df: pl.DataFrame, col: str) -> pl.Expr:
    return pl.col(col) if col in df.columns else pl.lit(None, dtype=pl.String)


def append_codes(df: pl.DataFrame, codes: list[pl.Expr] | pl.Expr) -> pl.DataFrame:
    """Append codes to ``norm_codes``.

    ``codes`` is a list of Utf8 expressions (a code or null each, see :func:`code_if`) or one
    List(Utf8) / "|"-joined Utf8 expression. ``norm_codes`` is a List(Utf8) column, or, inside
    :func:`ducpho_etl.normalize.normalize_frame`, a "|"-joined Utf8 column (much faster to
    extend; converted to a list once at the end by :func:`codes_to_list`).
    """
    current = df.schema.get("norm_codes")
    if current == pl.String:
        if isinstance(codes, pl.Expr):
            new = codes.list.join("|") if df.select(codes).dtypes[0] != pl.String else codes
        else:
            new = pl.concat_str(codes, separator="|", ignore_nulls=True)
        out = pl.concat_str(
            [pl.col("norm_codes").replace("", None), new.replace("", None)],
            separator="|",
            ignore_nulls=True,
        )
        return df.with_columns(out.alias("norm_codes"))
    if isinstance(codes, pl.Expr):
        new = codes
        if df.select(codes).dtypes[0] == pl.String:
            new = codes_to_list(codes)
    else:
        new = pl.concat_list(codes).list.drop_nulls()
    if current is not None:
        new = pl.col("norm_codes").fill_null(pl.lit([], dtype=pl.List(pl.String))).list.concat(new)
    return df.with_columns(new.cast(pl.List(pl.String)).alias("norm_codes"))


def codes_to_list(expr: pl.Expr) -> pl.Expr:
    """ "|"-joined code string -> List(Utf8) ("" or null -> empty list)."""
    return (
        pl.when(expr.fill_null("") == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(expr.str.split("|"))
    )


def apply_on_unique(
    df: pl.DataFrame,
    key_cols: list[str],
    core: Callable[[pl.DataFrame], pl.DataFrame],
    out_cols: list[str],
) -> pl.DataFrame:
    """Run ``core`` on the unique rows of ``key_cols`` and join ``out_cols`` + codes back.

    ``core`` receives a frame with ``key_cols`` and an empty ``norm_codes`` column and must
    return it with ``out_cols`` added and ``norm_codes`` extended. Missing key columns are
    treated as all-null (and not added to the result).
    """
    added = [c for c in key_cols if c not in df.columns]
    if added:
        df = df.with_columns([pl.lit(None, pl.String).alias(c) for c in added])
    keys = (
        df.select(key_cols)
        .unique()
        .with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("norm_codes"))
    )
    res = core(keys).select(
        *key_cols, *out_cols, pl.col("norm_codes").list.join("|").alias("__codes")
    )
    df = df.drop([c for c in out_cols if c in df.columns])
    df = df.join(res, on=key_cols, how="left", nulls_equal=True, maintain_order="left")
    df = append_codes(df, pl.col("__codes"))
    return df.drop("__codes", *added)


def code_if(cond: pl.Expr, code: str) -> pl.Expr:
    """``code`` where ``cond`` is true, else null (for ``append_codes``)."""
    return pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(pl.lit(None, pl.String))


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """Accent-free lower-case text (đ -> d explicitly); other scripts may stay non-ASCII."""
    return (
        expr.str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all("[đĐ]", "d")
        .str.to_lowercase()
    )


def title_case(s: str | None) -> str | None:
    """Vietnamese title case of one name, same rules as the ``name`` column (null if no letter)."""
    if s is None:
        return None
    out = normalize_names(pl.DataFrame({"ho_ten": [s]}, schema={"ho_ten": pl.String}))
    return out.item(0, "name")


def _squash(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(_WS, " ").str.strip_chars()


def _canon_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC, single spaces, title case; applied twice so odd Unicode (U+0149, spacing
    diacritics) also ends at a fixed point."""
    t = expr
    for _ in range(2):
        t = _squash(t.str.normalize("NFKC"))
        t = _squash(t.str.to_titlecase().str.normalize("NFC"))
    return t


def name_key(s: str | None) -> str | None:
    """Accent-free lower-case ASCII key, single spaces: "Nguyễn  Văn Hùng" -> "nguyen van hung"."""
    if s is None:
        return None
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", s))
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    t = t.replace("đ", "d").replace("Đ", "d").lower()
    if not t.isascii():
        t = unidecode(t).lower()
    t = re.sub(_NON_KEY, " ", t).strip()
    return t or None


def family_equivalent(key: str | None) -> str | None:
    """Canonical accent-free family-name key: huynh -> hoang, vo -> vu, others unchanged."""
    if key is None:
        return None
    return FAMILY_EQUIVALENTS.get(key, key)


def name_key_expr(expr: pl.Expr) -> pl.Expr:
    """Polars twin of :func:`name_key` for ASCII-foldable text.

    Text that keeps non-ASCII characters after accent stripping is handled by
    :func:`name_key_series` (unidecode over unique values).
    """
    t = fold_expr(expr.str.normalize("NFC")).str.replace_all(_NON_KEY, " ").str.strip_chars()
    return pl.when(t.str.len_chars() > 0).then(t).otherwise(pl.lit(None, pl.String))


def name_key_series(s: pl.Series) -> pl.Series:
    """:func:`name_key` over a Series, vectorised; unidecode only on unique non-ASCII leftovers."""
    df = pl.DataFrame({"_v": s.cast(pl.String)})
    return _key_frame(df, "_v", "_k").get_column("_k").alias(s.name)


def _key_frame(df: pl.DataFrame, src: str, out: str) -> pl.DataFrame:
    folded = fold_expr(pl.col(src).str.normalize("NFC"))
    df = df.with_columns(folded.alias("__fold"))
    odd = df.filter(pl.col("__fold").str.contains(r"[^\x00-\x7f]")).get_column("__fold").unique()
    if odd.len():
        mapping = {v: unidecode(v).lower() for v in odd.to_list()}
        df = df.with_columns(
            pl.col("__fold").replace(pl.Series(list(mapping)), pl.Series(list(mapping.values())))
        )
    key = pl.col("__fold").str.replace_all(_NON_KEY, " ").str.strip_chars()
    return df.with_columns(
        pl.when(key.str.len_chars() > 0).then(key).otherwise(pl.lit(None, pl.String)).alias(out)
    ).drop("__fold")


def family_equivalent_expr(expr: pl.Expr) -> pl.Expr:
    return expr.replace(FAMILY_EQUIVALENTS)


def normalize_names(df: pl.DataFrame, col: str = "ho_ten") -> pl.DataFrame:
    """Add name, name_key, family_key, middle_key, given_key and name codes.

    Computed once per unique ``col`` value and joined back.
    """
    return apply_on_unique(df, [col], lambda u: _names_core(u, col), NAME_COLUMNS)


NAME_COLUMNS = ["name", "name_key", "family_key", "middle_key", "given_key"]


_EDGE_PUNCT = " \t.,;:*_-+\"'"
# What a spreadsheet adds to a name that is not part of it, decided by what a name can hold
# (letters, combining marks, spaces): invisible format characters (zero-width, BOM, soft
# hyphen, bidi marks) vanish; other spaces and controls are spaces; an annotation in brackets
# ("(đã chết)", "[CB]") or after a spaced dash ("Nguyễn Văn A - CB") is not the name; any other
# symbol ("*", "#", quotes) is stray.
_INVISIBLE = r"\p{Cf}"
_ODD_SPACE = r"[\p{Zs}\p{Cc}\p{Zl}\p{Zp}]"
_BRACKETED = r"\([^)]*\)?|\[[^\]]*\]?|\{[^}]*\}?|（[^）]*）?"
_DASH_TAIL = r"^(\S+(?:\s+\S+)+?)\s+[-–—:|/]+\s+.*$"
_STRAY = r"[^\p{L}\p{M}\p{N}\s.,'\-_]"  # an underscore stays: no name holds one (rejected)
_LOST_LETTER = r"\p{L}[?\x{FFFD}]|[?\x{FFFD}]\p{L}"  # "?" or U+FFFD next to a letter


def _clean_name_expr(expr: pl.Expr) -> pl.Expr:
    """Name text without what spreadsheets and officers add around it (see _INVISIBLE...)."""
    t = expr.str.replace_all(_INVISIBLE, "").str.replace_all(_ODD_SPACE, " ")
    t = t.str.replace_all(_BRACKETED, " ").str.replace_all(_STRAY, " ")
    t = t.str.replace_all(_WS, " ").str.strip_chars()
    return t.str.replace(_DASH_TAIL, "${1}").str.strip_chars(_EDGE_PUNCT)


def _names_core(df: pl.DataFrame, col: str) -> pl.DataFrame:
    raw = pl.col(col)
    df = df.with_columns(raw.str.normalize("NFC").alias("__nfc"))
    nfc = pl.col("__nfc")
    # stray punctuation at either end ("Nguyễn Văn Hùng.", "- Lê Thị Lan") is not part of a name
    df = df.with_columns(_clean_name_expr(nfc.str.normalize("NFKC").str.normalize("NFC"))
                         .alias("__sp"))
    spaced = pl.col("__sp")
    df = df.with_columns(
        (spaced.str.len_chars().fill_null(0) > 0).alias("__has_text"),
        spaced.str.contains(r"\p{L}").fill_null(False).alias("__has_letter"),
        _canon_expr(spaced).alias("__title"),
    )
    has_text, has_letter, titled = pl.col("__has_text"), pl.col("__has_letter"), pl.col("__title")
    df = df.with_columns(
        pl.when(has_letter).then(titled).otherwise(pl.lit(None, pl.String)).alias("name"),
        code_if(~has_text, "name_missing").alias("__c1"),
        code_if(has_text & ~has_letter, "name_no_letters").alias("__c2"),
        code_if(has_letter & (raw != nfc), "name_nfd_fixed").alias("__c3"),
        code_if(has_letter & (nfc.str.replace_all(_WS, " ").str.strip_chars() != spaced),
                "name_punctuation_fixed").alias("__c9"),
        code_if(has_letter & (nfc.str.strip_chars(_EDGE_PUNCT) != spaced), "name_spacing_fixed")
        .alias("__c4"),
        code_if(
            has_letter & (_squash(spaced.str.normalize("NFKC")) != titled), "name_case_fixed"
        ).alias("__c5"),
        code_if(has_letter & spaced.str.contains(r"\d"), "name_has_digits").alias("__c6"),
        # a file saved in an encoding without Vietnamese letters ("Phan Th? H??ng"): the letters
        # are gone, not stray punctuation; stripped like it, but said
        code_if(nfc.str.contains(_LOST_LETTER), "name_letters_lost").alias("__c10"),
    )
    df = _key_frame(df, "name", "name_key")
    df = df.with_columns(pl.col("name_key").str.split(" ").alias("__parts"))
    parts = pl.col("__parts")
    n = parts.list.len()
    family_raw = pl.when(n >= 2).then(parts.list.first()).otherwise(pl.lit(None, pl.String))
    df = df.with_columns(
        family_equivalent_expr(family_raw).alias("family_key"),
        pl.when(n >= 3)
        .then(parts.list.slice(1, n - 2).list.join(" "))
        .when(n >= 1)
        .then(pl.lit(""))
        .otherwise(pl.lit(None, pl.String))
        .alias("middle_key"),
        parts.list.last().alias("given_key"),
        code_if(n == 1, "name_single_word").alias("__c7"),
        code_if(family_raw.is_in(list(FAMILY_EQUIVALENTS)), "name_family_equivalent").alias("__c8"),
    )
    cc = [f"__c{i}" for i in range(1, 11)]
    df = append_codes(df, [pl.col(c) for c in cc])
    return df.drop(*cc, "__nfc", "__sp", "__has_text", "__has_letter", "__title", "__parts")
