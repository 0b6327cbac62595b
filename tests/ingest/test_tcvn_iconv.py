"""TCVN 5712:1993 (VN1, VN2, VN3) and cp1258 against an independent encoder: glibc iconv.

Every toned letter in both cases, every byte of the table, and random Vietnamese text encoded by
iconv must decode back exactly. A file whose only legacy letters are VN1 capitals (bytes below
0x20, which is also valid ASCII) must still be detected as TCVN3.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducpho_etl.ingest.encodings import (
    VIETNAMESE_LETTERS,
    decode_bytes,
    decode_cp1258,
    decode_tcvn3,
    encode_cp1258,
    encode_tcvn3,
    repair_text,
)

pytestmark = pytest.mark.skipif(shutil.which("iconv") is None, reason="needs glibc iconv")

TONED = [c for c in VIETNAMESE_LETTERS if not c.isascii()]
VN1_LOW = {0x01, 0x02, 0x04, 0x05, 0x06, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17}


def iconv(data: bytes, src: str, dst: str) -> bytes:
    done = subprocess.run(["iconv", "-f", src, "-t", dst], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def to_tcvn(text: str) -> bytes:
    return iconv(unicodedata.normalize("NFC", text).encode(), "UTF-8", "TCVN5712-1")


def test_every_table_byte_matches_glibc() -> None:
    for b in [*VN1_LOW, *range(0x80, 0x100)]:
        ref = unicodedata.normalize("NFC", iconv(bytes([b]), "TCVN5712-1", "UTF-8").decode())
        assert decode_tcvn3(bytes([b])) == ref, hex(b)


@pytest.mark.parametrize("letter", TONED)
def test_vn1_every_letter_both_ways(letter: str) -> None:
    ref = to_tcvn(letter)
    assert encode_tcvn3(letter, variant="vn1") == ref
    assert decode_tcvn3(ref) == letter
    assert decode_tcvn3(ref + b" " + to_tcvn(letter.lower())) == f"{letter} {letter.lower()}"


def test_vn1_capitals_live_below_0x20() -> None:
    low = {c for c in TONED if to_tcvn(c)[0] < 0x20}
    assert low == set("ÚỤỪỬỮỨỰỲỶỸÝỴ")
    assert {to_tcvn(c)[0] for c in low} == VN1_LOW


@pytest.mark.parametrize("letter", TONED)
def test_vn2_every_letter(letter: str) -> None:
    data = encode_tcvn3(letter, variant="vn2")
    assert all(b >= 0x20 for b in data)  # VN2 never uses the control positions
    assert decode_tcvn3(data) == letter
    # VN2's base + tone byte is exactly what iconv decodes too
    assert unicodedata.normalize("NFC", iconv(data, "TCVN5712-1", "UTF-8").decode()) == letter


@pytest.mark.parametrize("letter", TONED)
def test_vn3_every_letter(letter: str) -> None:
    data = encode_tcvn3(letter, variant="vn3")
    assert decode_tcvn3(data).lower() == letter.lower()
    # VN3 bytes are VN1's lower-case bytes: iconv reads them as the lower-case letter
    assert iconv(data, "TCVN5712-1", "UTF-8").decode() == (
        letter if letter in "ĂÂÊÔƠƯĐ" else letter.lower())


def test_vn3_all_caps_words_get_case_back() -> None:
    assert decode_tcvn3(encode_tcvn3("NGUYỄN VĂN ÚT", variant="vn3")) == "NGUYỄN VĂN ÚT"


@pytest.mark.parametrize("letter", TONED)
def test_cp1258_every_letter_against_iconv(letter: str) -> None:
    ref = iconv(letter.encode(), "UTF-8", "CP1258")
    assert decode_cp1258(ref) == letter
    nfc = unicodedata.normalize("NFC", iconv(encode_cp1258(letter), "CP1258", "UTF-8").decode())
    assert nfc == letter


# Random Vietnamese text: words of Vietnamese letters in lower, Title or UPPER case, with digits,
# punctuation and line breaks between them (what a list of names and places looks like).
_LETTERS = [c for c in VIETNAMESE_LETTERS if c.islower()] + list("bcdghklmnpqrstvx")
_word = st.tuples(
    st.text(alphabet=_LETTERS, min_size=1, max_size=7),
    st.sampled_from(["lower", "title", "upper"]),
).map(lambda t: {"lower": t[0], "title": t[0][:1].upper() + t[0][1:], "upper": t[0].upper()}[t[1]])
_sep = st.sampled_from([" ", "  ", ",", ", ", "\n", "/", " - ", "1", "09/", "."])
vietnamese_text = st.lists(st.tuples(_word, _sep), min_size=1, max_size=12).map(
    lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=150, deadline=None)
@given(vietnamese_text)
def test_fuzz_iconv_tcvn_decodes_back_exactly(text: str) -> None:
    assert decode_tcvn3(to_tcvn(text)) == text


@settings(max_examples=100, deadline=None)
@given(vietnamese_text)
def test_fuzz_iconv_tcvn_file_detected(text: str) -> None:
    data = to_tcvn("Họ và tên,Ghi chú\n" + text.replace("\n", ",") + "\n")
    decoded, encoding = decode_bytes(data)
    assert encoding == "tcvn3"
    assert decoded == "Họ và tên,Ghi chú\n" + text.replace("\n", ",") + "\n"


@settings(max_examples=100, deadline=None)
@given(vietnamese_text)
def test_fuzz_iconv_cp1258_decodes_back_exactly(text: str) -> None:
    assert decode_cp1258(iconv(text.encode(), "UTF-8", "CP1258")) == text


def test_file_whose_only_legacy_letters_are_vn1_capitals() -> None:
    text = "STT,Ten,Gioi tinh\n1,Le Van Út,NỮ\n2,Ly Ý,Nam\n3,Ho Van Ỵ,Nam\n"
    data = to_tcvn(text)
    assert data.isascii()  # valid ASCII, hence valid UTF-8
    assert decode_bytes(data) == (text, "tcvn3")


def test_utf8_and_plain_ascii_files_stay_utf8() -> None:
    assert decode_bytes(b"STT,Ten\n1,Le Van Ut\n") == ("STT,Ten\n1,Le Van Ut\n", "utf-8")
    text = "STT,Họ tên\n1,Lê Văn Út\n"
    assert decode_bytes(text.encode()) == (text, "utf-8")
    tab = b"STT\tTen\n1\tLe Van Ut\x0c\n"  # other control bytes are not VN1 letters
    assert decode_bytes(tab)[1] == "utf-8"


@pytest.mark.parametrize("name", ["Lê Văn Út", "LÝ THỊ LIÊN", "HUỲNH ỨNG", "Trần Văn Ửng"])
def test_xlsx_cell_with_vn1_control_characters(name: str) -> None:
    """TCVN3 bytes in a cell come back as their cp1252 reading; VN1 capitals as control chars."""
    cell = to_tcvn(name).decode("cp1252")
    assert repair_text(cell) == (name, "tcvn3")
