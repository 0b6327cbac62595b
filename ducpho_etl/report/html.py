"""report.html: one self-contained page (inline CSS and SVG, no script, no font or image fetched).

Counts only: the page never holds a name, a birth date or an ID number.
"""

from __future__ import annotations

from html import escape

import polars as pl

from ducpho_etl.report import charts
from ducpho_etl.report.model import STATUS_COLUMNS, RunReport, reasons_overall, short_sha
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
 .chart,table,.warn,figure{break-inside:avoid}h3{break-after:avoid}
 nav{display:none}@page{size:A4 landscape;margin:12mm}}
figure{margin:0}
nav{font-size:14px;margin:0 0 10px}nav a{margin-right:14px}
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
    parts.append(_links(report))
    parts += _notices(report)
    parts.append(f'<p class="headline">{escape(report.headline())}.</p>')
    need_action = report.needs_action
    share = fmt_pct(total["cleaned"], total["raw_rows"])
    parts.append('<div class="cards">'
                 + _card(fmt_int(total["raw_rows"]), "dòng dữ liệu đã đọc")
                 + _card(fmt_int(total["cleaned"]), f"dữ liệu sạch ({share})")
                 + _card(fmt_int(need_action), "dòng cần cơ quan xử lý (trả về)")
                 + _card(fmt_int(total["deceased"]), "người đã chết còn trong danh sách")
                 + "</div>")
    parts += _status_table(report, flagged)
    parts += _officer_table(report)
    parts += _returns_table(report)
    parts += _communes(report)
    parts += _charts(report)
    parts += _inputs(report)
    parts.append("<footer>Báo cáo chỉ có số đếm, không có dữ liệu cá nhân. Danh sách từng dòng cần xử lý "
                 'của mỗi cơ quan nằm trong thư mục <a href="returns/"><code>returns/</code></a> cạnh '
                 "báo cáo này "
                 "(chỉ gửi cho đúng cơ quan đó). Số liệu được đọc từ <code>summary.csv</code> và "
                 "<code>manifest.json</code> của lần chạy.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _links(report: RunReport) -> str:
    """Links to the return lists of this run and to the history page (relative: the run folder
    moves with its files; history.html sits in OUTPUT/, two folders up)."""
    return ('<nav><a href="returns/">Danh sách trả về các cơ quan (returns/)</a>'
            '<a href="#tra-ve">Số dòng cần xử lý theo cơ quan</a>'
            '<a href="#xa-phuong">Theo xã, phường</a>'
            '<a href="../../history.html">Diễn biến qua các lần chạy (history.html)</a></nav>')


def _returns_table(report: RunReport) -> list[str]:
    """Rows each agency must act on, with a link to its return list."""
    labels = dict(report.summary.select("source", "label").iter_rows())
    out = ['<h2 id="tra-ve">Danh sách trả về cơ quan</h2>',
           '<table><thead><tr><th>Nguồn</th><th>Dòng cần xử lý</th><th>Danh sách</th></tr></thead><tbody>']
    order = [k for k in report.sources["source"].to_list() if k in report.action]
    for key, rows in ((k, report.action[k]) for k in order):
        link = (f'<a href="returns/{escape(key)}.xlsx">returns/{escape(key)}.xlsx</a>' if rows
                else "không có dòng cần xử lý")
        out.append(f"<tr><td>{escape(labels.get(key, key))}</td><td class=\"n\">{fmt_int(rows)}</td>"
                   f"<td>{link}</td></tr>")
    out.append(f'<tr class="total"><td>Tổng cộng</td><td class="n">{fmt_int(report.needs_action)}</td>'
               "<td></td></tr></tbody></table>")
    other = sum(report.non_person.values())
    if other:
        out.append(f'<p class="note">Không tính {fmt_int(other)} dòng tổng cộng, cộng phụ hoặc ký tên '
                   "của tệp gốc: các dòng này được đếm trong Loại bỏ (để khớp số dòng đọc) nhưng không "
                   "phải người nên không gửi trả.</p>")
    return out


def _communes(report: RunReport) -> list[str]:
    """Rows per xã/phường (units from 1 Jul 2025) and outcome, and cleaned rows per xã/phường and
    source: the columns add up to the per-source table above."""
    communes = report.communes
    out = ['<h2 id="xa-phuong">Kết quả theo xã, phường</h2>',
           '<p class="note">Theo đơn vị hành chính từ 01/07/2025, nhận ra từ cột xã/phường hoặc địa '
           "chỉ của từng dòng; dòng không nhận ra được xã/phường tính vào “Không rõ xã/phường”. "
           "Tổng mỗi cột bằng dòng Tổng cộng của bảng theo nguồn.</p>"]
    if communes is None or not communes.height:
        out.append('<p class="note">Không có dữ liệu.</p>')
        return out
    by_commune = communes.group_by("commune", maintain_order=True).agg(
        [pl.col(c).sum() for c in STATUS_COLUMNS])
    head = "".join(f"<th>{escape(v)}</th>" for v in STATUS_COLUMNS.values())
    out.append(f"<table><thead><tr><th>Xã/phường</th>{head}<th>Tỷ lệ sạch</th></tr></thead><tbody>")
    for row in [*by_commune.iter_rows(named=True),
                {"commune": "Tổng cộng", **{c: int(by_commune[c].sum()) for c in STATUS_COLUMNS}}]:
        css = ' class="total"' if row["commune"] == "Tổng cộng" else ""
        cells = "".join(f'<td class="n">{fmt_int(row[c])}</td>' for c in STATUS_COLUMNS)
        out.append(f"<tr{css}><td>{escape(row['commune'])}</td>{cells}"
                   f'<td class="n">{fmt_pct(row["cleaned"], row["raw_rows"])}</td></tr>')
    out.append("</tbody></table>")
    sources = report.sources.select("source", "label").rows()
    wide = communes.pivot(on="source", index="commune", values="cleaned", aggregate_function="sum")
    head = "".join(f"<th>{escape(label)}</th>" for _, label in sources)
    out.append("<h3>Dữ liệu sạch theo xã, phường và nguồn</h3>")
    out.append(f"<table><thead><tr><th>Xã/phường</th>{head}<th>Tổng cộng</th></tr></thead><tbody>")
    for row in wide.iter_rows(named=True):
        values = [int(row.get(key) or 0) for key, _ in sources]
        cells = "".join(f'<td class="n">{fmt_int(v)}</td>' for v in [*values, sum(values)])
        out.append(f"<tr><td>{escape(row['commune'])}</td>{cells}</tr>")
    totals = [int(wide[key].sum()) if key in wide.columns else 0 for key, _ in sources]
    cells = "".join(f'<td class="n">{fmt_int(v)}</td>' for v in [*totals, sum(totals)])
    out.append(f'<tr class="total"><td>Tổng cộng</td>{cells}</tr></tbody></table>')
    names = by_commune["commune"].to_list()
    out.append('<figure><h3>Số dòng đọc và dữ liệu sạch theo xã, phường</h3><div class="chart">'
               + charts.grouped_bars("Số dòng đọc và dữ liệu sạch theo xã, phường", names,
                                     [("Số dòng đọc", charts.PALETTE["raw"],
                                       by_commune["raw_rows"].to_list()),
                                      ("Sạch (khớp)", charts.PALETTE["cleaned"],
                                       by_commune["cleaned"].to_list())]) + "</div></figure>")
    return out


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


def _officer_table(report: RunReport) -> list[str]:
    """Rows settled by an officer's or agency's decision (counted inside the table above, shown
    apart here) and decisions flagged stale; nothing when there are none."""
    sources = report.manifest.get("sources") or {}
    labels = dict(report.summary.select("source", "label").iter_rows())
    rows = [(key, e["officer"]) for key, e in sources.items()
            if (e.get("officer") or {}).get("decided") or (e.get("officer") or {}).get("stale")]
    if not rows:
        return []
    columns = [("matched", "Sạch (khớp)"), ("deceased", "Đã chết"), ("duplicate", "Trùng"),
               ("not_found", "Không có trong CSDL")]
    head = "".join(f"<th>{escape(t)}</th>" for _, t in columns)
    out = ['<h2 id="quyet-dinh">Quyết định của cán bộ và cơ quan (officer decisions)</h2>',
           f"<table><thead><tr><th>Nguồn</th><th>Dòng đã quyết định</th>{head}<th>Cán bộ</th>"
           "<th>Cơ quan trả lời</th><th>Quyết định cũ cần xem lại</th></tr></thead><tbody>"]
    for key, c in rows:
        by_status, by_author = c.get("by_status") or {}, c.get("by_author") or {}
        cells = [c.get("decided", 0), *[by_status.get(s, 0) for s, _ in columns],
                 by_author.get("officer", 0), by_author.get("agency", 0), c.get("stale", 0)]
        out.append(f"<tr><td>{escape(labels.get(key) or key)}</td>"
                   + "".join(f'<td class="n">{fmt_int(v)}</td>' for v in cells) + "</tr>")
    out.append("</tbody></table>")
    out.append('<p class="note">Các dòng này đã nằm trong bảng trên (theo kết quả sau quyết định); '
               "quyết định cũ không còn phù hợp (người đã chết, CSDL thay đổi, dòng đã sửa) không được "
               "áp dụng và cần cán bộ xem lại.</p>")
    return out


def _charts(report: RunReport) -> list[str]:
    src = report.sources
    labels = src["label"].to_list()
    out = ["<h2>Biểu đồ</h2>", "<figure><h3>Dữ liệu sạch so với số dòng đọc, theo nguồn</h3>",
           '<div class="chart">' + charts.grouped_bars(
               "Dữ liệu sạch so với số dòng đọc",
               labels, [("Số dòng đọc", charts.PALETTE["raw"], src["raw_rows"].to_list()),
                        ("Sạch (khớp)", charts.PALETTE["cleaned"], src["cleaned"].to_list())])
           + "</div></figure>",
           "<figure><h3>Các dòng không sạch: tỷ lệ từng loại trong mỗi nguồn</h3>",
           '<div class="chart">' + charts.stacked_shares(
               "Các dòng cần xử lý: tỷ lệ từng loại trong mỗi nguồn", labels,
               [(label, charts.PALETTE[key], src[key].to_list()) for key, label in LEGEND[1:]])
           + "</div></figure>"]
    reasons = reasons_overall(report.reasons) if report.reasons is not None else None
    note = "Một dòng có thể có nhiều lý do, nên tổng có thể lớn hơn số dòng."
    for status, heading, color in (("rejected", "Lý do loại bỏ", charts.PALETTE["rejected"]),
                                   ("review", "Lý do cần xác minh", charts.PALETTE["review"])):
        items: list[tuple[str, int]] = []
        rows = 0
        if reasons is not None and reasons.height:
            chosen = reasons.filter((reasons["status"] == status) & ~reasons["note"])
            items = [(t, int(n)) for t, n in chosen.select("text", "rows").iter_rows()][:12]
        rows = int(report.total[{"rejected": "rejected", "review": "review"}[status]])
        out.append(f"<figure><h3>{heading} ({fmt_int(rows)} dòng)</h3>")
        out.append('<div class="chart">' + charts.simple_bars(heading, items, color, note=note)
                   + "</div></figure>")
    return out


def _maybe_int(value: int | None) -> str:
    return "–" if value is None else fmt_int(value)


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
               "<th>Số dòng</th><th>Dòng trong tệp</th><th>Dòng khác (tiêu đề, trống…)</th>"
               "<th>Dung lượng</th><th>SHA-256</th></tr></thead><tbody>")
    for row in inputs.iter_rows(named=True):
        out.append(f"<tr><td>{escape(row['label'] or '')}</td><td>{escape(row['file'] or '')}</td>"
                   f'<td class="n">{fmt_int(row["sheets"]) if row["sheets"] else ""}</td>'
                   f'<td class="c">{escape(row["encoding"] or "")}</td>'
                   f'<td class="n">{fmt_int(row["rows"])}</td>'
                   f'<td class="n">{_maybe_int(row.get("physical_rows"))}</td>'
                   f'<td class="n">{_maybe_int(row.get("other_rows"))}</td>'
                   f'<td class="n">{fmt_bytes(row["size_bytes"])}</td>'
                   f"<td><code>{escape(short_sha(row['sha256']))}</code></td></tr>")
    out.append("</tbody></table>")
    unknown = report.manifest.get("unknown_folders") or []
    if unknown:
        out.append('<p class="note">Thư mục không thuộc nguồn nào, đã bỏ qua: '
                   f'{escape(", ".join(unknown))}</p>')
    return out
