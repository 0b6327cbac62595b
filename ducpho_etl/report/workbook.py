"""report.xlsx: the report's tables as printable sheets with Vietnamese labels and number format."""

from __future__ import annotations

from pathlib import Path

from ducpho_etl.report.model import STATUS_COLUMNS, RunReport, short_sha
from ducpho_etl.report.numbers import fmt_bytes, fmt_datetime, fmt_decimal, fmt_pct
from ducpho_etl.report.xlsx import Book

STATUS_VI = {"matched": "Sạch (khớp)", "duplicate": "Trùng", "deceased": "Đã chết",
             "review": "Cần xác minh", "not_found": "Không có trong CSDL", "rejected": "Loại bỏ"}
WARN = {"font_color": "#9C0006", "bold": True, "text_wrap": True, "bg_color": "#FFEB9C"}


def write_workbook(report: RunReport, path: Path) -> None:
    book = Book(path)
    _summary_sheet(book, report)
    _reasons_sheet(book, report)
    _inputs_sheet(book, report)
    _run_sheet(book, report)
    book.close()


def _summary_sheet(book: Book, report: RunReport) -> None:
    ws = book.workbook.add_worksheet("Tổng hợp")
    labels = ["Nguồn dữ liệu", *STATUS_COLUMNS.values(), "Tỷ lệ sạch"]
    last = len(labels) - 1
    book.text(ws, 0, 0, "BÁO CÁO CHUẨN HÓA, LÀM SẠCH VÀ ĐỐI CHIẾU DỮ LIỆU VỚI CSDL QUỐC GIA VỀ DÂN CƯ",
              bold=True, font_size=14)
    book.text(ws, 1, 0, f"Lần chạy {report.run_id}, bắt đầu lúc {fmt_datetime(report.started)}", italic=True)
    ws.merge_range(2, 0, 2, last, None)
    book.text(ws, 2, 0, report.headline() + ".", text_wrap=True, bold=True)
    ws.set_row(2, 66)
    row = 3
    for notice in report.notices:
        ws.merge_range(row, 0, row, last, None)
        book.text(ws, row, 0, ("ℹ " if notice.kind == "kept" else "⚠ ") + notice.text, **WARN)
        ws.set_row(row, 34)
        row += 1
    row += 1
    header_row = row
    book.header(ws, header_row, labels, [44, 13, 13, 10, 10, 13, 14, 10, 11])
    ws.set_row(header_row, 32)
    flagged = {n.source: n for n in report.notices}
    for r in report.summary.iter_rows(named=True):
        row += 1
        is_total = r["source"] == "total"
        style = {"border": 1, "bold": is_total}
        if is_total:
            style["bg_color"] = "#F2F2F2"
        notice = flagged.get(r["source"])
        label = r["label"] or r["source"]
        if notice:
            style["bg_color"] = "#DDEBF7" if notice.kind == "kept" else "#FFEB9C"
            label += {"stale": " (số liệu cũ)", "failed": " (lỗi, không có số liệu)",
                      "kept": " (giữ nguyên từ lần chạy trước)"}[notice.kind]
        book.text(ws, row, 0, label, text_wrap=True, **style)
        for col, key in enumerate(STATUS_COLUMNS, start=1):
            book.number(ws, row, col, int(r[key]), **style)
        book.text(ws, row, last, fmt_pct(r["cleaned"], r["raw_rows"]), align="right", **style)
    row += 2
    balanced = report.balanced()
    book.text(ws, row, 0, ("Kiểm tra: ở mọi hàng, tổng sáu cột kết quả bằng Số dòng đọc."
                           if balanced else "CẢNH BÁO: có hàng mà tổng các cột kết quả khác Số dòng đọc."),
              italic=balanced, bold=not balanced)
    book.printable(ws, header_row, f"Báo cáo làm sạch dữ liệu – {report.run_id}", len(labels))
    ws.print_area(0, 0, row, last)


def _reasons_sheet(book: Book, report: RunReport) -> None:
    ws = book.workbook.add_worksheet("Lý do")
    book.text(ws, 0, 0, "Số dòng theo kết quả và lý do (một dòng có thể có nhiều lý do)", bold=True,
              font_size=13)
    book.header(ws, 2, ["Kết quả", "Lý do", "Loại", "Số dòng", "Mã lý do"], [20, 80, 18, 11, 26])
    row = 2
    order = {s: i for i, s in enumerate(["rejected", "review", "not_found", "deceased", "duplicate"])}
    reasons = report.reasons
    if reasons is not None and reasons.height:
        ranked = sorted(reasons.iter_rows(named=True),
                        key=lambda r: (order.get(r["status"], 9), r["note"], -r["rows"], r["code"]))
        for r in ranked:
            row += 1
            book.text(ws, row, 0, STATUS_VI.get(r["status"], r["status"]), border=1)
            book.text(ws, row, 1, r["text"], border=1, text_wrap=True)
            book.text(ws, row, 2, "Đã tự sửa, ghi chú" if r["note"] else "Nguyên nhân", border=1)
            book.number(ws, row, 3, int(r["rows"]), border=1)
            book.text(ws, row, 4, r["code"], border=1, font_color="#666666", font_size=10)
    book.printable(ws, 2, f"Lý do – {report.run_id}", 5)


def _inputs_sheet(book: Book, report: RunReport) -> None:
    ws = book.workbook.add_worksheet("Tệp đầu vào")
    book.text(ws, 0, 0, f"Tệp đầu vào của lần chạy {report.run_id} "
                        f"(bắt đầu lúc {fmt_datetime(report.started)})", bold=True, font_size=13)
    labels = ["Nguồn", "Tệp", "Số trang tính", "Mã hóa", "Số dòng", "Dung lượng",
              "SHA-256 (12 ký tự đầu)", "Dòng trong tệp", "Dòng khác (tiêu đề, trống…)"]
    book.header(ws, 2, labels, [36, 40, 10, 12, 11, 12, 24, 11, 14])
    row = 2
    if report.inputs is not None:
        for r in report.inputs.iter_rows(named=True):
            row += 1
            book.text(ws, row, 0, r["label"], border=1, text_wrap=True)
            book.text(ws, row, 1, r["file"], border=1, text_wrap=True)
            book.number(ws, row, 2, r["sheets"] or None, border=1)
            book.text(ws, row, 3, r["encoding"], border=1)
            book.number(ws, row, 4, r["rows"], border=1)
            book.text(ws, row, 5, fmt_bytes(r["size_bytes"]), border=1, align="right")
            book.text(ws, row, 6, short_sha(r["sha256"]), border=1, font_name="Consolas", font_size=10)
            book.number(ws, row, 7, r.get("physical_rows"), border=1)
            book.number(ws, row, 8, r.get("other_rows"), border=1)
    book.printable(ws, 2, f"Tệp đầu vào – {report.run_id}", len(labels))


def _run_sheet(book: Book, report: RunReport) -> None:
    ws = book.workbook.add_worksheet("Lần chạy")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 90)
    m = report.manifest
    seconds = m.get("seconds")
    items = [("Mã lần chạy", report.run_id),
             ("Bắt đầu lúc", fmt_datetime(report.started)),
             ("Năm dữ liệu", str(m.get("data_year", "–"))),
             ("Thời gian xử lý", f"{fmt_decimal(seconds, 1)} giây" if seconds is not None else "–"),
             ("Thư mục đầu vào", str(m.get("input", "–"))),
             ("Phiên bản phần mềm", ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items()))]
    book.header(ws, 0, ["Mục", "Giá trị"])
    for row, (key, value) in enumerate(items, start=1):
        book.text(ws, row, 0, key, border=1, bold=True)
        book.text(ws, row, 1, value, border=1, text_wrap=True)
    row = len(items) + 1
    for notice in report.notices:
        book.text(ws, row, 0, "Cảnh báo", border=1, **WARN)
        book.text(ws, row, 1, notice.text, border=1, **WARN)
        row += 1
    book.printable(ws, 0, f"Lần chạy – {report.run_id}", 2)

