"""Tests for the Vietnamese legacy-encoding codecs, detection and cell repair."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.ingest.encodings import (
    ENCODINGS,
    VIETNAMESE_LETTERS,
    decode_bytes,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
    repair_series,
    repair_text,
    vietnamese_score,
)

TONED = [c for c in VIETNAMESE_LETTERS if not c.isascii()]
# Upper-case letters with their own TCVN3 byte; other upper-case toned letters lose case.
TCVN3_CASED_UPPER = set("ĂÂÊÔƠƯĐ")

NAMES = [
    "Nguyễn Văn Hùng",
    "Trần Thị Ngọc Anh",
    "Lê Thị Hà",
    "Phạm Văn Đức",
    "Huỳnh Thị Mỹ Linh",
    "Hoàng Minh Tuấn",
    "Phan Thị Thu Hương",
    "Võ Văn Lộc",
    "Vũ Thị Ánh",
    "Đặng Quốc Bảo",
    "Bùi Thị Xuân",
    "Đỗ Văn Thắng",
    "Hồ Thị Kiều Oanh",
    "Ngô Đình Khải",
    "Dương Văn Phước",
    "Lý Thị Yến",
    "Trương Công Định",
    "Nguyễn Thị Ửng",
    "Trần Văn Ẩn",
    "Lê Văn Ất",
]
PLACES = [
    "Thôn An Thạch, xã Phổ An",
    "Tổ dân phố 2, phường Nguyễn Nghiêm",
    "Thôn Vĩnh Tuy, xã Phổ Vinh",
    "Thôn Trung An, phường Phổ Hòa",
    "Thôn Hội An, xã Phổ Quang",
    "Thôn Mỹ Trang, xã Phổ Cường",
    "Thôn Tân Lộc, phường Phổ Thạnh",
    "Thôn Hiệp An, xã Phổ Khánh",
    "Thôn Đông Quang, Phổ Ninh",
    "Thôn Xuân Thành, Phổ Phong",
]


def make_csv() -> str:
    rows = ["STT,Họ và tên,Ngày sinh,Giới tính,Địa chỉ"]
    for i, name in enumerate(NAMES, start=1):
        gender = "Nữ" if " Thị " in name else "Nam"
        place = PLACES[i % len(PLACES)]
        rows.append(f'{i},{name},{i:02d}/0{1 + i % 9}/19{40 + i},{gender},"{place}"')
    return "\n".join(rows) + "\n"


# ------------------------------------------------------------------ round trips, every letter


@pytest.mark.parametrize("letter", TONED)
def test_tcvn3_round_trip_every_letter(letter: str) -> None:
    decoded = decode_tcvn3(encode_tcvn3(letter))
    if letter.isupper() and letter not in TCVN3_CASED_UPPER:
        assert decoded.lower() == letter.lower()  # .VnTimeH convention: case lost
    else:
        assert decoded == letter


@pytest.mark.parametrize("letter", TONED)
def test_vni_round_trip_every_letter(letter: str) -> None:
    assert decode_vni(encode_vni(letter)) == letter


@pytest.mark.parametrize("letter", TONED)
def test_cp1258_round_trip_every_letter(letter: str) -> None:
    assert decode_cp1258(encode_cp1258(letter)) == letter


def test_vietnamese_letters_count() -> None:
    assert len(TONED) == 134
    assert len(set(VIETNAMESE_LETTERS)) == len(VIETNAMESE_LETTERS) == 146


def test_round_trip_whole_text() -> None:
    text = make_csv()
    assert decode_vni(encode_vni(text)) == text
    assert decode_cp1258(encode_cp1258(text)) == text
    assert decode_tcvn3(encode_tcvn3(text)).lower() == text.lower()
    lower = text.lower()
    assert decode_tcvn3(encode_tcvn3(lower)) == lower


def test_tcvn3_all_caps_words_get_case_back() -> None:
    assert decode_tcvn3(encode_tcvn3("NGUYỄN VĂN HÙNG")) == "NGUYỄN VĂN HÙNG"
    assert decode_tcvn3(encode_tcvn3("Nguyễn Văn Hùng")) == "Nguyễn Văn Hùng"


# ------------------------------------------------------------------ known byte sequences


def test_tcvn3_known_example() -> None:
    assert decode_tcvn3(b"Nguy\xd4n V\xa8n H\xefng") == "Nguyễn Văn Hùng"
    assert encode_tcvn3("Nguyễn Văn Hùng") == b"Nguy\xd4n V\xa8n H\xefng"


def test_vni_known_examples() -> None:
    assert decode_vni("Xin chaøo".encode("cp1252")) == "Xin chào"
    assert encode_vni("Nguyễn Văn Hùng").decode("cp1252") == "Nguyeãn Vaên Huøng"
    assert encode_vni("Trương Phước Đức").decode("cp1252") == "Tröông Phöôùc Ñöùc"
    assert encode_vni("ĩ ỉ ị ỵ").decode("cp1252") == "ó æ ò î"


def test_cp1258_tones_are_combining_bytes() -> None:
    assert encode_cp1258("Hùng") == b"Hu\xccng"
    assert encode_cp1258("Nguyễn") == b"Nguy\xea\xden"  # ê precomposed + combining tilde
    assert encode_cp1258("Vũ Đức") == b"Vu\xde \xd0\xfd\xecc"
    assert decode_cp1258(b"H\xf9ng") == "Hùng"  # precomposed cp1258 letters decode too


@pytest.mark.skipif(shutil.which("iconv") is None, reason="needs glibc iconv")
def test_tcvn3_table_matches_glibc_for_high_bytes() -> None:
    for b in range(0x80, 0x100):
        ref = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([b]), capture_output=True
        )
        if ref.returncode == 0:
            assert decode_tcvn3(bytes([b])) == unicodedata.normalize("NFC", ref.stdout.decode())


def test_encoders_strict_and_replace() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode_tcvn3("€")
    with pytest.raises(UnicodeEncodeError):
        encode_vni("中")
    assert encode_tcvn3("a€b", errors="replace") == b"a?b"
    assert encode_vni("a中", errors="replace") == b"a?"


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("encoder", "expected"),
    [
        (lambda t: t.encode("utf-8"), "utf-8"),
        (lambda t: t.encode("utf-8-sig"), "utf-8-sig"),
        (lambda t: unicodedata.normalize("NFD", t).encode("utf-8"), "utf-8"),
        (encode_cp1258, "cp1258"),
        (encode_tcvn3, "tcvn3"),
        (encode_vni, "vni"),
    ],
    ids=["utf-8", "utf-8-sig", "utf-8-nfd", "cp1258", "tcvn3", "vni"],
)
def test_decode_bytes_detects_encoding(encoder, expected: str) -> None:
    text = make_csv()
    decoded, name = decode_bytes(encoder(text))
    assert name == expected
    assert name in ENCODINGS
    assert unicodedata.is_normalized("NFC", decoded)
    if expected == "tcvn3":
        assert decoded.lower() == text.lower()
    else:
        assert decoded == text


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("encoding", ["cp1258", "tcvn3", "vni"])
def test_decode_bytes_detects_single_name(name: str, encoding: str) -> None:
    encoder = {"cp1258": encode_cp1258, "tcvn3": encode_tcvn3, "vni": encode_vni}[encoding]
    data = encoder(name)
    if data.isascii() or _is_utf8(data):
        pytest.skip("bytes identical to ASCII/UTF-8")
    decoded, detected = decode_bytes(data)
    assert detected == encoding
    assert decoded.lower() == name.lower()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_vietnamese_score() -> None:
    assert vietnamese_score("Nguyễn Văn Hùng") == 1.0
    assert vietnamese_score("NguyÔn V¨n Hïng") < 0.2
    assert vietnamese_score("Nguyeãn Vaên Huøng") < 0.2
    assert vietnamese_score("") == 0.0
    assert vietnamese_score("051234567890") == 0.0
    assert 0.0 <= vietnamese_score(make_csv()) <= 1.0
    assert vietnamese_score(make_csv()) > 0.8


# ------------------------------------------------------------------ spreadsheet cells


def _cp1252_reading(data: bytes) -> str:
    """What a spreadsheet reader shows for legacy bytes (latin-1 for undefined bytes)."""
    return "".join(
        bytes([b]).decode("cp1252", errors="strict")
        if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        else chr(b)
        for b in data
    )


@pytest.mark.parametrize("name", NAMES + [p.split(",")[0] for p in PLACES])
def test_repair_tcvn3_cells(name: str) -> None:
    cell = _cp1252_reading(encode_tcvn3(name))
    fixed, tag = repair_text(cell)
    if cell == name:
        assert tag is None
        return
    assert tag == "tcvn3"
    assert fixed.lower() == name.lower()


@pytest.mark.parametrize("name", NAMES + [p.split(",")[0] for p in PLACES])
def test_repair_vni_cells(name: str) -> None:
    cell = _cp1252_reading(encode_vni(name))
    fixed, tag = repair_text(cell)
    if cell == name:
        assert tag is None
        return
    assert (fixed, tag) == (name, "vni")


def test_repair_known_examples() -> None:
    assert repair_text("NguyÔn V¨n Hïng") == ("Nguyễn Văn Hùng", "tcvn3")
    assert repair_text("Nguyeãn Vaên Huøng") == ("Nguyễn Văn Hùng", "vni")
    assert repair_text("TRÇN V¡N NAM") == ("TRẦN VĂN NAM", "tcvn3")
    # Undefined cp1252 bytes handed back as C1 controls: 0x9D is Ù in TCVN 5712.
    assert repair_text("H\x9dNG") == ("HÙNG", "tcvn3")


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "Nguyen Van Hung",
        "051234567890",
        "12/03/1985",
        "1985-03-12",
        "5.10851E+11",
        "Nguyễn Văn Hùng",
        "Lê Thị Hà",
        "Hà",
        "Tú",
        "Bé Ân",
        "Võ Tá",
        "José",
        "Café Müller",
        "Tổng cộng",
        "Nam",
        "Nữ",
    ],
)
def test_repair_leaves_good_cells_alone(cell: str) -> None:
    assert repair_text(cell) == (cell, None)


def test_repair_leaves_cp1252_readable_syllables_alone() -> None:
    words = {w for text in NAMES + PLACES for w in text.replace(",", " ").split()}
    readable = [w for w in words if _is_cp1252(w)]
    assert readable  # e.g. "Hà", "Võ", "Ánh"
    for word in readable:
        assert repair_text(word) == (word, None)


def _is_cp1252(s: str) -> bool:
    try:
        s.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def test_repair_nfd() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")
    assert repair_text(nfd) == ("Nguyễn Văn Hùng", "nfd")


def test_repair_series() -> None:
    s = pl.Series(
        "ho_ten",
        [
            "NguyÔn V¨n Hïng",
            "Nguyeãn Vaên Huøng",
            "Lê Thị Hà",
            None,
            "NguyÔn V¨n Hïng",
            unicodedata.normalize("NFD", "Hùng"),
        ],
    )
    fixed, detected = repair_series(s)
    assert fixed.name == "ho_ten"
    assert fixed.dtype == pl.String and detected.dtype == pl.String
    assert fixed.to_list() == [
        "Nguyễn Văn Hùng",
        "Nguyễn Văn Hùng",
        "Lê Thị Hà",
        None,
        "Nguyễn Văn Hùng",
        "Hùng",
    ]
    assert detected.to_list() == ["tcvn3", "vni", None, None, "tcvn3", "nfd"]


def test_repair_series_empty() -> None:
    fixed, detected = repair_series(pl.Series("x", [], dtype=pl.String))
    assert fixed.len() == 0 and detected.len() == 0


# ------------------------------------------------------------------ never raise


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_decode_bytes_never_raises(data: bytes) -> None:
    text, name = decode_bytes(data)
    assert name in ENCODINGS
    assert isinstance(text, str)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_repair_text_never_raises(s: str) -> None:
    fixed, tag = repair_text(s)
    assert tag in (None, "nfd", "tcvn3", "vni")
    assert unicodedata.is_normalized("NFC", fixed)
    assert 0.0 <= vietnamese_score(s) <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="cp1252"), max_size=40))
def test_repair_text_never_raises_on_cp1252_text(s: str) -> None:
    fixed, tag = repair_text(s)
    if tag is None:
        assert fixed == unicodedata.normalize("NFC", s)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(VIETNAMESE_LETTERS + tuple("bcdghklmnpqrstvx ")), max_size=30))
def test_vni_cp1258_round_trip_random_letters(letters: list[str]) -> None:
    text = "".join(letters)
    assert decode_vni(encode_vni(text)) == text
    assert decode_cp1258(encode_cp1258(text)) == text
