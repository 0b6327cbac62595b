"""Recognise extract columns by what their header means, and, failing that, by their values.

Agencies reword headers from one year to the next ("Họ và tên người được hưởng", "Số ĐDCN/CCCD",
"Đơn vị hành chính cấp xã"). A closed alias list breaks on each new wording, so a header is read
as accent- and case-free words, and each field is known by the words that carry its meaning
(họ tên / tên, ngày / năm sinh, giới tính, cccd / định danh / cmnd, mã số thuế, bhxh / bhyt,
xã / phường, thôn / tổ ...). The contract's aliases (schemas/) are tried first, as hints.

When a header still means nothing (blank, "Cột 5", an odd abbreviation), the column's values
decide: 12-digit numbers are personal IDs, 9-digit ones CMND, dates birth dates, Nam/Nữ gender,
commune names communes. Anything else becomes an ``extra_*`` column: reported, never an error.

Every decision is kept with how it was made ("alias", "words", "values", "extra") so the file
report shows the whole mapping and a missing identity column is never silent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = [
    "IDENTITY_FIELDS",
    "ColumnMatch",
    "birth_field",
    "field_by_values",
    "field_by_words",
    "header_tokens",
    "match_header",
    "value_kind",
]

IDENTITY_FIELDS = ("ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd", "ma_bhxh",
                   "the_bhyt", "mst")
"""Fields that say who a row is: a column holding one of them must never go unread."""

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")


def header_tokens(text: str | None) -> tuple[str, ...]:
    """Accent- and case-free words of a header: "Số ĐDCN/CCCD" -> ("so", "ddcn", "cccd")."""
    if not text:
        return ()
    t = unicodedata.normalize("NFKD", _INVISIBLE.sub("", str(text)))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.replace("đ", "d").replace("Đ", "D").lower()
    # "(1)", "(*)" footnote marks and column numbers are not words of the header
    t = re.sub(r"\(\s*(?:\d{1,2}|\*+|[a-z])\s*\)", " ", t)
    return tuple(re.findall(r"[a-z0-9]+", t))


def _has(tokens: Sequence[str], *phrases: str) -> bool:
    """Whether any phrase ("ho ten", "cccd") occurs as consecutive words of ``tokens``."""
    joined = f" {' '.join(tokens)} "
    return any(f" {p} " in joined for p in phrases)


# Phrases that mark a person other than the row's own (parent, guardian, household head).
_OTHER_PERSON = ("cha", "me", "bo", "cha me", "giam ho", "chu ho", "nguoi giam ho", "vo", "chong",
                 "nguoi khai", "nguoi nhan thay", "nguoi dai dien")
_ID12_WORDS = ("cccd", "ddcn", "dinh danh", "can cuoc", "cccd cmnd", "so dd", "ma dd", "cc",
               "the can cuoc", "socccd", "madinhdanh", "sodinhdanh")
_CMND_WORDS = ("cmnd", "cmt", "chung minh", "chung minh thu", "chung minh nhan dan", "socmnd")
_PLACE_XA = ("xa", "phuong", "thi tran", "don vi hanh chinh", "dvhc", "ma xa", "xa phuong",
             "phuong xa", "ma dvhc", "ten xa", "cap xa")
_PLACE_THON = ("thon", "to dan pho", "tdp", "xom", "ap", "khu pho", "to", "chi hoi", "khoi pho",
               "ban", "lang", "khu dan cu", "thon to")
# Any identifier of a person: with another person's words ("Số CCCD chủ hộ") it is theirs.
_IDENTIFIER_WORDS = (*_ID12_WORDS, *_CMND_WORDS, "bhxh", "bhyt", "bao hiem", "mst", "ma so thue",
                     "ma thue")
_ADDRESS = ("dia chi", "noi cu tru", "noi o", "thuong tru", "tam tru", "que quan", "cho o",
            "noi o hien nay", "dia chi thuong tru", "ho khau", "cu tru")


# Columns agencies add that are about something else than who the row is: kept as extra_*,
# never guessed from their values (a phone number has 10 digits like a BHXH code).
_OTHER_INFORMATION = ("dien thoai", "sdt", "dt", "email", "dan toc", "ton giao", "nghe nghiep",
                      "muc", "so tien", "tro cap", "ngay cap", "noi cap", "cap ngay", "quan he",
                      "trinh do", "ngay chet", "ngay mat", "ngay huong", "thang huong", "ky nhan",
                      "so quyet dinh", "quyet dinh", "ngay vao", "ngay ket nap", "so ho khau",
                      "so tai khoan", "ngan hang", "thu nhap", "ty le", "so nam", "chuc vu",
                      "quoc tich", "gd dt", "gddt", "csdl nganh", "ma hoc sinh", "ma lop")
# Larger places than a commune: not the row's commune, whatever its values look like.
_WIDER_PLACES = {("tinh",), ("huyen",), ("quan",), ("quan", "huyen"), ("tinh", "thanh", "pho"),
                 ("tinh", "thanh"), ("thanh", "pho"), ("thi", "xa"), ("tinh", "tp")}
_ORGANISATION = ("don vi", "co quan", "cong ty", "to chuc", "doanh nghiep", "truong", "lop")


def is_other_information(text: str | None) -> bool:
    """A header about something other than the person's identity (phone, amounts, dates of a
    decision, another person's birth year or ID...): such a column is kept as extra_*, whatever
    its values look like."""
    tok = header_tokens(text)
    if tok in _WIDER_PLACES:
        return True
    if _has(tok, *_OTHER_PERSON) and _has(tok, "sinh", *_IDENTIFIER_WORDS):
        return True  # "Năm sinh cha", "Số CCCD chủ hộ": a parent's, the household head's
    return bool(tok) and _has(tok, *_OTHER_INFORMATION) and not _has(tok, "sinh")


def field_by_words(text: str | None) -> str | None:
    """The field a header names by its words, or None. Order matters: the most specific
    meanings first (an insurance code is not a commune because "bảo hiểm xã hội" holds "xã";
    "Họ tên mẹ" is a parent, not the row's name; "Nơi sinh" is a place, not a birth date;
    "Số CCCD chủ hộ" is the household head's ID, never the row's: is_other_information)."""
    tok = header_tokens(text)
    if not tok or is_other_information(text):
        return None
    if tok in (("stt",), ("tt",), ("so", "tt"), ("so", "thu", "tu")) or _has(tok, "so thu tu"):
        return "stt"
    if _has(tok, "ghi chu", "chu thich", "ghichu"):
        return "ghi_chu"
    if _has(tok, "bhyt", "bao hiem y te", "the y te", "the bh"):
        return "the_bhyt"
    if _has(tok, "bhxh", "bao hiem xa hoi", "so so", "ma bh", "ma so bh"):
        return "ma_bhxh"
    if _has(tok, "mst", "ma so thue", "ma thue", "masothue") or (
            _has(tok, "thue") and _has(tok, "ma", "so") and not _has(tok, "ten", "ho ten")):
        return "mst"
    if _has(tok, *_ID12_WORDS):
        return "so_dinh_danh"
    if _has(tok, *_CMND_WORDS):
        return "so_cmnd"
    if _has(tok, "noi sinh", "que"):
        return "dia_chi" if _has(tok, "que quan") else None
    if _has(tok, "sinh", "ntns", "ns", "ngaysinh", "namsinh") and not _has(tok, "ten"):
        return birth_field(text, "ngay_sinh")
    if _has(tok, "gioi tinh", "gioi", "gt", "phai", "nam nu", "gioitinh"):
        return "gioi_tinh"
    if _has(tok, "cha me", "cha hoac me", "bo me", "me hoac cha"):
        return "ho_ten_cha_me"
    names_a_person = _has(tok, "ho ten", "ho va ten", "ten", "hoten", "ho ten dem", "ho dem")
    if names_a_person and _has(tok, *_ORGANISATION):
        return None
    if names_a_person and _has(tok, *_OTHER_PERSON):
        return "ho_ten_cha_me" if _has(tok, "cha", "me", "bo", "cha me", "giam ho") else None
    if _has(tok, *_ADDRESS) or (_has(tok, *_PLACE_XA) and _has(tok, "thon", "to dan pho", "xom")):
        return "dia_chi"
    if _has(tok, "thon", "to dan pho", "tdp", "xom", "khu pho", "chi hoi", "khoi pho", "thon to"):
        return "thon"
    if _has(tok, *_PLACE_XA):
        return "xa"
    if names_a_person:
        return "ho_ten"
    if _has(tok, "doi tuong", "dien", "loai doi tuong", "nhom doi tuong", "dien huong"):
        return "doi_tuong"
    return None


_BIRTH_FIELDS = ("ngay_sinh", "ngay_sinh_nam", "ngay_sinh_nu", "ngay_sinh_yyyy")
_GENDER_WORDS = {"nam": "ngay_sinh_nam", "nữ": "ngay_sinh_nu", "nu": "ngay_sinh_nu"}


def _marked_words(text: str) -> list[str]:
    """The header's words as written (lower case, NFC, marks kept): "Năm" stays "năm"."""
    t = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).lower()
    return re.findall(r"[^\W\d_]+", t)


def birth_field(text: str, found: str) -> str:
    """The birth-date field of a header known to be one (``found``), decided on the words as
    written, since folding makes "Năm" (year) and "Nam" (male) one word: a lone gender word after
    the birth words ("Năm sinh (Nữ)") makes a Nam/Nữ pair column; "Ngày sinh (năm)" does not;
    "Năm" alone is the year of a date split over Ngày | Tháng | Năm."""
    words = _marked_words(text)
    if words == ["năm"]:
        return "ngay_sinh_yyyy"
    after = words[len(words) - words[::-1].index("sinh"):] if "sinh" in words else words
    if len(after) == 1 and after[0] in _GENDER_WORDS:
        return _GENDER_WORDS[after[0]]
    return "ngay_sinh" if "sinh" in words else found


def match_header(text: str | None, header_map: dict[str, str]) -> tuple[str | None, str | None]:
    """(field, how) for one header cell: the contract's aliases first ("alias"), then the words
    ("words"); (None, None) when neither knows it. A birth-date alias is checked against the
    header as written (birth_field): "Ngày sinh (năm)" folds like the pair field's name."""
    from ducpho_etl.contracts import fold_header

    if not text or not str(text).strip():
        return None, None
    folded = fold_header(_INVISIBLE.sub("", str(text)))
    if folded and folded in header_map:
        found = header_map[folded]
        return (birth_field(str(text), found) if found in _BIRTH_FIELDS else found), "alias"
    found = field_by_words(text)
    return (found, "words") if found else (None, None)


# ------------------------------------------------------------------------------ by values

_ID_SEPARATORS = re.compile(r"[\s.\-_/'’`]")
_DATE = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}$|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
                   r"|^(?:0?[1-9]|1[0-2])\s*[-/.]\s*(?:19|20)\d\d$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_BHYT = re.compile(r"^[A-Z]{2}\d{13}$")
_SCI = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
_GENDER = {"nam", "nu", "n", "x", "male", "female", "trai", "gai"}


def value_kind(value: str | None) -> str | None:
    """What one cell value can be: "id12", "cmnd9", "code10", "bhyt", "date", "year",
    "gender", "text" or None (empty)."""
    if value is None:
        return None
    v = unicodedata.normalize("NFKC", _INVISIBLE.sub("", str(value))).strip()
    if not v:
        return None
    if _SCI.match(v):
        return "id12"
    if _DATE.match(v):  # before digits: "12/03/1950" is not an 8-digit number
        return "date"
    digits = _ID_SEPARATORS.sub("", re.sub(r"\.0+$", "", v))
    if digits.isdigit():
        n = len(digits)
        if n in (11, 12):
            return "id12"
        if n in (8, 9):
            return "cmnd9"
        if n == 10:
            return "code10"
        if n == 4 and _YEAR.match(digits):
            return "year"
        if n == 5:
            return "place_code"
    if _BHYT.match(v.replace(" ", "").upper()):
        return "bhyt"
    if _DATE.match(v):
        return "date"
    if " ".join(header_tokens(v)) in _GENDER:
        return "gender"
    return "text"


def _is_commune(value: str) -> bool:
    from ducpho_etl.normalize.places import _PATTERN, _fold

    return re.search(_PATTERN, _fold(value)) is not None


def _is_name(value: str) -> bool:
    words = value.split()
    return 2 <= len(words) <= 7 and all(w.replace("-", "").isalpha() for w in words)


def field_by_values(values: Sequence[str | None], taken: set[str] | None = None) -> str | None:
    """The identity field a column's values show, or None when they show none clearly.

    At least 80% of the non-empty values must agree; a field already ``taken`` by another column
    of the table is not given twice (except that a 9-digit column next to an ID column is CMND).
    """
    taken = taken or set()
    filled = [str(v) for v in values if v is not None and str(v).strip()]
    if len(filled) < 3:
        return None
    kinds = [value_kind(v) for v in filled]
    share = {k: kinds.count(k) / len(kinds) for k in set(kinds)}

    def most(*ks: str) -> bool:
        return sum(share.get(k, 0.0) for k in ks) >= 0.8

    candidates: list[str] = []
    if most("id12", "cmnd9") and share.get("id12", 0) >= share.get("cmnd9", 0):
        candidates += ["so_dinh_danh", "so_cmnd"]
    elif most("cmnd9", "id12"):
        candidates += ["so_cmnd", "so_dinh_danh"]
    elif most("bhyt"):
        candidates.append("the_bhyt")
    elif most("code10"):
        from stdnum.vn import mst

        codes = [_ID_SEPARATORS.sub("", v) for v, k in zip(filled, kinds, strict=True)
                 if k == "code10"]
        valid = sum(1 for c in codes if mst.is_valid(c)) / len(codes)
        candidates.append("mst" if valid >= 0.9 else "ma_bhxh")
    elif most("date", "year"):
        candidates.append("ngay_sinh")
    elif most("gender"):
        candidates.append("gioi_tinh")
    elif most("text", "place_code") and sum(_is_commune(v) for v in filled) >= 0.8 * len(filled):
        candidates.append("xa")
    elif most("text") and sum(_is_name(v) for v in filled) >= 0.8 * len(filled):
        candidates.append("ho_ten")
    return next((c for c in candidates if c not in taken), None)


def extra_field(text: str | None, index: int) -> str:
    """``extra_<words>`` for a column nobody knows ("Mức trợ cấp" -> "extra_muc_tro_cap")."""
    words = "_".join(header_tokens(text))[:40].strip("_")
    return f"extra_{words or f'col{index + 1}'}"


@dataclass(frozen=True)
class ColumnMatch:
    """How one column of a table was mapped (goes to the file report and the manifest)."""

    column: int
    header: str
    field: str | None
    how: str
    """"alias" (contract), "words" (header meaning), "values" (column content), "extra"
    (kept as extra_*), "unmapped_identity" (values look like identity data nobody could place)."""

    def as_dict(self) -> dict:
        return asdict(self)


_IDENTITY_KINDS = {"id12", "cmnd9", "code10", "bhyt", "date"}
VALUE_SAMPLE_ROWS = 300


def map_columns(
    header_texts: Sequence[str],
    columns: list[str | None],
    body: Sequence[Sequence[str | None]],
    header_map: dict[str, str],
) -> list[ColumnMatch]:
    """The mapping of every column of a table; fills ``columns`` in place from values.

    ``header_texts`` are the header words per column (a sub-header joined to its parent),
    ``columns`` the fields the header words gave (None for unknown), ``body`` the rows below the
    header. A column whose header says nothing is decided by its values; one that is neither
    known nor identity-like is an ``extra_*`` column; one whose values look like identity data
    that no field could take is "unmapped_identity" (the file is flagged, see identity_gaps).
    """
    taken = {c for c in columns if c}
    sample = body[:VALUE_SAMPLE_ROWS]
    out: list[ColumnMatch] = []
    for i, text in enumerate(header_texts):
        text = text or ""
        if columns[i] is not None:
            # a sub-header ("Ngày sinh / Nam") may be known alone, or with its parent
            parts = [text.split(" / ")[-1], text.replace(" / ", " "), text]
            hows = [match_header(part, header_map) for part in parts]
            how = "alias" if (columns[i], "alias") in hows else "words"
            out.append(ColumnMatch(i, text, columns[i], how))
            continue
        values = [row[i] if i < len(row) else None for row in sample]
        if not text.strip() and not any(v is not None and str(v).strip() for v in values):
            continue  # an empty spacer column
        by_values = None if is_other_information(text) else field_by_values(values, taken)
        if by_values is not None:
            columns[i] = by_values
            taken.add(by_values)
            out.append(ColumnMatch(i, text, by_values, "values"))
            continue
        kinds = [value_kind(v) for v in values if v is not None and str(v).strip()]
        identity_like = sum(k in _IDENTITY_KINDS for k in kinds)
        if kinds and identity_like >= 0.3 * len(kinds) and not is_other_information(text):
            out.append(ColumnMatch(i, text, None, "unmapped_identity"))
        else:
            name = extra_field(text, i)
            if any(m.field == name for m in out):  # two columns worded alike stay two columns
                name = f"{name}_{i + 1}"
            out.append(ColumnMatch(i, text, name, "extra"))
    return out


def identity_gaps(mapping: Sequence[ColumnMatch]) -> list[str]:
    """Headers of columns that hold identity-like values but could not be mapped."""
    return [m.header or f"(column {m.column + 1})" for m in mapping if m.how == "unmapped_identity"]
