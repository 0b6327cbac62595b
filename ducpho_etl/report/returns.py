"""returns/<source>.xlsx: for each agency, every row it must act on, with where to find it.

One sheet per status that needs action plus a cover sheet (counts and instructions). Rows carry
the file, sheet and row number an officer sees in the original file, the values as sent (raw_*),
the reason in Vietnamese and what the registry may show: the linked person's masked ID for dead
and duplicate rows, the candidates' masked IDs and their number for rows to check, and the
commune as the pipeline understood it beside the commune as sent. Never another person's name or
birth date. Total, subtotal and signature lines of the original are not people: never listed.

Printed on A4 at 85 % (11 pt text prints at 9,4 pt): the columns that identify a row (STT, file,
sheet, row, name) repeat on every printed page and the other columns continue on the next page
instead of being squeezed to one page width.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ducpho_etl.privacy import mask_id_expr
from ducpho_etl.reasons import reason_text_expr
from ducpho_etl.report.model import NOTE_CODES, Notice, RunReport, is_person_row
from ducpho_etl.report.numbers import fmt_datetime
from ducpho_etl.report.xlsx import Book, needs_quote, row_height

# status -> (sheet name, what the officer does)
ACTION_SHEETS: dict[str, tuple[str, str]] = {
    "deceased": ("Đã chết",
                 "Người đã chết theo CSDL dân cư. Dừng chi trả hoặc đưa ra khỏi danh sách; nếu người "
                 "đó còn sống, đề nghị Công an cấp xã điều chỉnh CSDL dân cư."),
    "review": ("Cần xác minh",
               "CSDL dân cư có người phù hợp nhưng chưa đủ chắc chắn (nhiều người giống nhau hoặc khớp "
               "chưa đủ). Bổ sung số định danh cá nhân (CCCD) và ngày sinh đầy đủ cho dòng này."),
    "not_found": ("Không có trong CSDL",
                  "Không tìm thấy người trong CSDL dân cư. Đối chiếu họ tên, ngày sinh, số CCCD với "
                  "giấy tờ của người dân và sửa; nếu thông tin đúng, hướng dẫn người dân cập nhật."),
    "duplicate": ("Trùng",
                  "Cùng một người với một dòng trước trong danh sách (xem cột \"Trùng với dòng\"). "
                  "Giữ một dòng, bỏ dòng trùng."),
    "rejected": ("Loại bỏ",
                 "Dòng không dùng được: thiếu họ tên, không có thông tin định danh, hoặc là dòng tổng "
                 "cộng. Bổ sung thông tin còn thiếu hoặc xóa dòng."),
}
RAW_COLUMNS: dict[str, tuple[str, float]] = {
    "raw_ho_ten": ("Họ và tên", 22), "raw_ngay_sinh": ("Ngày sinh", 11),
    "raw_gioi_tinh": ("Giới tính", 7), "raw_so_dinh_danh": ("Số CCCD / định danh", 14),
    "raw_so_cmnd": ("Số CMND", 11), "raw_ma_bhxh": ("Mã số BHXH", 12),
    "raw_the_bhyt": ("Số thẻ BHYT", 17), "raw_mst": ("Mã số thuế", 12),
    "raw_xa": ("Xã/phường", 20), "raw_dia_chi": ("Địa chỉ", 24), "raw_thon": ("Thôn/Tổ dân phố", 13),
}
EXTRA_COLUMNS: dict[str, list[tuple[str, str, float]]] = {
    "deceased": [("registry_id", "Số định danh trong CSDL (che bớt)", 15)],
    "duplicate": [("duplicate_of", "Trùng với dòng (tệp:dòng)", 20),
                  ("first_sheet", "Trang tính của dòng đó", 13),
                  ("registry_id", "Số định danh trong CSDL (che bớt)", 15)],
    "review": [("candidate_count", "Số người trong CSDL có thể khớp", 12),
               ("candidates", "Người có thể khớp: số định danh (che bớt), mức khớp", 26)],
}
COMMUNE_COLUMN = ("commune", "Xã/phường đã nhận ra (từ 01/07/2025; trước đó)", 22)
# The columns printed first (after the repeated identifying ones); the rest follow on the next
# printed page.
FIRST_PAGE = ["reason", "raw_ngay_sinh", "raw_gioi_tinh", "raw_so_dinh_danh", "raw_xa", "commune"]
PRINT_SCALE = 85  # % of 11 pt: 9,4 pt on paper
# usable width of an A4 landscape page in column-width characters at PRINT_SCALE
# (297 mm - 2 x 10 mm margins = 10,9 in = 785 pt; a character of column width prints about
# 7,2 pt wide in LibreOffice, 5,3 pt in Excel: the wider one, so that neither adds its own breaks)
PAGE_CHARS = 785 / (7.2 * PRINT_SCALE / 100)
MAX_CANDIDATES_SHOWN = 3


def action_rows(parquet: Path) -> pl.DataFrame:
    """The rows of one reconciliation file that need action, in file order, registry IDs masked."""
    schema = pl.read_parquet_schema(parquet)
    raw = [c for c in RAW_COLUMNS if c in schema]
    wanted = ["source_file", "sheet", "source_row", "status", "person_id", "candidate_count",
              "duplicate_of", "reason", "reason_codes", "name_key", "row_kind", "evidence",
              "ma_xa", "xa_2025", *raw]
    present = [c for c in wanted if c in schema]
    recon = pl.read_parquet(parquet, columns=present)
    for column in wanted:
        if column not in recon.columns:
            recon = recon.with_columns(pl.lit(None, pl.Utf8).alias(column))
    frame = (recon.with_row_index("_order")
             .filter(pl.col("status").is_in(list(ACTION_SHEETS)) & is_person_row()))
    frame = frame.with_columns(_cause_text(frame).alias("reason"), _commune_text(frame),
                               _candidates_text(frame)).drop("reason_codes", "row_kind",
                                                             "evidence", "ma_xa", "xa_2025")
    frame = frame.join(_first_sheets(frame, recon), on="_order", how="left")
    linked = pl.col("status").is_in(["deceased", "duplicate"]) & pl.col("person_id").is_not_null()
    return (frame.with_columns(
        pl.when(linked).then(mask_id_expr(pl.col("person_id"))).alias("registry_id"),
        pl.when(pl.col("status") == "review").then(pl.col("candidate_count")).alias("candidate_count"))
        .sort("_order").drop("person_id", "name_key", "_order"))


def _cause_text(frame: pl.DataFrame) -> pl.Series:
    """The Vietnamese reasons without the notes on repairs already made (old commune unit mapped,
    capitals fixed...): what the officer must act on. Falls back to the row's full reason."""
    if frame.schema["reason_codes"] != pl.List(pl.Utf8):
        return frame["reason"]
    causes = (frame.select(pl.col("reason_codes").list.eval(
        pl.element().filter(~pl.element().is_in(list(NOTE_CODES)))).alias("c"))
        .select(reason_text_expr(pl.col("c"))).to_series())
    return causes.zip_with(causes.str.len_chars().fill_null(0) > 0, frame["reason"])


def _commune_text(frame: pl.DataFrame) -> pl.Series:
    """'Phường Đức Phổ (trước: Phường Phổ Minh)': the commune the pipeline recognised, from the
    commune or address as sent; null when none was recognised."""
    from ducpho_etl.normalize.places import commune_name_exprs

    if frame.schema["reason_codes"] != pl.List(pl.Utf8):
        return pl.Series("commune", [None] * frame.height, dtype=pl.Utf8)
    names = frame.select(commune_name_exprs())
    return names.select(pl.when(pl.col("commune_pre2025_name").is_not_null())
                        .then(pl.format("{} (trước: {})", "commune_2025_name",
                                        "commune_pre2025_name"))
                        .otherwise(pl.col("commune_2025_name")).alias("commune")).to_series()


def _candidates_text(frame: pl.DataFrame) -> pl.Series:
    """For rows to check: the best candidates' masked IDs with how well they fit
    ('051******203 (50%)'), from the linkage evidence; the IDs there are masked already."""
    import json

    from ducpho_etl.privacy import mask_id

    def describe(evidence: str | None) -> str | None:
        try:
            candidates = (json.loads(evidence) or {}).get("candidates") or []
        except (TypeError, ValueError):
            return None
        parts = []
        for cand in candidates[:MAX_CANDIDATES_SHOWN]:
            ident = str(cand.get("id") or "")
            ident = ident if "*" in ident else (mask_id(ident) or "")
            posterior = cand.get("posterior")
            share = "" if posterior is None else f" ({round(100 * posterior)}%)"
            parts.append(ident + share)
        return "; ".join(parts) or None

    review = frame.select(pl.when(pl.col("status") == "review").then(pl.col("evidence")))
    unique = review.to_series().drop_nulls().unique().to_list()
    table = {e: describe(e) for e in unique}
    return review.to_series().replace_strict(table, default=None, return_dtype=pl.Utf8) \
        .alias("candidates")


def _first_sheets(frame: pl.DataFrame, recon: pl.DataFrame) -> pl.DataFrame:
    """duplicate_of is "file:row"; in a workbook several sheets can hold that row number, so find
    the sheet of the first occurrence: the row there of the same person (or the same name key)."""
    dups = (frame.filter(pl.col("duplicate_of").is_not_null())
            .select("_order", "person_id", "name_key",
                    pl.col("duplicate_of").str.extract(r"^(.*):\d+$").alias("_file"),
                    pl.col("duplicate_of").str.extract(r":(\d+)$").cast(pl.Int64, strict=False)
                    .alias("_row")))
    targets = recon.select(pl.col("source_file").alias("_file"), pl.col("source_row").alias("_row"),
                           pl.col("sheet").alias("first_sheet"), pl.col("person_id").alias("_pid"),
                           pl.col("name_key").alias("_key"))
    found = (dups.join(targets, on=["_file", "_row"], how="inner")
             .with_columns(((pl.col("_pid") == pl.col("person_id")).fill_null(False).cast(pl.Int8) * 2
                            + (pl.col("_key") == pl.col("name_key")).fill_null(False).cast(pl.Int8))
                           .alias("_fit"))
             .sort(["_order", "_fit"], descending=[False, True])
             .unique("_order", keep="first")
             .filter((pl.col("_fit") > 0) | (pl.len().over(["_file", "_row"]) == 1)))
    return found.select("_order", "first_sheet")


def write_returns(report: RunReport, folder: Path) -> dict[str, dict]:
    """One workbook per source with rows needing action; returns {source: {path, rows, counts}}."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = dict(report.summary.select("source", "label").iter_rows())
    notices = {n.source: n for n in report.notices}
    written = {}
    for parquet in sorted((report.run_dir / "reconciliation").glob("*.parquet")):
        key = parquet.stem
        rows = action_rows(parquet)
        if not rows.height:
            continue
        path = folder / f"{key}.xlsx"
        counts = write_return(path, rows, labels.get(key, key), report, notices.get(key))
        written[key] = {"path": path, "rows": rows.height, "counts": counts}
    return written


def write_return(path: Path, rows: pl.DataFrame, label: str, report: RunReport,
                 notice: Notice | None = None) -> dict[str, int]:
    book = Book(path)
    counts = {s: rows.filter(pl.col("status") == s).height for s in ACTION_SHEETS}
    _cover(book, label, report, counts, rows.height, notice)
    raw = [c for c in RAW_COLUMNS if c in rows.columns and rows[c].null_count() < rows.height]
    with_sheets = rows["sheet"].null_count() < rows.height
    for status, (name, _todo) in ACTION_SHEETS.items():
        part = rows.filter(pl.col("status") == status)
        if part.height:
            _status_sheet(book, name, label, part, raw, with_sheets, EXTRA_COLUMNS.get(status, []))
    book.close()
    return counts


def _cover(book: Book, label: str, report: RunReport, counts: dict[str, int], total: int,
           notice: Notice | None) -> None:
    ws = book.workbook.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 95)
    book.text(ws, 0, 0, f"DANH SÁCH DỮ LIỆU CẦN XỬ LÝ – {label.upper()}", bold=True, font_size=14)
    book.text(ws, 1, 0, f"Kết quả đối chiếu với CSDL quốc gia về dân cư, lần chạy {report.run_id} "
                        f"(bắt đầu lúc {fmt_datetime(report.started)}).", italic=True)
    row = 2
    if notice:
        ws.merge_range(row, 0, row, 2, None)
        book.text(ws, row, 0, "⚠ " + notice.text, bold=True, font_color="#9C0006", bg_color="#FFEB9C",
                  text_wrap=True)
        ws.set_row(row, 34)
        row += 1
    row += 1
    book.header(ws, row, ["Trang tính", "Số dòng", "Việc cần làm"])
    header = row
    for status, (name, todo) in ACTION_SHEETS.items():
        row += 1
        book.text(ws, row, 0, name, border=1, bold=True)
        book.number(ws, row, 1, counts[status], border=1)
        book.text(ws, row, 2, todo, border=1, text_wrap=True)
        ws.set_row(row, row_height([(todo, 95)], 12))
    row += 1
    book.text(ws, row, 0, "Tổng cộng", border=1, bold=True, bg_color="#F2F2F2")
    book.number(ws, row, 1, total, border=1, bold=True, bg_color="#F2F2F2")
    book.text(ws, row, 2, "", border=1, bg_color="#F2F2F2")
    notes = [
        "Cột \"Dòng\" là số dòng hiển thị trong Excel của tệp gốc (trong tệp CSV/TXT, dòng tiêu đề "
        "là dòng 1); cột \"Trang tính\" là tên trang tính trong tệp Excel.",
        "Các cột họ tên, ngày sinh, số giấy tờ… giữ nguyên giá trị như cơ quan đã gửi, chưa sửa.",
        "Số định danh trong CSDL chỉ hiện 3 số đầu và 3 số cuối; bảng không có họ tên hay ngày sinh "
        "của người khác trong CSDL.",
        "Ghi kết quả xử lý vào cột \"Kết quả xử lý của cơ quan\" rồi gửi lại tệp này: số định danh "
        "đúng (12 số) nếu người đó có số khác; \"đúng\" nếu người gợi ý là đúng (dòng không có trong "
        "CSDL: thông tin đúng, là cư dân mới); \"không phải\" nếu không phải người đó; có thể ghi "
        "thêm ghi chú sau. Không sửa các cột khác trong tệp này: sửa trong tệp gốc.",
        "Tài liệu có dữ liệu cá nhân: chỉ dùng để xử lý, không chia sẻ, không đăng tải "
        "(Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân).",
    ]
    row += 2
    book.text(ws, row, 0, "Lưu ý", bold=True)
    for note in notes:
        row += 1
        ws.merge_range(row, 0, row, 2, None)
        book.text(ws, row, 0, "• " + note, text_wrap=True)
        ws.set_row(row, row_height([(note, 131)], 12))
    book.printable(ws, header, f"{label} – danh sách cần xử lý", 3)


def _status_sheet(book: Book, name: str, label: str, part: pl.DataFrame, raw: list[str],
                  with_sheets: bool, extra: list[tuple[str, str, float]]) -> None:
    ws = book.workbook.add_worksheet(name)
    columns, repeat = _sheet_columns(part, raw, with_sheets, extra)
    book.text(ws, 0, 0, f"{label} – {name}: {part.height:,} dòng".replace(",", "."), bold=True,
              font_size=13)
    book.text(ws, 1, 0, "Giá trị trong các cột từ \"Họ và tên\" giữ nguyên như cơ quan đã gửi.",
              italic=True, font_size=11)
    header = 3
    book.header(ws, header, [c[1] for c in columns], [c[2] for c in columns])
    ws.set_row(header, 32)
    keys = [c[0] for c in columns]
    kinds = [c[3] for c in columns]
    data = part.with_row_index("_n", offset=1).with_columns(pl.lit(None, pl.Utf8).alias("_note"))
    cell = {"border": 1, "text_wrap": True, "font_size": 11}
    plain, quoted = book.fmt(**cell), book.fmt(**cell, quote_prefix=True)
    widths = [c[2] for c in columns]
    text_columns = [(col, widths[col]) for col, kind in enumerate(kinds) if kind == "t"]
    write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
    for i, values in enumerate(data.select(keys).iter_rows(), start=header + 1):
        ws.set_row(i, row_height([(values[col], width) for col, width in text_columns]))
        for col, value in enumerate(values):
            if value is None:
                write_blank(i, col, None, plain)
            elif kinds[col] == "n":
                write_number(i, col, value, plain)
            else:  # text: never a formula, quote-prefixed when it looks like one
                write_string(i, col, value, quoted if needs_quote(value) else plain)
    ws.autofilter(header, 0, header + part.height, len(columns) - 1)
    book.printable(ws, header, f"{label} – {name}", len(columns), scale=PRINT_SCALE)
    ws.repeat_columns(0, repeat)
    ws.set_v_pagebreaks(page_breaks([c[2] for c in columns], repeat))


def _sheet_columns(part: pl.DataFrame, raw: list[str], with_sheets: bool,
                   extra: list[tuple[str, str, float]]) -> tuple[list[tuple[str, str, float, str]], int]:
    """(key, title, width, kind) of a status sheet in print order, and the index of the last
    identifying column (repeated on every printed page)."""
    ident: list[tuple[str, str, float, str]] = [("_n", "STT", 5, "n"), ("source_file", "Tệp", 16, "t")]
    if with_sheets:
        ident.append(("sheet", "Trang tính", 10, "t"))
    ident.append(("source_row", "Dòng", 6, "n"))
    ident.append(("raw_ho_ten", RAW_COLUMNS["raw_ho_ten"][0], 20, "t"))
    shown = [c for c in raw if c != "raw_ho_ten" and part[c].null_count() < part.height]
    available = {c: (c, RAW_COLUMNS[c][0], RAW_COLUMNS[c][1], "t") for c in shown}
    available["reason"] = ("reason", "Lý do", 34, "t")
    if part["commune"].null_count() < part.height:
        available["commune"] = (*COMMUNE_COLUMN, "t")
    first = [available.pop(c) for c in FIRST_PAGE if c in available]
    more = [(c, title, width, "n" if c == "candidate_count" else "t") for c, title, width in extra
            if c != "first_sheet" or with_sheets]
    note = [("_note", "Kết quả xử lý của cơ quan", 20, "t")]
    return ident + first + more + note + list(available.values()), len(ident) - 1


def page_breaks(widths: list[float], repeat: int) -> list[int]:
    """Column indexes before which a new printed page starts: each page holds the repeated
    columns 0..repeat and as many others as fit PAGE_CHARS."""
    fixed = sum(widths[: repeat + 1])
    breaks, used = [], fixed
    for col in range(repeat + 1, len(widths)):
        if used + widths[col] > PAGE_CHARS and used > fixed:
            breaks.append(col)
            used = fixed
        used += widths[col]
    return breaks
