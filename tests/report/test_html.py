"""report.html: the town report's headline, per-source statuses that add up, counts only, offline."""

from __future__ import annotations

import re

import polars as pl

from ducpho_etl.report import build_report
from ducpho_etl.report.numbers import fmt_int

TOWN_SENTENCE = (
    "Thực hiện chuẩn hóa và làm sạch 219.497 dữ liệu (Hội Nông dân: 14.740; Bảo hiểm xã hội: 147.978; "
    "Thuế: 1.415; Dữ liệu trẻ em: 18.889; Người cao tuổi: 23.932; Đối tượng bảo trợ xã hội đang hưởng "
    "trợ cấp hàng tháng: 8.890; Người có công: 3.653)"
)
STATUS_HEADERS = ["Số dòng đọc", "Sạch (khớp)", "Trùng", "Đã chết", "Cần xác minh", "Không có trong CSDL",
                  "Loại bỏ"]


def _table_rows(html: str) -> dict[str, list[int]]:
    """Label -> the seven counts of the status table, parsed back from Vietnamese format."""
    table = html.split("<h2>Kết quả theo nguồn dữ liệu</h2>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]:
        label = re.sub(r"<span.*?</span>", "", re.search(r"<td>(.*?)</td>", tr).group(1))
        numbers = re.findall(r'<td class="n">([\d.]+)</td>', tr)
        rows[label] = [int(n.replace(".", "")) for n in numbers[:7]]
    return rows


def test_headline_is_the_town_reports_sentence(tmp_path, make_run, town):
    run_dir = make_run(tmp_path, "20260101T000000Z-aaaaaa", town)
    result = build_report(run_dir)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert result["headline"] == TOWN_SENTENCE
    assert TOWN_SENTENCE in html
    for header in STATUS_HEADERS:
        assert f"<th>{header}</th>" in html
    rows = _table_rows(html)
    assert rows["Tổng cộng"][1] == 219497
    assert "219.497" in html and "219497" not in html


def test_statuses_add_up_in_the_html(built_report, pipeline_run):
    _, run_dir = pipeline_run
    html = built_report["html"].read_text(encoding="utf-8")
    summary = pl.read_csv(run_dir / "summary.csv")
    rows = _table_rows(html)
    assert len(rows) == summary.height == 8
    for record in summary.iter_rows(named=True):
        counts = rows[record["label"]]
        assert counts[0] == record["raw_rows"]
        assert counts[1] == record["cleaned"]
        assert sum(counts[1:]) == counts[0], record["label"]
    sources = [v for k, v in rows.items() if k != "Tổng cộng"]
    assert [sum(col) for col in zip(*sources, strict=True)] == rows["Tổng cộng"]
    assert "✓ Mỗi dòng đọc có đúng một kết quả" in html
    # the headline names every source with its figure in Vietnamese format
    total = summary.filter(pl.col("source") == "total").row(0, named=True)
    assert f"làm sạch {fmt_int(total['cleaned'])} dữ liệu (" in html
    for record in summary.filter(pl.col("source") != "total").iter_rows(named=True):
        assert f"{record['label']}: {fmt_int(record['cleaned'])}" in built_report["headline"]


def test_html_is_self_contained_and_holds_no_personal_data(built_report, pipeline_run):
    _, run_dir = pipeline_run
    html = built_report["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"src\s*=", html, flags=re.I)
    # links only to the files beside the report (return lists, history), never out of the machine
    links = re.findall(r'href="([^"]*)"', html)
    assert "returns/" in links and "../../history.html" in links
    assert all(not re.match(r"[a-z]+:|/", link) for link in links)
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert html.count("<svg") >= 4
    recon = pl.concat([pl.read_parquet(p, columns=["row_kind", "person_id", "raw_ho_ten",
                                                   "raw_so_dinh_danh", "raw_ngay_sinh"])
                       for p in (run_dir / "reconciliation").glob("*.parquet")], how="vertical_relaxed")
    recon = recon.filter(pl.col("row_kind") == "data")  # a total row's "Tổng cộng" is no person
    ids = set(recon["person_id"].drop_nulls()) | set(recon["raw_so_dinh_danh"].drop_nulls())
    assert ids and not [i for i in ids if len(i) >= 9 and i in html]
    names = [n for n in recon["raw_ho_ten"].drop_nulls().unique() if len(n) >= 8]
    assert names and not [n for n in names if n in html]
    dates = [d for d in recon["raw_ngay_sinh"].drop_nulls().unique() if len(d) >= 8]
    assert not [d for d in dates if d in html]


def test_inputs_and_run_are_listed(built_report, pipeline_run):
    _, run_dir = pipeline_run
    html = built_report["html"].read_text(encoding="utf-8")
    assert run_dir.name in html
    assert "29/11/2026 01:25 (giờ Việt Nam)" in html
    assert "registry.csv" in html
    import json

    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for info in manifest["sources"].values():
        for f in info["files"]:
            assert f["file"] in html
            assert f["sha256"][:12] + "…" in html
            assert f["sha256"] not in html


def test_report_xlsx_has_the_same_table(built_report, pipeline_run):
    _, run_dir = pipeline_run
    sheet = pl.read_excel(built_report["xlsx"], sheet_name="Tổng hợp", has_header=False)
    cells = [[str(v) if v is not None else "" for v in row] for row in sheet.rows()]
    header = next(i for i, row in enumerate(cells) if row[0] == "Nguồn dữ liệu")
    assert cells[header][1:8] == STATUS_HEADERS
    summary = pl.read_csv(run_dir / "summary.csv")
    body = cells[header + 1: header + 1 + summary.height]
    assert [r[0] for r in body] == summary["label"].to_list()
    assert [int(float(r[1])) for r in body] == summary["raw_rows"].to_list()
    assert [int(float(r[2])) for r in body] == summary["cleaned"].to_list()
    assert any(built_report["headline"] in c for row in cells for c in row)
    names = pl.read_excel(built_report["xlsx"], sheet_id=0)
    assert list(names) == ["Tổng hợp", "Theo xã, phường", "Lý do", "Tệp đầu vào", "Lần chạy"]
