"""A run whose manifest marks a source stale or failed says so in report.html and report.xlsx."""

from __future__ import annotations

import polars as pl

from ducpho_etl.report import build_report

STALE = {"stale": True, "as_of": "2026-11-20T02:00:00+00:00",
         "error": "OSError: ổ mạng \\\\so-tai-chinh không truy cập được <script>"}
FAILED = {"error": "IngestError: bhxh_2023.xlsx: not a readable XLSX workbook", "raw_rows": 0}


def _xlsx_text(path) -> str:
    texts = []
    for name, frame in pl.read_excel(path, sheet_id=0, has_header=False).items():
        texts.append(name)
        texts += [str(v) for row in frame.rows() for v in row if v is not None]
    return "\n".join(texts)


def test_stale_and_failed_sources_are_flagged(tmp_path, make_run, town):
    manifest = {"sources": {"thue": STALE, "bhxh": FAILED, "tre_em": {"error": None, "raw_rows": 5},
                            "hoi_nong_dan": {}}}
    run_dir = make_run(tmp_path, "20261128T000000Z-cccccc", town, manifest)
    result = build_report(run_dir)
    html = result["html"].read_text(encoding="utf-8")
    stale_text = ("Số liệu cũ từ ngày 20/11/2026 do lỗi: OSError: ổ mạng \\\\so-tai-chinh không truy "
                  "cập được &lt;script&gt;")
    assert stale_text in html
    assert "<script>" not in html
    assert "<b>⚠ Thuế</b>" in html
    assert "<b>⚠ Bảo hiểm xã hội</b>" in html
    assert "không xử lý được nguồn" in html and "not a readable XLSX workbook" in html
    assert html.count('role="alert"') == 2  # tre_em (error None) and hoi_nong_dan (no keys): no warning
    assert 'số liệu cũ</span>' in html  # the table row is tagged too
    text = _xlsx_text(result["xlsx"])
    assert "Thuế: Số liệu cũ từ ngày 20/11/2026 do lỗi: OSError" in text
    assert "Thuế (số liệu cũ)" in text
    assert "Bảo hiểm xã hội (lỗi, không có số liệu)" in text
    assert len(result["notices"]) == 2
    assert "Thuế: 1.415 (số liệu cũ ngày 20/11/2026)" in result["headline"]
    assert "Bảo hiểm xã hội: 147.978 (có lỗi)" in result["headline"]


def test_failed_source_without_rows_has_no_figure_in_the_headline(tmp_path, make_run, town):
    summary = town.with_columns(
        [pl.when(pl.col("source") == "bhxh").then(0).otherwise(pl.col(c)).alias(c)
         for c in town.columns[2:]])
    run_dir = make_run(tmp_path, "20261128T000000Z-ffffff", summary, {"sources": {"bhxh": FAILED}})
    result = build_report(run_dir)
    assert "Bảo hiểm xã hội: không có số liệu (lỗi);" in result["headline"]


def test_stale_without_as_of_or_error_still_says_so(tmp_path, make_run, town):
    run_dir = make_run(tmp_path, "20261128T000000Z-dddddd", town, {"sources": {"thue": {"stale": True}}})
    html = build_report(run_dir)["html"].read_text(encoding="utf-8")
    assert "Số liệu cũ từ ngày không rõ do lỗi: không rõ" in html


def test_manifest_without_sources_or_flags(tmp_path, make_run, town):
    run_dir = make_run(tmp_path, "20261128T000000Z-eeeeee", town)
    (run_dir / "manifest.json").write_text("{}", encoding="utf-8")
    result = build_report(run_dir)
    html = result["html"].read_text(encoding="utf-8")
    assert 'role="alert"' not in html and result["notices"] == []
    assert "20261128T000000Z-eeeeee" in html
    assert "manifest.json không ghi danh sách tệp" in html


def test_manifest_records_of_the_nightly_flow(tmp_path, make_run, town):
    """The per-source records the flow writes: state, stale, carried_over, from_run, as_of, error."""
    sources = {
        "thue": {"state": "stale", "ok": False, "stale": True, "carried_over": False, "from_cache": False,
                 "from_run": "20261120T010000Z-abcdef", "as_of": "2026-11-20", "error": "OSError: x"},
        "tre_em": {"state": "carried_over", "ok": True, "stale": False, "carried_over": True,
                   "from_cache": False, "from_run": "20261125T010000Z-abcdef", "as_of": "2026-11-25",
                   "error": None},
        "bhxh": {"state": "cached", "ok": True, "stale": False, "carried_over": False, "from_cache": True,
                 "from_run": None, "as_of": "2026-11-28", "error": None},
        "hoi_nong_dan": {"state": "fresh", "ok": True, "stale": False, "as_of": "2026-11-28", "error": None},
    }
    run_dir = make_run(tmp_path, "20261128T000000Z-999999", town, {"sources": sources})
    result = build_report(run_dir)
    html = result["html"].read_text(encoding="utf-8")
    assert ("Số liệu cũ từ ngày 20/11/2026 (lần chạy 20261120T010000Z-abcdef) do lỗi: OSError: x"
            in html)
    assert "số liệu giữ nguyên từ ngày 25/11/2026 (lần chạy 20261125T010000Z-abcdef)" in html
    assert html.count('role="alert"') == 1  # only the stale one is a warning; kept is information
    assert "Thuế: 1.415 (số liệu cũ ngày 20/11/2026)" in result["headline"]
    assert "Dữ liệu trẻ em: 18.889 (số liệu ngày 25/11/2026)" in result["headline"]
    assert "Bảo hiểm xã hội: 147.978;" in result["headline"]
    assert "Dữ liệu trẻ em (giữ nguyên từ lần chạy trước)" in _xlsx_text(result["xlsx"])
