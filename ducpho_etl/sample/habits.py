"""What real agencies' spreadsheets do that our first generator did not (issue 13).

Kept apart from noise.py (which decides who a row is and what identity evidence it keeps): the
habits here change how a header or cell is WRITTEN, never what it means, so the truth stays the
same. They draw from their own random streams, so a sample with habits has the same people and
rows as one without.

* header wordings: each field is worded as different forms word it (at least five per field);
* legacy encodings: TCVN3 written the way iconv writes it (VN1 capitals below 0x20);
* name cells: invisible characters (NBSP, zero-width, BOM, soft hyphen), fullwidth letters,
  stray symbols and annotations ("(đã chết)", "- CB", "*");
* ID cells: float text ("51234567890.0"), ="051..." (a CSV's text formula), fullwidth digits,
  dashes, "CCCD: ...", the old CMND before or after the ID in the same cell, invisible
  characters, typographic apostrophe;
* date cells: "ngày 5 tháng 3 năm 1950", "5/3/1950 (âm lịch)", trailing spaces, fullwidth
  digits, "Tháng 3/1950" and "03/1950" (only when the row keeps a usable ID: the day is lost);
* address cells: typed over two lines (a quoted line break in a CSV: row numbers count records).
"""

from __future__ import annotations

import dataclasses
import random
import string

# Header wordings seen on Vietnamese administrative forms (Đề án 06 cleaning lists, social
# insurance D02/TK1 lists, tax lists, elderly/children/social-protection lists, commune reports).
HEADER_WORDINGS: dict[str, list[str]] = {
    "stt": ["STT", "TT", "Số TT", "Số thứ tự", "S.T.T"],
    "ho_ten": ["Họ và tên", "Họ tên", "Họ và tên người được hưởng", "HỌ VÀ TÊN",
               "Họ, chữ đệm và tên", "Họ và tên (chữ in hoa)", "Tên"],
    "ngay_sinh": ["Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Năm sinh",
                  "Ngày/tháng/năm sinh", "NTNS", "Sinh ngày"],
    "namnu": ["Ngày sinh", "Ngày tháng năm sinh", "Năm sinh", "Ngày, tháng, năm sinh",
              "Ngày/tháng/năm sinh"],
    "gioi_tinh": ["Giới tính", "GT", "Phái", "Giới tính (Nam/Nữ)", "Nam/Nữ", "Giới"],
    "so_dinh_danh": ["Số CCCD", "Số ĐDCN/CCCD", "Số định danh cá nhân", "Mã định danh",
                     "Căn cước công dân", "Số thẻ căn cước",
                     # a column that takes the old CMND too says so
                     "Số CCCD/CMND", "CMND/CCCD", "Số CMND/CCCD", "Số ĐDCN/CMND",
                     "Số CCCD/CMND/ĐDCN"],
    "so_cmnd": ["Số CMND", "CMND", "Số chứng minh nhân dân", "Số CMT", "CMND cũ"],
    "ma_bhxh": ["Mã số BHXH", "Mã BHXH", "Số sổ BHXH", "Mã số bảo hiểm xã hội", "Số BHXH"],
    "the_bhyt": ["Số thẻ BHYT", "Mã thẻ BHYT", "Thẻ BHYT", "Mã số thẻ bảo hiểm y tế",
                 "Số thẻ bảo hiểm y tế"],
    "mst": ["Mã số thuế", "MST", "Mã số thuế cá nhân", "MST cá nhân", "Mã số thuế TNCN"],
    "xa": ["Xã/Phường", "Xã, phường", "Đơn vị hành chính cấp xã", "Phường/Xã", "Tên xã",
           "Xã, phường, thị trấn"],
    "dia_chi": ["Địa chỉ", "Nơi cư trú", "Địa chỉ thường trú", "Nơi ở hiện nay", "Nơi thường trú"],
    "thon": ["Thôn", "Thôn/Tổ dân phố", "Tổ dân phố", "Thôn, tổ", "Thôn/TDP", "Chi hội"],
    "ho_ten_cha_me": ["Họ tên cha/mẹ", "Họ và tên mẹ", "Họ tên cha hoặc mẹ",
                      "Họ và tên người giám hộ", "Cha/mẹ"],
    "doi_tuong": ["Đối tượng", "Diện đối tượng", "Diện hưởng", "Loại đối tượng",
                  "Nhóm đối tượng"],
    "ghi_chu": ["Ghi chú", "Ghi chú khác", "GHI CHÚ", "Ghi chú (nếu có)", "Chú thích"],
}


def _fold(text: str) -> str:
    from ducpho_etl.contracts import fold_header

    return fold_header(text)


def reword_headers(spec, rng: random.Random, rate: float = 0.35, variant: int | None = None):
    """The spec with some headers worded another way (``rate`` per header); with ``variant``
    every header takes wording number ``variant`` of its field's list (tests)."""
    columns = []
    for f, header in spec.columns:
        wordings = HEADER_WORDINGS.get(f)
        if wordings and f == "so_dinh_danh":  # keep whether the column also takes CMND
            wordings = [w for w in wordings if ("CMND" in w) == ("CMND" in header.upper())]
        if not wordings or not header:
            columns.append((f, header))
        elif variant is not None:  # another wording than the current one, number `variant`
            others = [w for w in wordings if _fold(w) != _fold(header)] or wordings
            columns.append((f, others[variant % len(others)]))
        elif rng.random() < rate:
            columns.append((f, rng.choice(wordings)))
        else:
            columns.append((f, header))
    if f"{columns}" == f"{spec.columns}":
        return spec
    new = dataclasses.replace(spec, columns=columns)
    new.__dict__.pop("_fields", None)
    return new


def legacy_habit(spec, rng: random.Random):
    """Half of TCVN3 files written as iconv writes TCVN5712-1 (VN1: capitals of their own,
    twelve of them at byte positions below 0x20), the other half in ABC (VN3) fonts; some legacy
    CSV files saved instead as UTF-8 of what the sheet showed."""
    if spec.encoding == "tcvn3" and rng.random() < 0.5:
        return dataclasses.replace(spec, encoding="tcvn3-vn1")
    if spec.encoding in ("tcvn3", "vni") and rng.random() < LEGACY_CELLS_CSV_RATE:
        # the sheet typed in that font saved by Excel as "CSV UTF-8": each cell's text as
        # a spreadsheet shows it (the cp1252 reading of the legacy bytes), in UTF-8
        return dataclasses.replace(spec, encoding=f"utf-8-cells-{spec.encoding}")
    if spec.legacy == "tcvn3" and rng.random() < 0.5:
        return dataclasses.replace(spec, legacy="tcvn3-vn1")
    return spec


# --------------------------------------------------------------------------- cells

_INVISIBLE = ["\u00a0", "\u200b", "\ufeff", "\u00ad", "\u200c", "\u2060"]
_ANNOTATIONS = [" (đã chết)", " (mới)", " - CB", " (chuyển đến)", "*", " (*)", " - HT",
                " [bổ sung]"]
_USABLE_ID_NOISE = frozenset({"id_missing", "id_typo", "id_typo_real", "id_relative",
                              "id_cmnd_unknown", "id_scientific"})
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in string.digits + string.ascii_letters}

NAME_HABIT_RATE = 0.02
ID_HABIT_RATE = 0.03
DATE_HABIT_RATE = 0.03
ADDRESS_BREAK_RATE = 0.02
LEGACY_CELLS_CSV_RATE = 0.5


def _fullwidth(text: str) -> str:
    return "".join(_FULLWIDTH.get(c, c) for c in text)


def name_habit(text: str, rng: random.Random, unicode_ok: bool) -> tuple[str, str]:
    """One thing a spreadsheet or an officer does to a name cell: (new text, noise tag)."""
    kinds = ["annotation", "stray"] + (["invisible", "fullwidth"] if unicode_ok else [])
    kind = rng.choice(kinds)
    if kind == "annotation":
        return text + rng.choice(_ANNOTATIONS), "name_annotation"
    if kind == "stray":
        return rng.choice(("*", "\"", "'", "#")) + text.strip() + rng.choice(("", "\"", "*")), \
            "name_stray_symbol"
    if kind == "invisible":  # pasted around a word: at an end, or in place of / beside a space
        mark = rng.choice(_INVISIBLE)
        where = rng.random()
        if where < 0.3:
            return mark + text, "name_invisible_char"
        if where < 0.6 or " " not in text:
            return text + mark, "name_invisible_char"
        return text.replace(" ", mark if mark == "\u00a0" else " " + mark, 1), "name_invisible_char"
    words = text.split(" ")
    k = rng.randrange(len(words))
    words[k] = _fullwidth(words[k])
    return " ".join(words), "name_fullwidth"


def id_habit(value: str, rng: random.Random, unicode_ok: bool, cmnd: str | None,
             numeric_ok: bool) -> tuple[str, str]:
    """One form of a 12-digit ID cell from Excel, copy-paste or hand typing."""
    kinds = ["label", "dashes", "spaces_around"]
    if numeric_ok:
        kinds += ["float_text", "text_formula"]
    if cmnd:
        kinds.append("with_cmnd")
    if unicode_ok:
        kinds += ["fullwidth", "invisible", "typographic_apostrophe"]
    kind = rng.choice(kinds)
    if kind == "label":
        return rng.choice(("CCCD: ", "Số ", "CCCD ", "ĐDCN: ")) + value, "id_with_label"
    if kind == "dashes":
        return f"{value[:3]}-{value[3:6]}-{value[6:9]}-{value[9:]}", "id_dashes"
    if kind == "spaces_around":
        return f"  {value} ", "id_spaces_around"
    if kind == "float_text":
        return f"{int(value)}.0", "id_float_text"
    if kind == "text_formula":  # ="051..." keeps the leading zero when Excel opens the CSV
        return f'="{value}"', "id_text_formula"
    if kind == "with_cmnd":  # either number first
        pair = (value, cmnd) if rng.random() < 0.5 else (cmnd, value)
        return rng.choice((" / ", "/", " - ", "; ")).join(pair), "id_two_in_cell"
    if kind == "fullwidth":
        return _fullwidth(value), "id_fullwidth"
    if kind == "invisible":
        return rng.choice(("\u200b", "\ufeff", "\u00a0")) + value, "id_invisible_char"
    return "\u2019" + value, "id_typographic_apostrophe"


def date_habit(text: str, rng: random.Random, unicode_ok: bool, usable_id: bool
               ) -> tuple[str, str] | None:
    """One way an officer types a d/m/y birth date; None when ``text`` is not a full date."""
    parts = text.replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    if len(parts[0]) == 4:
        y, m, d = (int(p) for p in parts)
    else:
        d, m, y = (int(p) for p in parts)
    if not (1 <= d <= 31 and 1 <= m <= 12 and y >= 1000):
        return None
    kinds = ["words", "lunar_note", "trailing_space"]
    if unicode_ok:
        kinds.append("fullwidth")
    if usable_id:
        kinds += ["month_year_words", "month_year"]
    kind = rng.choice(kinds)
    if kind == "words":
        return rng.choice((f"ngày {d} tháng {m} năm {y}", f"Ngày {d:02d} tháng {m:02d} năm {y}")), \
            "date_in_words"
    if kind == "lunar_note":
        return f"{d}/{m}/{y} " + rng.choice(("(âm lịch)", "(AL)", "(ÂL)")), "date_lunar_note"
    if kind == "trailing_space":
        return f"{d:02d}/{m:02d}/{y}  ", "date_spaces"
    if kind == "fullwidth":
        return _fullwidth(f"{d:02d}/{m:02d}/{y}"), "date_fullwidth"
    if kind == "month_year_words":
        return f"Tháng {m}/{y}", "date_month_year"
    return f"{m:02d}/{y}", "date_month_year"


def cell_habits(cells: dict, noise: list[str], spec, rng: random.Random,
                cmnd: str | None = None) -> None:
    """Apply the cell habits to one data row's cells in place (realistic, low rates), adding
    their tags to ``noise``. Only text cells are touched; what a cell means never changes."""
    unicode_ok = spec.unicode_text and not spec.legacy  # legacy fonts hold Vietnamese only
    name = cells.get("ho_ten")
    if isinstance(name, str) and name.strip() and rng.random() < NAME_HABIT_RATE:
        cells["ho_ten"], tag = name_habit(name, rng, unicode_ok)
        noise.append(tag)
    idv = cells.get("so_dinh_danh")
    if (isinstance(idv, str) and len(idv) == 12 and idv.isdigit()
            and rng.random() < ID_HABIT_RATE):
        with_cmnd = cmnd if not cells.get("so_cmnd") else None
        cells["so_dinh_danh"], tag = id_habit(idv, rng, unicode_ok, with_cmnd,
                                              numeric_ok=spec.fmt == "csv")
        noise.append(tag)
    usable_id = not _USABLE_ID_NOISE.intersection(noise)
    for key in ("ngay_sinh", "ngay_sinh_nam", "ngay_sinh_nu"):
        value = cells.get(key)
        if isinstance(value, str) and rng.random() < DATE_HABIT_RATE:
            changed = date_habit(value, rng, unicode_ok, usable_id)
            if changed:
                cells[key], tag = changed
                noise.append(tag)
    address = cells.get("dia_chi")
    if isinstance(address, str) and ", " in address and rng.random() < ADDRESS_BREAK_RATE:
        # typed over two lines in one cell (Alt+Enter): in a CSV a quoted cell with a line
        # break, one row for a spreadsheet program, two lines for a text editor
        cells["dia_chi"] = address.replace(", ", ",\n", 1)
        noise.append("address_line_break")
