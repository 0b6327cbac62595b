"""Commune (xã/phường) recognition for Đức Phổ, before and after the 1 July 2025 reorganisation.

The unit table is data (:data:`PLACES`). Recognition is a single vectorised regex
``extract_all`` over accent-free text; each distinct match string is resolved in Python
(a handful of values) and mapped back.

Trap handled: "Nguyễn Nghiêm" was ward 21439 before 1 Jul 2025 and is commune 21457 after.
"Phường Nguyễn Nghiêm" -> 21439, "Xã Nguyễn Nghiêm" -> 21457, bare name -> by reference_year.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import polars as pl

from ducpho_etl.codes import declare
from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.normalize.names import append_codes, apply_on_unique, code_if, fold_expr

REASONS: dict[str, tuple[str, str]] = {
    "place_missing": ("Thiếu xã/phường và địa chỉ", "Commune and address are missing"),
    "place_unknown": ("Không nhận dạng được xã/phường", "Commune not recognised"),
    "place_old_unit": (
        "Đơn vị hành chính cũ (trước 01/07/2025), đã quy đổi sang đơn vị mới",
        "Pre-1-July-2025 unit; mapped to the new unit",
    ),
    "place_from_address": ("Xã/phường lấy từ cột địa chỉ", "Commune taken from the address"),
    "place_code_not_in_table": (
        "Mã xã không có trong bảng đơn vị của Đức Phổ",
        "Commune code not in the Đức Phổ unit table",
    ),
}
declare(REASONS, "note")

REFORM_DATE = dt.date(2025, 7, 1)
REFORM_YEAR = 2025  # reference_year >= this -> names resolve to the new units
DEFAULT_REFERENCE_YEAR = DEFAULT_DATA_YEAR
_OLD_TO = dt.date(2025, 6, 30)

# kind: "phuong" (ward) | "xa" (commune). new_code: post-1-Jul-2025 unit the area belongs to.
# requires_prefix: the bare name is not this unit (bare "Đức Phổ" is the former town).
PLACES: list[dict] = [
    # before 1 Jul 2025 (statistics office codes)
    {"code": "21439", "name": "Nguyễn Nghiêm", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21439"},
    {"code": "21451", "name": "Phổ Văn", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21451"},
    {"code": "21454", "name": "Phổ Quang", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21451"},
    {"code": "21460", "name": "Phổ Ninh", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21439"},
    {"code": "21463", "name": "Phổ Minh", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21439"},
    {"code": "21466", "name": "Phổ Vinh", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21439"},
    {"code": "21469", "name": "Phổ Hòa", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21439"},
    {"code": "21478", "name": "Phổ Thạnh", "kind": "phuong", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21478"},
    {"code": "21442", "name": "Phổ An", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21451"},
    {"code": "21445", "name": "Phổ Phong", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21457"},
    {"code": "21448", "name": "Phổ Thuận", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21451"},
    {"code": "21457", "name": "Phổ Nhơn", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21457"},
    {"code": "21472", "name": "Phổ Cường", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21472"},
    {"code": "21475", "name": "Phổ Khánh", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21472"},
    {"code": "21481", "name": "Phổ Châu", "kind": "xa", "valid_from": None,
     "valid_to": _OLD_TO, "new_code": "21478"},
    # from 1 Jul 2025 (Resolution 1677/NQ-UBTVQH15)
    {"code": "21439", "name": "Đức Phổ", "kind": "phuong", "valid_from": REFORM_DATE,
     "valid_to": None, "new_code": "21439", "requires_prefix": True},
    {"code": "21451", "name": "Trà Câu", "kind": "phuong", "valid_from": REFORM_DATE,
     "valid_to": None, "new_code": "21451"},
    {"code": "21478", "name": "Sa Huỳnh", "kind": "phuong", "valid_from": REFORM_DATE,
     "valid_to": None, "new_code": "21478"},
    {"code": "21457", "name": "Nguyễn Nghiêm", "kind": "xa", "valid_from": REFORM_DATE,
     "valid_to": None, "new_code": "21457"},
    {"code": "21472", "name": "Khánh Cường", "kind": "xa", "valid_from": REFORM_DATE,
     "valid_to": None, "new_code": "21472"},
]  # fmt: skip

# accent-free prefixes (punctuation already turned into spaces), longest alternatives first
_PREFIX_KIND: dict[str, str | None] = {
    "thi xa": None, "thi tran": "phuong", "thanh pho": None, "phuong": "phuong",
    "huyen": None, "tinh": None, "quan": None, "xa": "xa", "tx": None, "tt": "phuong",
    "tp": None, "ph": "phuong", "p": "phuong", "x": "xa",
}  # fmt: skip


def _fold(s: str) -> str:
    t = unicodedata.normalize("NFKD", s)
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    t = t.replace("đ", "d").replace("Đ", "d").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def _build_pattern() -> str:
    names = sorted({_fold(p["name"]) for p in PLACES}, key=len, reverse=True)
    prefixes = sorted(_PREFIX_KIND, key=len, reverse=True)
    codes = sorted({p["code"] for p in PLACES})
    pre = "|".join(re.escape(p) for p in prefixes)
    nam = "|".join(re.escape(n).replace(r"\ ", " ") for n in names)
    return rf"\b(?:(?:{pre}) )?(?:{nam})\b|\b(?:{'|'.join(codes)})\b"


_PATTERN = _build_pattern()


def _is_old(p: dict) -> bool:
    return p["valid_to"] is not None


def resolve_place(match: str, reference_year: int | None = None) -> dict | None:
    """Resolve one accent-free match ("xa pho an", "nguyen nghiem", "21460") to a PLACES row."""
    post = (reference_year or DEFAULT_REFERENCE_YEAR) >= REFORM_YEAR
    text = _fold(match)
    if text.isdigit():
        cands = [p for p in PLACES if p["code"] == text]
        if not cands:
            return None
        new = [p for p in cands if not _is_old(p)]
        old = [p for p in cands if _is_old(p)]
        return (new or old)[0] if post else (old or new)[0]
    kind: str | None = None
    has_prefix = False
    name = text
    for pre in sorted(_PREFIX_KIND, key=len, reverse=True):
        if text.startswith(pre + " ") and any(
            _fold(p["name"]) == text[len(pre) + 1 :] for p in PLACES
        ):
            has_prefix = True
            kind = _PREFIX_KIND[pre]
            name = text[len(pre) + 1 :]
            break
    if has_prefix and kind is None:  # "thị xã Đức Phổ", "huyện ...": not a commune
        return None
    cands = [p for p in PLACES if _fold(p["name"]) == name]
    if not has_prefix:
        cands = [p for p in cands if not p.get("requires_prefix")]
    if kind is not None:
        cands = [p for p in cands if p["kind"] == kind] or cands
    if not cands:
        return None
    if len(cands) == 1:
        return cands[0]
    new = [p for p in cands if not _is_old(p)]
    old = [p for p in cands if _is_old(p)]
    return (new or old)[0] if post else (old or new)[0]


def place_text_expr(expr: pl.Expr) -> pl.Expr:
    """Accent-free lower-case text with punctuation turned into single spaces."""
    return (
        fold_expr(expr.str.normalize("NFC"))
        .str.replace_all(r"([0-9]+)\.0+\b", "${1}")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )


# A village segment ("Thôn Sa Huỳnh", "Tổ dân phố 4") up to the next comma: villages may share a
# name with a commune ("Thôn Sa Huỳnh, xã Phổ Cường" is in Phổ Cường, not in Sa Huỳnh).
_VILLAGE_SEGMENT = (r"(?i)(?:^|[,;])\s*(?:thôn|thon|tổ dân phố|to dan pho|tdp|xóm|xom|khu phố|"
                    r"khu pho|ấp|ap|đội|doi)\b[^,;]*")


def strip_village_expr(expr: pl.Expr) -> pl.Expr:
    """The address without its village segments (only when something else remains)."""
    text = expr.str.normalize("NFC")
    stripped = text.str.replace_all(_VILLAGE_SEGMENT, ",")
    has_rest = stripped.str.contains(r"[\p{L}0-9]")
    return pl.when(has_rest.fill_null(False)).then(stripped).otherwise(text)


def _first_hit(df: pl.DataFrame, list_col: str, enc: dict[bool, dict[str, str]]) -> pl.DataFrame:
    """Per row index: the encoded resolution of the first resolvable match in ``list_col``."""
    flat = df.select("__i", "__post", pl.col(list_col).alias("__m")).explode("__m")
    pre = pl.col("__m").replace_strict(enc[False], default=None, return_dtype=pl.String)
    post = pl.col("__m").replace_strict(enc[True], default=None, return_dtype=pl.String)
    flat = flat.filter(pl.col("__m").is_not_null()).with_columns(
        pl.when(pl.col("__post")).then(post).otherwise(pre).alias("__h")
    )
    return (
        flat.filter(pl.col("__h").is_not_null())
        .group_by("__i", maintain_order=True)
        .agg(pl.col("__h").first())
    )


def normalize_places(
    df: pl.DataFrame,
    xa_col: str = "xa",
    address_col: str = "dia_chi",
    reference_col: str = "reference_year",
) -> pl.DataFrame:
    """Add ``ma_xa`` (code as written/recognised) and ``xa_2025`` (post-reform unit code).

    Computed once per unique (xa, address, before/after reform) and joined back.
    """
    ref = (
        pl.col(reference_col).cast(pl.Int32, strict=False)
        if reference_col in df.columns
        else pl.lit(None, pl.Int32)
    ).fill_null(DEFAULT_REFERENCE_YEAR)
    df = df.with_columns((ref >= REFORM_YEAR).alias("__post"))
    out = apply_on_unique(
        df,
        [xa_col, address_col, "__post"],
        lambda u: _places_core(u, xa_col, address_col),
        ["ma_xa", "xa_2025"],
    )
    return out.drop("__post")


def _places_core(df: pl.DataFrame, xa_col: str, address_col: str) -> pl.DataFrame:
    df = df.with_columns(
        place_text_expr(pl.col(xa_col)).alias("__xt"),
        place_text_expr(strip_village_expr(pl.col(address_col))).alias("__dt"),
    )
    df = df.with_columns(
        pl.col("__xt").str.extract_all(_PATTERN).alias("__xm"),
        pl.col("__dt").str.extract_all(_PATTERN).alias("__dm"),
        pl.col("__xt").str.extract(r"^([0-9]{5})$", 1).alias("__xcode"),
    )
    matches = (
        pl.concat([df.get_column("__xm"), df.get_column("__dm")])
        .explode()
        .drop_nulls()
        .unique()
        .to_list()
    )
    enc: dict[bool, dict[str, str]] = {False: {}, True: {}}
    for post in (False, True):
        for m in matches:
            p = resolve_place(m, REFORM_YEAR if post else DEFAULT_REFERENCE_YEAR)
            if p is not None:
                enc[post][m] = f"{p['code']}|{p['new_code']}|{int(_is_old(p))}"
    df = df.with_row_index("__i")
    df = df.join(_first_hit(df, "__xm", enc), on="__i", how="left").rename({"__h": "__xh"})
    df = df.join(_first_hit(df, "__dm", enc), on="__i", how="left").rename({"__h": "__dh"})
    df = df.drop("__i")
    hit = pl.coalesce(pl.col("__xh"), pl.col("__dh"))
    unknown_code = pl.col("__xh").is_null() & pl.col("__xcode").is_not_null()
    df = df.with_columns(hit.alias("__hit"), unknown_code.alias("__unk"))
    parts = pl.col("__hit").str.split("|")
    unknown_code = pl.col("__unk")
    df = df.with_columns(
        pl.when(unknown_code)
        .then(pl.col("__xcode"))
        .otherwise(parts.list.get(0, null_on_oob=True))
        .alias("ma_xa"),
        pl.when(unknown_code)
        .then(pl.lit(None, pl.String))
        .otherwise(parts.list.get(1, null_on_oob=True))
        .alias("xa_2025"),
        parts.list.get(2, null_on_oob=True).alias("__old"),
    )
    present = (pl.col("__xt").str.len_chars().fill_null(0) > 0) | (
        pl.col("__dt").str.len_chars().fill_null(0) > 0
    )
    df = append_codes(
        df,
        [
            code_if(~present, "place_missing"),
            code_if(present & pl.col("ma_xa").is_null(), "place_unknown"),
            code_if(unknown_code, "place_code_not_in_table"),
            code_if(~unknown_code & (pl.col("__old") == "1"), "place_old_unit"),
            code_if(
                pl.col("__xh").is_null() & ~unknown_code & pl.col("__dh").is_not_null(),
                "place_from_address",
            ),
        ],
    )
    return df.drop(
        "__xt", "__dt", "__xm", "__dm", "__xcode", "__xh", "__dh", "__old", "__hit", "__unk"
    )


def _unit_label(p: dict) -> str:
    return ("Phường " if p["kind"] == "phuong" else "Xã ") + p["name"]


# code -> "Phường Đức Phổ" (units from 1 Jul 2025) / "Xã Phổ Nhơn" (units before it)
UNIT_NAMES_2025 = {p["code"]: _unit_label(p) for p in PLACES if not _is_old(p)}
UNIT_NAMES_BEFORE = {p["code"]: _unit_label(p) for p in PLACES if _is_old(p)}


def commune_name_exprs(new_code: str = "xa_2025", code: str = "ma_xa",
                       codes: str = "reason_codes") -> list[pl.Expr]:
    """The normalised commune as officers name it: `commune_2025_name` (the unit from 1 Jul 2025)
    and `commune_pre2025_name` (the unit before, when the row named an old unit; a row that named
    a new unit cannot be placed in one old unit, so it has none)."""
    old = pl.col(codes).list.contains("place_old_unit").fill_null(False)
    return [
        pl.col(new_code).replace_strict(UNIT_NAMES_2025, default=None, return_dtype=pl.String)
        .alias("commune_2025_name"),
        pl.when(old).then(pl.col(code).replace_strict(UNIT_NAMES_BEFORE, default=None,
                                                      return_dtype=pl.String))
        .otherwise(pl.lit(None, pl.String)).alias("commune_pre2025_name"),
    ]
