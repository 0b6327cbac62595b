"""Decode, encode and detect the Vietnamese text encodings met in real extracts.

No Python package converts TCVN3 or VNI-Windows reliably, so the project owns these small,
table-driven codecs (see docs/domain.md, "Text encodings met in real extracts"):

* UTF-8 (NFC or NFD, with or without BOM),
* Windows-1258: base letters precomposed where cp1258 has them, tone marks as combining bytes,
* TCVN3 (TCVN 5712:1993 "ABC", .VnTime fonts): one byte per letter,
* VNI-Windows: base letter followed by mark bytes ("Xin chaøo").

Legacy text also reaches us inside XLSX/XLS cells as the cp1252 reading of the legacy bytes
("NguyÔn V¨n Hïng", "Nguyeãn Vaên Huøng"); :func:`repair_text` undoes that per cell.

The TCVN3 table was built once from glibc's ``iconv -f TCVN5712-1`` and checked against the
font-based usage ("Nguyễn Văn Hùng" == b"Nguy\\xd4n V\\xa8n H\\xefng"); iconv is never called
at run time.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars is only needed by repair_series
    import polars as pl

__all__ = [
    "ENCODINGS",
    "VIETNAMESE_LETTERS",
    "decode_bytes",
    "decode_cp1258",
    "decode_tcvn3",
    "decode_vni",
    "TCVN3_VARIANTS",
    "VN1_CONTROLS",
    "encode_cp1258",
    "encode_tcvn3",
    "encode_vni",
    "repair_series",
    "holds_legacy_cells",
    "repair_lines",
    "repair_text",
    "vietnamese_score",
]

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp1258",
             "tcvn3", "vni")
DECODING_TRIED = ("UTF-8 (with or without BOM), UTF-16/UTF-32 (by BOM or NUL-byte pattern), "
                  "cp1258, TCVN3, VNI-Windows")
"""What decode_bytes tries, in order: said by any error about a file's text."""

# Combining tone marks, in VNI/xvnkb order: acute, grave, hook above, tilde, dot below.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
_TONE_SET = frozenset(_TONES)
_BASE_VOWELS = "aăâeêioôơuưy"


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _all_letters() -> tuple[str, ...]:
    """Every Vietnamese letter (NFC), lower then upper case: 12 vowels x 6 tones + đ."""
    lower = [_nfc(v + t) for v in _BASE_VOWELS for t in ("", *_TONES)] + ["đ"]
    return tuple(lower + [c.upper() for c in lower])


#: All 146 Vietnamese letters beyond consonants: 134 with a diacritic + the 12 plain ASCII vowels.
VIETNAMESE_LETTERS: tuple[str, ...] = _all_letters()
_VN_NON_ASCII = frozenset(c for c in VIETNAMESE_LETTERS if not c.isascii())


# --------------------------------------------------------------------------------------------
# cp1252 reading of bytes (what spreadsheet readers hand back), with latin-1 for undefined bytes
# --------------------------------------------------------------------------------------------


def _byte_table(codec: str) -> str:
    """256-char table: each byte decoded with ``codec``, latin-1 where the codec leaves a hole."""
    out = []
    for b in range(256):
        try:
            out.append(bytes([b]).decode(codec))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


_CP1252 = _byte_table("cp1252")
_CP1258 = _byte_table("cp1258")
# Text char -> byte under the cp1252 reading; undefined bytes come back as U+0081 etc.
_CP1252_TO_BYTE = {c: b for b, c in enumerate(_CP1252)}
# latin-1 char (one per byte) -> cp1252/cp1258 char, for str.translate.
_LATIN1_TO_CP1252 = {b: c for b, c in enumerate(_CP1252) if ord(c) != b}
_LATIN1_TO_CP1258 = {b: c for b, c in enumerate(_CP1258) if ord(c) != b}


def _cp1252_bytes(s: str) -> bytes | None:
    """Bytes whose cp1252 reading is ``s`` (latin-1 per char for the 5 undefined bytes)."""
    try:
        return bytes(_CP1252_TO_BYTE[c] for c in s)
    except KeyError:
        return None


# --------------------------------------------------------------------------------------------
# TCVN3
# --------------------------------------------------------------------------------------------

# TCVN 5712:1993 has three levels. VN1 holds all 134 precomposed letters; it needs more room than
# 0x80-0xFF, so twelve capital toned letters sit at control positions below 0x20 (glibc's iconv
# TCVN5712-1 writes them there). VN2 leaves those twelve out: they are written as the base capital
# followed by a combining tone byte (0xB0-0xB4). VN3, the "ABC" .VnTime font layout, keeps only the
# lower-case toned letters: .VnTimeH fonts draw those same bytes as capitals, so case is lost.
# One decoder reads all three: the table is VN1 (checked against glibc for every byte), NFC
# composes VN2's combining bytes, and VN3 all-caps words get their case back.
_TCVN3_LOW = {
    0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ",
    0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ",
}  # fmt: skip
_TCVN3_HIGH = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ"  # 0x80
    "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x90
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0
)
assert len(_TCVN3_HIGH) == 128
_TCVN3_DECODE = {**_TCVN3_LOW, **{0x80 + i: c for i, c in enumerate(_TCVN3_HIGH)}}
_TCVN3_TONE_BYTES = {"\u0300": 0xB0, "\u0309": 0xB1, "\u0303": 0xB2, "\u0301": 0xB3, "\u0323": 0xB4}
#: Control characters that VN1 uses for capital letters (as they appear in decoded/cell text).
VN1_CONTROLS = "".join(chr(b) for b in _TCVN3_LOW)
_VN1_CONTROL_RE = re.compile(f"[{re.escape(VN1_CONTROLS)}]")
# Bytes that only a VN1/VN2 writer uses: explicit capital toned letters (the VN3 fonts leave
# them unused). Their presence means case is stored, so no case restoration.
_TCVN3_CAPITAL_BYTES = frozenset(
    b for b, c in _TCVN3_DECODE.items() if c.isupper() and c not in "ĂÂÊÔƠƯĐ"
)
TCVN3_VARIANTS = ("vn1", "vn2", "vn3")


def _tcvn3_encode_tables() -> dict[str, dict[str, bytes]]:
    """Unicode letter -> bytes for each TCVN 5712 level (see the comment above the table)."""
    vn1 = {c: bytes([b]) for b, c in _TCVN3_DECODE.items() if c.isalpha() or c == "\u00a0"}
    vn2 = dict(vn1)
    for c in _TCVN3_LOW.values():
        decomposed = unicodedata.normalize("NFD", c)
        base = _nfc("".join(ch for ch in decomposed if ch not in _TCVN3_TONE_BYTES))
        tone = next(ch for ch in decomposed if ch in _TCVN3_TONE_BYTES)
        vn2[c] = (vn1[base] if base in vn1 else base.encode("ascii")) + bytes([_TCVN3_TONE_BYTES[tone]])
    vn3 = {c: b for c, b in vn1.items() if not c.isupper() or c in "ĂÂÊÔƠƯĐ"}
    for c in list(vn3):
        if c.islower() and c.upper() not in vn3:
            vn3[c.upper()] = vn3[c]
    return {"vn1": vn1, "vn2": vn2, "vn3": vn3}


_TCVN3_ENCODE = _tcvn3_encode_tables()
# Letters whose case TCVN3 keeps (they have distinct upper/lower bytes): ASCII + ĂÂÊÔƠƯĐ.
_TCVN3_CASED = frozenset("ĂÂÊÔƠƯĐăâêôơưđ")
_WORD_RE = re.compile(r"[^\s0-9!-/:-@\[-`{-~]+")


def _restore_tcvn3_case(word: str) -> str:
    """Upper-case a word whose case-keeping letters are all capitals ("NGUYễN" -> "NGUYỄN").

    .VnTimeH text stores capitals with lower-case bytes; a word whose case-keeping letters are
    all upper case is an all-caps word when there are two of them or one that is not the first
    letter ("úT" can only be "ÚT"). A capital first letter alone ("Hà", "Vũ") is ambiguous
    between title case and all caps and is left alone.
    """
    cased = [i for i, c in enumerate(word) if (c.isascii() and c.isalpha()) or c in _TCVN3_CASED]
    upper = all(word[i].isupper() for i in cased)
    if upper and (len(cased) >= 2 or cased[-1:] > [0]) and not word.isupper():
        return word.upper()
    return word


def decode_tcvn3(data: bytes) -> str:
    """Decode TCVN 5712 (VN1, VN2 or VN3/ABC) bytes to NFC text.

    Capital toned letters stored as such (VN1 bytes, VN2 base + tone byte) keep their case; text
    without any (VN3 fonts) gets all-caps words' case back (best effort).
    """
    text = _nfc(data.decode("latin-1").translate(_TCVN3_DECODE))
    if _TCVN3_CAPITAL_BYTES.intersection(data):
        return text
    return _WORD_RE.sub(lambda m: _restore_tcvn3_case(m.group()), text)


def encode_tcvn3(s: str, errors: str = "strict", variant: str = "vn3") -> bytes:
    """Encode text as TCVN 5712 bytes, for the synthetic-data generator and tests.

    ``variant`` "vn1" is what glibc ``iconv -t TCVN5712-1`` writes (capitals below 0x20 too);
    "vn2" writes those twelve capitals as base + tone byte; "vn3" (ABC fonts, the default) gives
    upper-case toned letters the lower-case byte (case lost, as in .VnTimeH documents).
    ``errors="replace"`` writes b"?" for characters TCVN3 cannot hold; "strict" raises.
    """
    table = _TCVN3_ENCODE[variant]
    out = bytearray()
    for i, c in enumerate(_nfc(s)):
        if c.isascii():
            out.append(ord(c))
        elif c in table:
            out += table[c]
        elif errors == "replace":
            out.append(0x3F)
        else:
            raise UnicodeEncodeError("tcvn3", s, i, i + 1, "character not in TCVN3")
    return bytes(out)


# --------------------------------------------------------------------------------------------
# VNI-Windows (table written in cp1252 characters, as the bytes read in a Western font)
# --------------------------------------------------------------------------------------------

# Tone mark bytes (acute, grave, hook, tilde, dot) for lower- and upper-case letters.
_VNI_TONE = {False: "ùøûõï", True: "ÙØÛÕÏ"}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Build (Unicode letter -> VNI cp1252 string, VNI cp1252 string -> Unicode letter)."""
    enc: dict[str, str] = {}
    for upper in (False, True):
        tones = _VNI_TONE[upper]
        circ, breve = ("Â", "Ê") if upper else ("â", "ê")
        circ_tones = "ÁÀÅÃÄ" if upper else "áàåãä"
        breve_tones = "ÉÈÚÜË" if upper else "éèúüë"

        def put(letter: str, code: str, upper: bool = upper) -> None:
            enc[letter.upper() if upper else letter] = code

        for v in "aeouy":
            base = v.upper() if upper else v
            put(v, base)
            for t, m in zip(_TONES, tones, strict=True):
                put(_nfc(v + t), base + m)
        for v in "aeo":  # â ê ô
            base = v.upper() if upper else v
            put(_nfc(v + "\u0302"), base + circ)
            for t, m in zip(_TONES, circ_tones, strict=True):
                put(_nfc(v + "\u0302" + t), base + m)
        base = "A" if upper else "a"  # ă
        put("ă", base + breve)
        for t, m in zip(_TONES, breve_tones, strict=True):
            put(_nfc("ă" + t), base + m)
        for letter, single in (("ơ", "Ôô"), ("ư", "Öö")):  # one byte each, tones follow
            code = single[0] if upper else single[1]
            put(letter, code)
            for t, m in zip(_TONES, tones, strict=True):
                put(_nfc(letter + t), code + m)
        # i: all tones are single bytes; ỵ too; đ.
        put("i", "I" if upper else "i")
        for t, code in zip(_TONES, "ÍÌÆÓÒ" if upper else "íìæóò", strict=True):
            put(_nfc("i" + t), code)
        put("ỵ", "Î" if upper else "î")
        put("đ", "Ñ" if upper else "ñ")
    dec = {code: letter for letter, code in enc.items() if len(code) > 1 or not code.isascii()}
    dec.update({"yï": "ỵ", "YÏ": "Ỵ"})  # ỵ written like the other tones of y
    # Tolerate a mark typed in the other case than its base letter: the base decides the case.
    for code, letter in list(dec.items()):
        if len(code) >= 2:
            for variant in (code[0] + code[1:].upper(), code[0] + code[1:].lower()):
                dec.setdefault(variant, letter)
    return enc, dec


_VNI_ENCODE, _VNI_DECODE = _vni_tables()
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True)))


def decode_vni(data: bytes) -> str:
    """Decode VNI-Windows bytes to NFC text, longest byte sequence first."""
    text = data.decode("latin-1").translate(_LATIN1_TO_CP1252)  # as a Western font shows it
    return _nfc(_VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], text))


def encode_vni(s: str, errors: str = "strict") -> bytes:
    """Encode text as VNI-Windows bytes (case kept). ``errors`` as in :func:`encode_tcvn3`."""
    out = bytearray()
    for i, c in enumerate(_nfc(s)):
        code = _VNI_ENCODE.get(c)
        if code is not None:
            out += bytes(_CP1252_TO_BYTE[ch] for ch in code)
        elif c.isascii():
            out.append(ord(c))
        elif errors == "replace":
            out.append(0x3F)
        else:
            raise UnicodeEncodeError("vni", s, i, i + 1, "character not in VNI-Windows")
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Windows-1258
# --------------------------------------------------------------------------------------------


def decode_cp1258(data: bytes) -> str:
    """Decode Windows-1258 bytes to NFC (tones stored as combining marks get composed)."""
    return _nfc(data.decode("latin-1").translate(_LATIN1_TO_CP1258))


def encode_cp1258(s: str, errors: str = "strict") -> bytes:
    """Encode as Windows-1258 the way Vietnamese Windows stores it.

    Base letters are precomposed where cp1258 has them (â ă ê ô ơ ư đ ...), tone marks are
    written as combining bytes (0xCC grave, 0xEC acute, 0xD2 hook, 0xDE tilde, 0xF2 dot below).
    """
    parts: list[str] = []
    base, tones = "", ""
    for c in unicodedata.normalize("NFD", s):
        if unicodedata.combining(c):
            if c in _TONE_SET:
                tones += c
            else:
                base += c
            continue
        parts.append(_nfc(base) + tones)
        base, tones = c, ""
    parts.append(_nfc(base) + tones)
    return "".join(parts).encode("cp1258", errors=errors)


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
# Vowel groups that may take a final consonant (or none).
_CLOSABLE = [
    *("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"),
    *("iê", "yê", "ươ", "uô", "oa", "oă", "oe", "uâ", "uê", "uy", "uyê", "ua", "ưa", "ia"),
]
# Vowel groups ending in a glide: no final consonant.
_OPEN = [
    *("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu"),
    *("iêu", "yêu", "ươi", "ươu", "uôi", "oai", "oao", "oay", "oeo", "uây", "uya", "uyu", "ya"),
    "uơ",
]
_SYLLABLE_RE = re.compile(
    rf"{_ONSET}(?:(?:{'|'.join(sorted(_CLOSABLE, key=len, reverse=True))})"
    rf"(?:ch|ng|nh|c|m|n|p|t)?|(?:{'|'.join(sorted(_OPEN, key=len, reverse=True))})"
    r"|oo(?:ng|c))"  # "oo" only in loans such as "xoong", "soóc"
)


@functools.lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """True when ``word`` (any case, NFC) is a well-formed Vietnamese syllable with <= 1 tone."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    n_tones = sum(c in _TONE_SET for c in decomposed)
    if n_tones > 1:
        return False
    base = _nfc("".join(c for c in decomposed if c not in _TONE_SET))
    return _SYLLABLE_RE.fullmatch(base) is not None


def _is_odd(c: str) -> bool:
    """Neither printable ASCII, a Vietnamese letter nor space (control characters are odd)."""
    return not ((c.isascii() and c.isprintable()) or c in _VN_NON_ASCII or c.isspace())


def vietnamese_score(text: str) -> float:
    """How Vietnamese a decoded text looks, in [0, 1].

    Share of words that are well-formed Vietnamese syllables, times the share of non-space
    characters that are ASCII or Vietnamese letters (mis-decoded text shows "¨", "ø", "Ô" inside
    words...). Text without any word (empty, numbers, dates) scores 0.
    """
    text = _nfc(text)
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    valid = sum(_is_syllable(w) for w in words) / len(words)
    chars = [c for c in text if not c.isspace()]
    odd = sum(_is_odd(c) for c in chars) / len(chars)
    return valid * (1.0 - odd)


# Order breaks ties: VNI before TCVN3 because the VNI decoder only changes known multi-byte
# sequences, while any high byte means some letter in TCVN3.
_LEGACY_DECODERS = {"cp1258": decode_cp1258, "vni": decode_vni, "tcvn3": decode_tcvn3}
_SAMPLE_BYTES = 64 * 1024
_VN1_BYTE_RE = re.compile(b"[\\x01\\x02\\x04-\\x06\\x11-\\x17]")


def _sample(data: bytes) -> bytes:
    """Lines that hold non-ASCII bytes (where encodings differ), up to about 64 KiB."""
    picked: list[bytes] = []
    size = 0
    for line in data.splitlines():
        if not line.isascii() or _VN1_BYTE_RE.search(line):
            picked.append(line)
            size += len(line)
            if size >= _SAMPLE_BYTES:
                break
    return b"\n".join(picked)


# Byte-order marks, the 4-byte ones first (UTF-32-LE's BOM starts like UTF-16-LE's).
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
              (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_WIDE_SAMPLE = 4096


def _zero_share(sample: bytes, start: int, step: int) -> float:
    picked = sample[start::step]
    return picked.count(0) / len(picked) if picked else 0.0


def wide_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) of UTF-16/UTF-32 text, by its BOM or, without one, by where its NUL
    bytes fall (ASCII letters, digits and delimiters have zero high bytes); None otherwise."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    sample = data[:_WIDE_SAMPLE]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    z = [_zero_share(sample, i, 4) for i in range(4)]
    if z[1] > 0.9 and z[2] > 0.9 and z[3] > 0.9 and z[0] < 0.1:
        return "utf-32-le", 0
    if z[0] > 0.9 and z[1] > 0.9 and z[2] > 0.9 and z[3] < 0.1:
        return "utf-32-be", 0
    even, odd = _zero_share(sample, 0, 2), _zero_share(sample, 1, 2)
    if odd > 0.4 and even < 0.05:
        return "utf-16-le", 0
    if even > 0.4 and odd < 0.05:
        return "utf-16-be", 0
    return None


def decode_wide(data: bytes) -> tuple[str, str] | None:
    """(NFC text, codec) for UTF-16/UTF-32 bytes (Excel's "Unicode Text" is UTF-16-LE), else None."""
    found = wide_encoding(data)
    if found is None:
        return None
    codec, bom = found
    body = data[bom:]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        text = body.decode(codec, errors="replace")
    return _nfc(text), codec


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a whole CSV/TXT file's bytes: returns (NFC text, encoding name from ENCODINGS).

    UTF-16/UTF-32 (BOM or NUL pattern) -> that codec;
    UTF-8 with BOM -> "utf-8-sig"; valid UTF-8 -> "utf-8" (NFD becomes NFC); otherwise the legacy
    encoding whose decoding of the non-ASCII lines scores highest (ties: cp1258, vni, tcvn3).
    Never raises.
    """
    wide = decode_wide(data)
    if wide is not None:
        return wide
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(data[3:].decode("utf-8", errors="replace")), "utf-8-sig"
    try:
        text = _nfc(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    else:
        if not _VN1_BYTE_RE.search(data) or holds_legacy_cells(text):
            return text, "utf-8"
        # Valid UTF-8 that holds control bytes where VN1 puts capital letters ("\x01t" = "Út"):
        # a TCVN3 file whose only legacy letters are those capitals reads as ASCII.
        sample = _sample(data)
        if vietnamese_score(decode_tcvn3(sample)) > vietnamese_score(sample.decode("utf-8")):
            return decode_tcvn3(data), "tcvn3"
        return text, "utf-8"
    sample = _sample(data)
    best = max(_LEGACY_DECODERS, key=lambda name: vietnamese_score(_LEGACY_DECODERS[name](sample)))
    return _LEGACY_DECODERS[best](data), best


# A UTF-8 file whose lines are mostly this share of TCVN3/VNI text read as cp1252 holds legacy
# cells (repair_lines), and at most this many of its non-ASCII lines are looked at to say so.
_LEGACY_LINE_SHARE = 0.5
_LEGACY_SAMPLE_LINES = 300
_LEGACY_SAMPLE_CHARS = 1_000_000


def holds_legacy_cells(text: str) -> bool:
    """Valid UTF-8 text whose lines are the cp1252 reading of TCVN3 or VNI bytes ("NguyÔn
    V¨n Hïng"): what Excel writes as "CSV UTF-8" from a sheet typed in an ABC or VNI font,
    the XLSX cells' legacy text carried into a CSV. Decided on a sample of non-ASCII lines."""
    head = text[:_LEGACY_SAMPLE_CHARS]  # a sample: the whole of a large file is not needed
    lines = [line for line in head.splitlines() if not line.isascii()][:_LEGACY_SAMPLE_LINES]
    if not lines:
        return False
    legacy = sum(repair_text(line)[1] in ("tcvn3", "vni") for line in lines)
    return legacy >= _LEGACY_LINE_SHARE * len(lines)


def repair_lines(text: str) -> tuple[str, int]:
    """(text, lines repaired): the lines read as a sheet's cells are (repair_series: each line
    that reads as legacy text decoded; then, the file's legacy encoding known, the lines too
    short or too full of digits to tell alone decoded with it unless that reads less
    Vietnamese). Real Unicode and ASCII lines are left alone. Line by line, so a line count and
    the delimiters (ASCII in every legacy encoding) are kept: only a file holds_legacy_cells
    calls it for."""
    import polars as pl

    lines = pl.Series("line", text.split("\n"), dtype=pl.String)
    fixed, tags = repair_series(lines)
    first = tags.is_in(["tcvn3", "vni"]).fill_null(False)
    legacy = max(("tcvn3", "vni"), key=lambda tag: int((tags == tag).sum()))
    second, second_tags = repair_series(lines.zip_with(~first, lines.clear(len(lines))), legacy)
    again = second_tags.is_not_null()
    out = second.zip_with(again, fixed.zip_with(first, lines))
    return "\n".join(out.to_list()), int(first.sum() + again.sum())


# --------------------------------------------------------------------------------------------
# Spreadsheet cells
# --------------------------------------------------------------------------------------------

_MIN_GAIN = 0.25  # a conversion must raise the score by this much ...
_MIN_SCORE = 0.5  # ... and reach this, so ambiguous cells stay as they are


def repair_text(s: str) -> tuple[str, str | None]:
    """Repair one spreadsheet cell; returns (NFC text, "tcvn3" / "vni" / "nfd" / None).

    Cells from XLSX/XLS typed in ABC or VNI fonts come back as the cp1252 reading of the legacy
    bytes ("NguyÔn V¨n Hïng", "Nguyeãn Vaên Huøng"). Conservative: only text that is entirely
    cp1252-readable is a candidate, and it is converted only when the converted text scores
    clearly more Vietnamese. "nfd" means only Unicode normalisation changed; None: unchanged.
    """
    fixed = _nfc(s)
    norm_tag = "nfd" if fixed != s else None
    if fixed.isascii() and not _VN1_CONTROL_RE.search(fixed):
        return fixed, norm_tag
    raw = _cp1252_bytes(fixed)
    if raw is None:  # holds characters no cp1252 reading produces: real Unicode
        return fixed, norm_tag
    base_score = vietnamese_score(fixed)
    best_text, best_name, best_score = fixed, None, base_score
    for name, decode in (("vni", decode_vni), ("tcvn3", decode_tcvn3)):  # ties go to VNI
        candidate = decode(raw)
        score = vietnamese_score(candidate)
        if score > best_score:
            best_text, best_name, best_score = candidate, name, score
    if best_name is not None and best_score >= _MIN_SCORE and best_score - base_score >= _MIN_GAIN:
        return best_text, best_name
    return fixed, norm_tag


def repair_text_as(s: str, encoding: str) -> tuple[str, str | None]:
    """Decode a cell with an encoding already established for its sheet.

    Short cells with abbreviations ("Soá CMND/CCCD") do not score as Vietnamese alone; once most
    of a sheet is known to be VNI or TCVN3, such a cell is converted unless that makes it look
    less Vietnamese.
    """
    fixed = _nfc(s)
    if fixed.isascii() and not _VN1_CONTROL_RE.search(fixed):
        return fixed, None
    raw = _cp1252_bytes(fixed)
    if raw is None:
        return fixed, None
    candidate = {"vni": decode_vni, "tcvn3": decode_tcvn3}[encoding](raw)
    if candidate != fixed and vietnamese_score(candidate) >= vietnamese_score(fixed):
        return candidate, encoding
    return fixed, None


def repair_series(s: pl.Series, encoding: str | None = None) -> tuple[pl.Series, pl.Series]:
    """Vectorised :func:`repair_text` over a Utf8 Series (each distinct value repaired once).

    Returns (fixed series with the same name, Utf8 series "<name>_encoding" holding
    "tcvn3"/"vni"/"nfd", null where the value was unchanged or null).
    """
    import polars as pl

    uniques = s.drop_nulls().unique().to_list()
    if encoding is None:
        repaired = [repair_text(v) for v in uniques]
    else:
        repaired = [repair_text_as(v, encoding) for v in uniques]
    fixed = s.replace_strict(
        uniques, [r[0] for r in repaired], default=None, return_dtype=pl.String
    )
    detected = s.replace_strict(
        uniques, [r[1] for r in repaired], default=None, return_dtype=pl.String
    )
    return fixed.alias(s.name), detected.alias(f"{s.name}_encoding")
