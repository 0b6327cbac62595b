"""report.html: one self-contained page (inline CSS and SVG, no script, no font or image fetched).

Counts only: the page never holds a name, a birth date or an ID number.
"""

from __future__ import annotations

from html import escape

from ducpho_etl.report import charts
from ducpho_etl.report.model import COUNT_COLUMNS, STATUS_COLUMNS, RunReport, short_sha
from ducpho_etl.report.numbers import fmt_bytes, fmt_datetime, fmt_int, fmt_pct

CSS = """
*{box-sizing:border-box}
body{font-family:'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',Arial,sans-serif;color:#1d1d1d;
 margin:0;background:#eef1f4;line-height:1.45}
main{max-width:1180px;margin:0 auto;background:#fff;padding:28px 36px 40px}
h1{font-size:24px;margin:0 0 4px;color:#0b3d66}
h2{font-size:19px;margin:32px 0 10px;color:#0b3d66;border-bottom:2px solid #0b3d66;padding-bottom:3px}
h3{font-size:15px;margin:20px 0 6px}
.meta{color:#555;margin:0 0 14px;font-size:14px}
.headline{font-size:17px;background:#f2f7f3;border-left:5px solid #1f6f43;padding:12px 16px;margin:16px 0}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{flex:1 1 180px;border:1px solid #d6dde4;border-radius:6px;padding:10px 14px}
.card .n{font-size:24px;font-weight:700;white-space:nowrap}
.card .t{font-size:13px;color:#555}
.warn{background:#fff4e5;border:1px solid #e0a040;border-left:6px solid #d9822b;padding:10px 16px;
 margin:14px 0;border-radius:4px}
.warn.failed{background:#fdecea;border-color:#d9534f;border-left-color:#c0392b}
.warn.kept{background:#eef5fc;border-color:#7aa7d6;border-left-color:#3d7cc9}
.warn b{display:block;margin-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{border:1px solid #c9d1d9;padding:5px 8px;vertical-align:top}
th{background:#e8eef4;font-weight:600;text-align:center}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.c{text-align:center}
tr.total td{font-weight:700;background:#f3f5f7}
tr.flag td{background:#fff4e5}
.tag{display:inline-block;font-size:12px;padding:0 6px;border-radius:3px;background:#d9822b;color:#fff;
 margin-left:6px;white-space:nowrap}
.tag.failed{background:#c0392b}.tag.kept{background:#3d7cc9}
.ok{color:#1f6f43}.bad{color:#c0392b;font-weight:700}
.note{font-size:13px;color:#555}
code{font-size:12.5px;font-family:Consolas,'DejaVu Sans Mono',monospace}
.chart{margin:8px 0 18px}
footer{margin-top:30px;font-size:12.5px;color:#666;border-top:1px solid #ddd;padding-top:8px}
@media print{body{background:#fff}main{max-width:none;padding:0}h2{break-after:avoid}
 .chart,table,.warn{break-inside:avoid}@page{size:A4 landscape;margin:12mm}}
"""

LEGEND = [("cleaned", "Sạch (khớp)"), ("duplicate", "Trùng"), ("deceased", "Đã chết"),
          ("review", "Cần xác minh"), ("not_found", "Không có trong CSDL"), ("rejected", "Loại bỏ")]

STATUS_HELP = {
    "cleaned": "người còn sống có trong CSDL dân cư, dòng đầu tiên của người đó trong nguồn",
    "duplicate": "cùng một người với một dòng trước trong cùng nguồn",
    "deceased": "người đã chết theo CSDL dân cư: cần dừng chi trả, xóa khỏi danh sách",
    "review": "có người phù hợp trong CSDL nhưng chưa đủ chắc chắn: cán bộ xác minh",
    "not_found": "dòng hợp lệ nhưng không tìm thấy người trong CSDL dân cư",
    "rejected": "dòng không dùng được (thiếu họ tên, không có thông tin định danh, dòng tổng cộng…)",
}


def render(report: RunReport) -> str:
    total = report.total
    flagged = {n.source: n for n in report.notices}
    parts = [
        "<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Báo cáo làm sạch dữ liệu – {escape(report.run_id)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>Báo cáo chuẩn hóa, làm sạch và đối chiếu dữ liệu với CSDL quốc gia về dân cư</h1>",
        f'<p class="meta">Đề án 06 · Lần chạy <code>{escape(report.run_id)}</code> · '
        f"bắt đầu lúc {escape(fmt_datetime(report.started))}</p>",
    ]
    parts += _notices(report)
    parts.append(f'<p class="headline">{escape(report.headline())}.</p>')
    need_action = sum(total[c] for c in COUNT_COLUMNS if c != "cleaned")
    share = fmt_pct(total["cleaned"], total["raw_rows"])
    parts.append('<div class="cards">'
                 + _card(fmt_int(total["raw_rows"]), "dòng dữ liệu đã đọc")
                 + _card(fmt_int(total["cleaned"]), f"dữ liệu sạch ({share})")
                 + _card(fmt_int(need_action), "dòng cần cơ quan xử lý (trả về)")
                 + _card(fmt_int(total["deceased"]), "người đã chết còn trong danh sách")
                 + "</div>")
    parts += _status_table(report, flagged)
    parts += _charts(report)
    parts += _inputs(report)
    parts.append("<footer>Báo cáo chỉ có số đếm, không có dữ liệu cá nhân. Danh sách từng dòng cần xử lý "
                 "của mỗi cơ quan nằm trong thư mục <code>returns/</code> cạnh báo cáo này "
                 "(chỉ gửi cho đúng cơ quan đó). Số liệu được đọc từ <code>summary.csv</code> và "
                 "<code>manifest.json</code> của lần chạy.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _card(number: str, text: str) -> str:
    return f'<div class="card"><div class="n">{escape(number)}</div><div class="t">{escape(text)}</div></div>'


def _notices(report: RunReport) -> list[str]:
    out = []
    for n in report.notices:
        role = ' role="alert"' if n.kind != "kept" else ""
        mark = "ℹ" if n.kind == "kept" else "⚠"
        out.append(f'<div class="warn {n.kind}"{role}><b>{mark} {escape(n.label)}</b>'
                   f"{escape(n.message)}</div>")
    return out


def _status_table(report: RunReport, flagged: dict) -> list[str]:
    head = "".join(f"<th>{escape(v)}</th>" for v in STATUS_COLUMNS.values())
    out = ["<h2>Kết quả theo nguồn dữ liệu</h2>",
           f"<table><thead><tr><th>Nguồn</th>{head}<th>Tỷ lệ sạch</th></tr></thead><tbody>"]
    for row in report.summary.iter_rows(named=True):
        is_total = row["source"] == "total"
        notice = flagged.get(row["source"])
        css = ' class="total"' if is_total else (' class="flag"' if notice and notice.kind != "kept" else "")
        tag = ""
        if notice:
            word = {"stale": "số liệu cũ", "failed": "lỗi", "kept": "giữ nguyên",
                    "incomplete": "thiếu cột"}[notice.kind]
            tag = f'<span class="tag {notice.kind}">{word}</span>'
        cells = "".join(f'<td class="n">{fmt_int(row[c])}</td>' for c in STATUS_COLUMNS)
        out.append(f"<tr{css}><td>{escape(row['label'] or row['source'])}{tag}</td>{cells}"
                   f'<td class="n">{fmt_pct(row["cleaned"], row["raw_rows"])}</td></tr>')
    out.append("</tbody></table>")
    check = ('<span class="ok">✓ Mỗi dòng đọc có đúng một kết quả: ở mọi hàng, tổng sáu cột kết quả '
             "bằng Số dòng đọc.</span>" if report.balanced()
             else '<span class="bad">✗ Có hàng mà tổng các cột kết quả khác Số dòng đọc.</span>')
    out.append(f'<p class="note">{check}</p>')
    out.append('<p class="note">' + "<br>".join(
        f"<b>{escape(label)}</b>: {escape(STATUS_HELP[key])}" for key, label in LEGEND) + "</p>")
    return out


def _charts(report: RunReport) -> list[str]:
    src = report.sources
    labels = src["label"].to_list()
    out = ["<h2>Biểu đồ</h2>", "<h3>Dữ liệu sạch so với số dòng đọc, theo nguồn</h3>",
           '<div class="chart">' + charts.grouped_bars(
               "Dữ liệu sạch so với số dòng đọc",
               labels, [("Số dòng đọc", charts.PALETTE["raw"], src["raw_rows"].to_list()),
                        ("Sạch (khớp)", charts.PALETTE["cleaned"], src["cleaned"].to_list())]) + "</div>",
           "<h3>Các dòng cần xử lý (trả về cơ quan): tỷ lệ từng loại trong mỗi nguồn</h3>",
           '<div class="chart">' + charts.stacked_shares(
               "Các dòng cần xử lý: tỷ lệ từng loại trong mỗi nguồn", labels,
               [(label, charts.PALETTE[key], src[key].to_list()) for key, label in LEGEND[1:]]) + "</div>"]
    reasons = report.reasons
    note = "Một dòng có thể có nhiều lý do, nên tổng có thể lớn hơn số dòng."
    for status, heading, color in (("rejected", "Lý do loại bỏ", charts.PALETTE["rejected"]),
                                   ("review", "Lý do cần xác minh", charts.PALETTE["review"])):
        items: list[tuple[str, int]] = []
        rows = 0
        if reasons is not None and reasons.height:
            chosen = reasons.filter((reasons["status"] == status) & ~reasons["note"])
            items = [(t, int(n)) for t, n in chosen.select("text", "rows").iter_rows()][:12]
        rows = int(report.total[{"rejected": "rejected", "review": "review"}[status]])
        out.append(f"<h3>{heading} ({fmt_int(rows)} dòng)</h3>")
        out.append('<div class="chart">' + charts.simple_bars(heading, items, color, note=note) + "</div>")
    return out


def _inputs(report: RunReport) -> list[str]:
    out = ["<h2>Dữ liệu đầu vào của lần chạy</h2>",
           f'<p class="note">Mã lần chạy <code>{escape(report.run_id)}</code>; bắt đầu lúc '
           f"{escape(fmt_datetime(report.started))}; năm dữ liệu "
           f"{escape(str(report.manifest.get('data_year', '–')))}. Mã SHA-256 (12 ký tự đầu) giúp "
           "kiểm tra đúng tệp đã dùng.</p>"]
    inputs = report.inputs
    if inputs is None or not inputs.height:
        out.append('<p class="note">manifest.json không ghi danh sách tệp.</p>')
        return out
    out.append("<table><thead><tr><th>Nguồn</th><th>Tệp</th><th>Số trang tính</th><th>Mã hóa</th>"
               "<th>Số dòng</th><th>Dung lượng</th><th>SHA-256</th></tr></thead><tbody>")
    for row in inputs.iter_rows(named=True):
        out.append(f"<tr><td>{escape(row['label'] or '')}</td><td>{escape(row['file'] or '')}</td>"
                   f'<td class="n">{fmt_int(row["sheets"]) if row["sheets"] else ""}</td>'
                   f'<td class="c">{escape(row["encoding"] or "")}</td>'
                   f'<td class="n">{fmt_int(row["rows"])}</td>'
                   f'<td class="n">{fmt_bytes(row["size_bytes"])}</td>'
                   f"<td><code>{escape(short_sha(row['sha256']))}</code></td></tr>")
    out.append("</tbody></table>")
    unknown = report.manifest.get("unknown_folders") or []
    if unknown:
        out.append('<p class="note">Thư mục không thuộc nguồn nào, đã bỏ qua: '
                   f'{escape(", ".join(unknown))}</p>')
    return out
