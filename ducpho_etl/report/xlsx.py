"""Safe, printable xlsxwriter helpers shared by report.xlsx and the return lists.

Every text cell is written with ``write_string`` (never ``write``), so a value is never turned into
a formula, number or link. Text that starts like a formula (= + - @, tab, CR, LF and their
full-width forms) also gets Excel's quote prefix (the ' an officer would type): it stays text even
when the cell is edited and saved again, and the value itself is kept exactly as sent (OWASP CSV
injection guidance, applied to the XLSX cell rather than to the string).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ducpho_etl.report.numbers import XLSX_INT_FORMAT

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                    "constant_memory": False}
BASE = {"font_name": "Times New Roman", "font_size": 12, "valign": "top"}


def needs_quote(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


class Book:
    """A workbook with cached formats and injection-safe writes."""

    def __init__(self, path: Path):
        self.workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        self._formats: dict[tuple, object] = {}

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format({**BASE, **props})
        return self._formats[key]

    def text(self, ws, row: int, col: int, value, **props) -> None:
        """A text cell: always write_string; quote-prefixed when it could read as a formula."""
        if value is None:
            ws.write_blank(row, col, None, self.fmt(**props))
            return
        value = str(value)
        if needs_quote(value):
            props = {**props, "quote_prefix": True}
        ws.write_string(row, col, value, self.fmt(**props))

    def number(self, ws, row: int, col: int, value, **props) -> None:
        if value is None:
            ws.write_blank(row, col, None, self.fmt(**props))
        else:
            ws.write_number(row, col, value, self.fmt(num_format=XLSX_INT_FORMAT, **props))

    def header(self, ws, row: int, labels: list[str], widths: list[float] | None = None) -> None:
        for col, label in enumerate(labels):
            self.text(ws, row, col, label, bold=True, bg_color="#DDE6EE", border=1, text_wrap=True,
                      align="center", valign="vcenter")
            if widths:
                ws.set_column(col, col, widths[col])

    def printable(self, ws, header_row: int | None, title: str, columns: int,
                  scale: int | None = None) -> None:
        """A4 landscape, header row repeated, page numbers in the footer; fit to the page width,
        or at a fixed `scale` (%) when the text must stay legible (the caller then places the
        page breaks)."""
        ws.set_landscape()
        ws.set_paper(9)
        if scale is None:
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(scale)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.center_horizontally()
        if header_row is not None:
            ws.repeat_rows(header_row)
            ws.freeze_panes(header_row + 1, 0)
        ws.set_header(f"&L&\"Times New Roman\"&10{_header_text(title)}")
        ws.set_footer("&C&\"Times New Roman\"&10Trang &P/&N")
        ws.hide_gridlines(0)

    def close(self) -> None:
        self.workbook.close()


def row_height(cells: list[tuple[str | None, float]], font_size: float = 11) -> float:
    """Points for a row whose wrapped cells are (text, column width in characters): LibreOffice and
    some Excel versions do not grow such rows by themselves, and a printed list must not clip."""
    lines = 1
    for text, width in cells:
        if not text:
            continue
        per_line = max(width * 1.4 * 11 / font_size, 4)
        lines = max(lines, sum(max(1, -(-len(part) // int(per_line))) for part in str(text).split("\n")))
    return round(lines * font_size * 1.32 + 3, 1)


def _header_text(text: str) -> str:
    # "&" starts a control code in Excel page headers
    return text.replace("&", "&&")[:200]


def sheet_name(text: str) -> str:
    """A valid, <= 31-character sheet name."""
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text.strip("'")[:31] or "Sheet"
