"""Layout of one table (a CSV/TXT file or one spreadsheet sheet): header, numbering row, rows.

Everything here works on a `Grid`: the table's rows as lists of cell texts, with the row number a
spreadsheet program shows for each. Readers (readers.py) build grids; source.py turns them into
the source frame. Nothing here reads files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ducpho_etl.contracts import fold_header
from ducpho_etl.ingest.headers import match_header

HEADER_SCAN_ROWS = 100
"""The header must start within this many rows of the top of the table (the first screen of a
sheet and more: title blocks of 30+ rows exist); errors say how far the scan looked."""

# Sub-headers under a merged "Họ và tên" naming the parts of a split name, folded.
NAME_PART_WORDS = frozenset({"ho", "ten", "dem", "hodem", "tendem", "chudem", "holot", "tenlot",
                             "hovachudem", "hovatendem", "hovadem", "tengoi"})
SPLIT_NAME_MAX_PARTS = 3
"""A name split over at most this many columns (family, middle, given)."""

PAIR_FIELDS = ("ngay_sinh_nam", "ngay_sinh_nu")
"""Old forms write the birth date under a "Nam" or "Nữ" column: the column gives the gender."""

_GENDER_OF_PAIR = {"ngay_sinh_nam": "Nam", "ngay_sinh_nu": "Nữ"}

DATE_PART_FIELDS = ("ngay_sinh_dd", "ngay_sinh_mm", "ngay_sinh_yyyy")
"""A birth date split over Ngày | Tháng | Năm columns (rows.py joins them into ngay_sinh)."""

# "(1)", "1", "(A)", "B", "(6)=(4)+(5)": the column-numbering row printed under a header.
_NUMBERING_CELL = re.compile(r"^\(?\s*(?:\d{1,3}|[A-Za-z])\s*\)?(?:\s*=\s*[()\d+\-*/x\s]+)?\.?$")
_FIRST_INT = re.compile(r"\d+")

# Total rows: "Tổng cộng", "Tổng số ...", "Cộng", "Cộng: 15", "Tổng:", "Tổng 15"; without accents
# only the unambiguous forms ("Tong cong", "Tong so", "Tong:") since "Tong"/"Cong" are names.
_TOTAL_RE = re.compile(
    r"^(?:tổng\s*cộng|tổng\s*số|tong\s*cong|tong\s*so)(?!\w)"
    r"|^(?:tổng|cộng)\s*(?:[:.\-–]|\d|$)"
    r"|^(?:tong|cong)\s*:"
)
_HAS_DIGIT = re.compile(r"\d")
# Words that may follow the keyword and a count ("Tổng cộng: 1.234 người"); any other word
# means a person's name that happens to start like a keyword ("Tong Cong Phuc").
_COUNT_WORDS = {"người", "nguoi", "hộ", "ho", "trẻ", "tre", "đối", "doi", "tượng", "tuong",
                "hội", "hoi", "viên", "vien", "cháu", "chau", "em", "số", "so", "cộng", "cong",
                "danh", "sách", "sach", "ds", "toàn", "toan", "xã", "xa", "phường", "phuong"}


def _is_total_text(text: str) -> bool:
    if text.lstrip()[:1] not in _TOTAL_INITIALS:  # most cells: one look at the first letter
        return False
    folded = _SPACES.sub(" ", text.lower()).strip()
    match = _TOTAL_RE.match(folded)
    if not match:
        return False
    words = re.sub(r"[\d\W_]+", " ", folded[match.end():]).split()
    return all(word in _COUNT_WORDS for word in words)
_SPACES = re.compile(r"\s+")
_TOTAL_INITIALS = ("t", "T", "c", "C")  # what _TOTAL_RE's words start with


@dataclass
class Grid:
    """One table as read: rows of cell texts (None or "" for empty), in file order."""

    rows: Sequence[Sequence[str | None]]
    row_numbers: list[int]
    """Row number a spreadsheet program shows for each row (CSV: the record's first line)."""
    numeric: list[frozenset[int]] | None = None
    """Per row, the column indexes whose spreadsheet cell was numeric (None for CSV/TXT)."""


@dataclass
class Layout:
    header_index: int
    """Index into Grid.rows of the (first) header row."""
    header_rows: int
    """1, or 2 for a header with a row of sub-headers."""
    columns: list[str | None]
    """Canonical field (or a PAIR_FIELDS name, or "stt") per column; None for unknown ones."""
    unknown_headers: list[str] = field(default_factory=list)
    numbering_index: int | None = None
    """Index of the numbering row "(1) (2) (3)" under the header, when there is one."""
    header_cells: list[str] = field(default_factory=list)
    """The header row's texts (to spot the header printed again inside the table)."""
    joined: dict[str, list[int]] = field(default_factory=dict)
    """Field -> columns whose cells are joined into it (a name split over family/given columns)."""
    unnamed_columns: list[int] = field(default_factory=list)
    """Columns with no header text at all (their cells are counted, see TableRows.unnamed)."""

    @property
    def body_start(self) -> int:
        """Index of the first row after the header (the numbering row may still follow)."""
        return self.header_index + self.header_rows


def cell_text(value: object) -> str:
    """A cell as stripped text ("" for empty)."""
    if value is None:
        return ""
    return str(value).strip()


def is_blank(row: Sequence[str | None]) -> bool:
    return all(not cell_text(c) for c in row)


def _field_of(text: str, header_map: dict[str, str]) -> str | None:
    """The field a header cell names: contract aliases first, then its words (headers.py)."""
    return match_header(text, header_map)[0]


def _recognised(row: Sequence[str | None], header_map: dict[str, str]) -> list[str | None]:
    return [_field_of(cell_text(c), header_map) for c in row]


def header_score(row: Sequence[str | None], header_map: dict[str, str]) -> int:
    """Number of cells naming a known field; 0 unless one of them is the name (ho_ten)."""
    found = [f for f in _recognised(row, header_map) if f]
    if "ho_ten" not in found or len(found) < 2:
        return 0
    return len(found)


def header_scan_depth(rows: Sequence[Sequence[str | None]]) -> int:
    """How many rows find_header looks at: HEADER_SCAN_ROWS, or the whole table if shorter."""
    return min(len(rows), HEADER_SCAN_ROWS)


def find_header(rows: Sequence[Sequence[str | None]], header_map: dict[str, str]) -> int | None:
    """Index of the header row among the first HEADER_SCAN_ROWS rows (first of the best)."""
    best, best_index = 0, None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = header_score(row, header_map)
        if score > best:
            best, best_index = score, index
    if best_index is None:  # only the name column is known by its words: the other columns
        # may still be known by their values (headers.map_columns) rather than fail the file
        for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
            found = _recognised(row, header_map)
            if "ho_ten" in found and sum(1 for c in row if cell_text(c)) >= 3:
                return index
    return best_index


def is_numbering_row(row: Sequence[str | None]) -> bool:
    """A row like "(1) (2) (3)" or "1 2 3 4" or "A B 1 2": at least 2 cells, all numbering."""
    cells = [cell_text(c) for c in row]
    cells = [c for c in cells if c]
    if len(cells) < 2 or not all(_NUMBERING_CELL.match(c) for c in cells):
        return False
    numbers = [int(m.group()) for c in cells if (m := _FIRST_INT.search(c))]
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))


def _is_sub_header_row(
    top: Sequence[str | None],
    sub: Sequence[str | None],
    header_map: dict[str, str],
    numeric: frozenset[int] | None,
) -> bool:
    """Whether `sub` holds sub-headers of the merged cells of `top` ("Ngày sinh" over Nam | Nữ).

    A row of sub-headers names at least one field (or a part of a split name), not the name, has
    no numeric cell and no digit, and at least one of its cells sits under the continuation of a
    merged cell: an empty top cell with a filled top cell to its left (merged cells keep their
    text in the top-left cell only). A filled cell under a header that spans one column only is a
    value, not a sub-header: such a row is the first data row ("Nam" there is a gender).
    """
    if numeric:
        return False
    sub_cells = [cell_text(c) for c in sub]
    top_cells = [cell_text(c) for c in top]
    filled = [i for i, c in enumerate(sub_cells) if c]
    if not filled or is_numbering_row(sub):
        return False
    if any(_HAS_DIGIT.search(sub_cells[i]) for i in filled):
        return False
    width = max(len(top_cells), len(sub_cells))
    top_cells += [""] * (width - len(top_cells))
    for i in filled:
        if top_cells[i] and (i + 1 == width or top_cells[i + 1]):
            return False
        # under a filled header cell, a sub-header names something (a value, like a person's
        # name under "Họ và tên", does not)
        if top_cells[i] and not (_field_of(sub_cells[i], header_map)
                                 or _field_of(f"{top_cells[i]} {sub_cells[i]}", header_map)
                                 or fold_header(sub_cells[i]) in NAME_PART_WORDS):
            return False
    fields = [_field_of(sub_cells[i], header_map) for i in filled]
    parts = [fold_header(sub_cells[i]) in NAME_PART_WORDS for i in filled]
    if "ho_ten" in fields or not (any(fields) or any(parts)):
        return False
    if _TOTAL_RE.match(_SPACES.sub(" ", sub_cells[filled[0]].lower())):
        return False

    def under_continuation(i: int) -> bool:
        if i < len(top_cells) and top_cells[i]:
            return False
        return any(top_cells[j] for j in range(min(i, len(top_cells))))

    return any(under_continuation(i) for i in filled)


_NAME_PART = re.compile(r"^[^\W\d_]+(?:[ .'\-][^\W\d_]+){0,2}$")
SPLIT_NAME_EVIDENCE_ROWS = 200
"""Body rows looked at to tell a split name's given-name column from a blank-headed note column."""


def _name_parts(rows: Sequence[Sequence[str | None]], layout: Layout, top: list[str],
                sub: list[str], merged_to: int | None) -> list[int]:
    """Columns right of the name column that hold the rest of a split name (family | middle |
    given under one "Họ và tên"): by a merged header cell, by sub-headers naming name parts
    ("Họ", "Tên"), or, for a CSV or unmerged sheet, by data: a blank-headed column filled in
    nearly every named row with one to three words of letters only."""
    if "ho_ten" not in layout.columns:
        return []
    n = layout.columns.index("ho_ten")
    candidates = []
    for j in range(n + 1, min(len(top), n + SPLIT_NAME_MAX_PARTS)):
        if top[j] or layout.columns[j] is not None or (
                sub[j] and fold_header(sub[j]) not in NAME_PART_WORDS):
            break
        candidates.append(j)
    if not candidates:
        return []
    if merged_to is not None:
        return [j for j in candidates if j <= merged_to]
    if any(sub[j] for j in candidates):
        return [j for j in candidates if sub[j]]
    body = []
    for index in range(layout.body_start, len(rows)):
        cells = rows[index]
        if (index != layout.numbering_index and n < len(cells) and cell_text(cells[n])
                and not is_total_row(cells, n) and not is_footer_label(cells)):
            body.append(cells)
            if len(body) >= SPLIT_NAME_EVIDENCE_ROWS:
                break
    keep: list[int] = []
    for j in candidates:
        values = [cell_text(cells[j]) if j < len(cells) else "" for cells in body]
        filled = [v for v in values if v]
        if not body or len(filled) < 0.8 * len(body) or not all(map(_NAME_PART.match, filled)):
            break
        keep.append(j)
    return keep


def _date_parts(columns: list[str | None]) -> None:
    """Settle a split birth date by its neighbours, in place: "Nam" right after the month is its
    year (a header without accents: "Ngay | Thang | Nam"); a day or month column with no year
    column is no date part (left unknown, to be decided by its values or kept as extra)."""
    for i in range(1, len(columns)):
        if columns[i] == "ngay_sinh_nam" and columns[i - 1] == "ngay_sinh_mm":
            columns[i] = "ngay_sinh_yyyy"
    if "ngay_sinh_yyyy" not in columns:
        for i, name in enumerate(columns):
            if name in ("ngay_sinh_dd", "ngay_sinh_mm"):
                columns[i] = None


def _merged_to(merges: Sequence[tuple[int, int, int, int]], row: int, column: int) -> int | None:
    """Last column of a merged range starting at (row, column), if any (0-based columns)."""
    for r1, c1, r2, c2 in merges:
        if r1 <= row <= r2 and c1 == column and c2 > column:
            return c2
    return None


def detect_layout(grid: Grid, header_map: dict[str, str],
                  merges: Sequence[tuple[int, int, int, int]] = ()) -> Layout | None:
    """Find the header (and sub-header and numbering rows) of a table; None when there is none.

    `merges` are the sheet's merged ranges (xlsx_parts.SheetPart.merges), when known.
    """
    rows = grid.rows
    header_index = find_header(rows, header_map)
    if header_index is None:
        return None
    top = [cell_text(c) for c in rows[header_index]]
    sub: list[str] = []
    if header_index + 1 < len(rows):
        candidate = rows[header_index + 1]
        numeric = grid.numeric[header_index + 1] if grid.numeric is not None else None
        if _is_sub_header_row(top, candidate, header_map, numeric):
            sub = [cell_text(c) for c in candidate]
    width = max(len(top), len(sub))
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))

    columns: list[str | None] = []
    unknown: list[str] = []
    parent = ""
    for i in range(width):
        if top[i]:
            parent = top[i]
        name: str | None = None
        if sub[i]:
            name = _field_of(sub[i], header_map)
            if name is None and parent:
                name = _field_of(f"{parent} {sub[i]}", header_map)
        if name is None and top[i]:
            name = _field_of(top[i], header_map)
        columns.append(name)
    _date_parts(columns)
    parent = ""
    for i in range(width):
        parent = top[i] or parent
        if columns[i] is None and (top[i] or sub[i]):
            text = " / ".join(t for t in (parent if not top[i] and sub[i] else top[i], sub[i]) if t)
            if text and text not in unknown:
                unknown.append(text)

    layout = Layout(
        header_index=header_index,
        header_rows=2 if any(sub) else 1,
        columns=columns,
        unknown_headers=unknown,
        header_cells=list(top),
    )
    # The numbering row comes right under the header (blank rows in between are allowed).
    for index in range(layout.body_start, min(len(rows), layout.body_start + 3)):
        if is_blank(rows[index]):
            continue
        if is_numbering_row(rows[index]):
            layout.numbering_index = index
        break
    name_col = columns.index("ho_ten") if "ho_ten" in columns else None
    merged_to = (_merged_to(merges, grid.row_numbers[header_index], name_col)
                 if name_col is not None else None)
    parts = _name_parts(rows, layout, top, sub, merged_to)
    named = [i for i, c in enumerate(columns) if c == "ho_ten"]
    if not parts and len(named) > 1 and named == list(range(named[0], named[-1] + 1)):
        # sub-headers known by their own words ("Họ đệm", "Tên") side by side: one split name
        parts = named[1:]
    if parts:
        layout.joined["ho_ten"] = [columns.index("ho_ten"), *parts]
        for j in parts:
            columns[j] = "ho_ten"
    layout.unnamed_columns = [i for i in range(width)
                              if not top[i] and not sub[i] and columns[i] is None]
    return layout


def is_total_row(cells: Sequence[str | None], name_col: int | None) -> bool:
    """A total row: "Tổng cộng" / "Cộng" / "Tổng số" / "Tổng:" in a text cell near the start.

    The name cell must be empty, hold a number ("150 người") or be the keyword cell itself: a row
    with a real name is a person whatever its other cells say.
    """
    limit = max(4, (name_col or 0) + 1)
    for i, value in enumerate(cells[:limit]):
        text = cell_text(value)
        if not text or not _is_total_text(text):
            continue
        if name_col is None or name_col == i or name_col >= len(cells):
            return True
        name = cell_text(cells[name_col])
        if not name or _HAS_DIGIT.search(name) or _is_total_text(name):
            return True
    return False


# Lines printed under a list for signatures: not data. Folded (no accents, case, punctuation).
_FOOTER_PHRASES = ("nguoilapbieu", "nguoilap", "thutruongdonvi", "thutruong", "kyghirohoten",
                   "kyhoten", "kytenvadongdau", "kyten", "kytendongdau", "ketoan", "xacnhan",
                   "chutich", "truongthon", "truongban", "canbolapbieu", "giamdoc", "tmubnd")
_DATE_LINE = re.compile(r"ngay\d{0,2}thang\d{0,2}nam\d{0,4}$")


def is_footer_label(cells: Sequence[str | None]) -> bool:
    """A signature-block line ("Người lập biểu", "(Ký, ghi rõ họ tên)", "Đức Phổ, ngày 30 tháng 6
    năm 2023"): every filled cell is such a phrase."""
    found = False
    for c in cells:  # folded one by one: a data row fails at its first cell
        if c is None or not str(c).strip():
            continue
        f = fold_header(c)
        if not (any(p in f for p in _FOOTER_PHRASES) or _DATE_LINE.search(f)):
            return False
        found = True
    return found


def column_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (how a spreadsheet program names a column)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out
