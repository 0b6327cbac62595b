"""The defects officers met in report.xlsx, report.html and the return lists (issue 16): each
asserted on the file as an officer opens it."""

from __future__ import annotations

import re
import zipfile

import polars as pl

from ducpho_etl.report import build_report
from ducpho_etl.report.model import STATUS_COLUMNS, UNKNOWN_COMMUNE, load_run

SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _sheet_xml(path, name: str) -> str:
    """The worksheet XML of the sheet called `name`."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode("utf-8")
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return z.read(f"xl/worksheets/sheet{names.index(name) + 1}.xml").decode("utf-8")


def _cells(path, sheet: str) -> list[list[str]]:
    frame = pl.read_excel(path, sheet_name=sheet, has_header=False)
    return [[str(v) if v is not None else "" for v in row] for row in frame.rows()]


def test_per_commune_figures_add_up_to_the_per_source_totals(built_report, pipeline_run):
    _, run_dir = pipeline_run
    report = load_run(run_dir)
    communes = report.communes
    assert communes is not None and communes.height
    by_source = communes.group_by("source").agg([pl.col(c).sum() for c in STATUS_COLUMNS])
    summary = report.sources.select("source", *STATUS_COLUMNS)
    assert by_source.sort("source").equals(summary.sort("source"))
    names = set(communes["commune"])
    assert {"Phường Đức Phổ", "Phường Sa Huỳnh", "Xã Khánh Cường"} <= names
    assert names <= {"Phường Đức Phổ", "Phường Trà Câu", "Phường Sa Huỳnh", "Xã Nguyễn Nghiêm",
                     "Xã Khánh Cường", UNKNOWN_COMMUNE}
    # the html table's total row is the summary's total row
    html = built_report["html"].read_text(encoding="utf-8")
    part = html[html.index('id="xa-phuong"'):]
    total_row = re.search(r'<tr class="total"><td>Tổng cộng</td>(.*?)</tr>', part).group(1)
    figures = re.findall(r'<td class="n">([\d.]+)</td>', total_row)[:7]
    assert [int(f.replace(".", "")) for f in figures] == [report.total[c] for c in STATUS_COLUMNS]
    assert part.count("<svg") >= 1
    # the workbook's sheet per commune: the same totals
    cells = _cells(built_report["xlsx"], "Theo xã, phường")
    total = next(r for r in cells if r[0] == "Tổng cộng")
    assert [int(float(v)) for v in total[1:8]] == [report.total[c] for c in STATUS_COLUMNS]
    with zipfile.ZipFile(built_report["xlsx"]) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_every_output_carries_the_normalised_commune(pipeline_run):
    _, run_dir = pipeline_run
    recon = pl.read_parquet(run_dir / "reconciliation" / "bhxh.parquet")
    assert {"xa_2025", "commune_2025_name", "commune_pre2025_name"} <= set(recon.columns)
    named = recon.filter(pl.col("xa_2025").is_not_null())
    assert named.height and named["commune_2025_name"].null_count() == 0
    old = recon.filter(pl.col("reason_codes").list.contains("place_old_unit"))
    assert old.height and old["commune_pre2025_name"].null_count() == 0
    cleaned = pl.read_parquet(run_dir / "cleaned" / "bhxh.parquet")
    assert {"xa_2025", "commune_2025_name", "commune_pre2025_name"} <= set(cleaned.columns)


def test_processing_time_comes_from_a_key_the_run_writes(tmp_path, make_run, town):
    run_dir = make_run(tmp_path, "20260101T000000Z-aaaaaa", town, {"seconds_sources": 123.4})
    result = build_report(run_dir)
    rows = {r[0]: r[1] for r in _cells(result["xlsx"], "Lần chạy") if r}
    assert rows["Thời gian xử lý"] == "123,4 giây"


def test_clean_share_is_a_number_with_a_percent_format(built_report, pipeline_run):
    _, run_dir = pipeline_run
    xml = _sheet_xml(built_report["xlsx"], "Tổng hợp")
    summary = load_run(run_dir).summary
    total = summary.filter(pl.col("source") == "total").row(0, named=True)
    share = total["cleaned"] / total["raw_rows"]
    numbers = re.findall(r'<c r="I\d+" s="\d+"><v>([^<]+)</v>', xml)  # the last column
    values = [float(v) for v in numbers]
    assert any(abs(v - share) < 1e-9 for v in values), values
    with zipfile.ZipFile(built_report["xlsx"]) as z:
        assert 'formatCode="0.0%"' in z.read("xl/styles.xml").decode("utf-8")


def test_reason_kinds_and_reasons_by_source(built_report, pipeline_run):
    _, run_dir = pipeline_run
    cells = _cells(built_report["xlsx"], "Lý do")
    header = next(i for i, r in enumerate(cells) if r[:4] == ["Nguồn", "Kết quả", "Lý do", "Loại"])
    rows = [r for r in cells[header + 1:] if r[0]]
    labels = set(load_run(run_dir).sources["label"])
    assert {r[0] for r in rows} <= labels and len({r[0] for r in rows}) >= 3
    kinds = {(r[5], r[1]): r[3] for r in rows}
    # a missing birth date, missing gender or digits in a name are never "repaired"
    for code in ("date_missing", "gender_missing", "name_has_digits"):
        for (c, status), kind in kinds.items():
            if c == code:
                assert kind in ("Nguyên nhân", "Vấn đề khác của dòng"), (code, status, kind)
    assert any(kind == "Đã tự sửa" for (c, _), kind in kinds.items() if c == "place_old_unit")


def test_registry_row_count_is_shown(built_report, pipeline_run):
    input_dir, _ = pipeline_run
    cells = _cells(built_report["xlsx"], "Tệp đầu vào")
    registry = next(r for r in cells if r[0] == "CSDL dân cư (CCCD)")
    expected = pl.read_csv(next((input_dir / "registry").glob("*.csv")), infer_schema=False).height
    assert int(float(registry[4])) == expected


def test_total_lines_never_go_back_to_agencies(tmp_path, make_run, town):
    recon = pl.DataFrame({
        "source": ["thue"] * 3, "source_file": ["a.csv"] * 3, "sheet": [None, None, None],
        "source_row": [2, 3, 4], "row_kind": ["data", "total", "data"],
        "status": ["not_found", "rejected", "rejected"], "person_id": [None, None, None],
        "reason_codes": [["not_in_registry"], ["total_row", "name_missing", "no_identity"],
                         ["name_missing"]],
        "reason": ["x", "y", "z"], "raw_ho_ten": ["Lê Văn An", "Tổng cộng: 2 người", None],
    }, schema_overrides={"sheet": pl.Utf8, "person_id": pl.Utf8})
    summary = town.with_columns(
        pl.when(pl.col("source") == "thue").then(3).otherwise(pl.col("raw_rows")).alias("raw_rows"))
    run_dir = make_run(tmp_path, "20260101T000000Z-cccccc", summary, recon={"thue": recon})
    result = build_report(run_dir)
    assert result["return_rows"]["thue"] == 2
    rejected = pl.read_excel(result["returns"]["thue"], sheet_name="Loại bỏ",
                             read_options={"header_row": 3})
    assert rejected["Dòng"].to_list() == [4]
    report = load_run(run_dir)
    assert report.action["thue"] == 2 and report.non_person["thue"] == 1
    html = result["html"].read_text(encoding="utf-8")
    assert "Không tính 1 dòng tổng cộng" in html


def test_return_list_shows_candidates_commune_and_prints_legibly(built_report, pipeline_run):
    _, run_dir = pipeline_run
    path = built_report["returns"]["bhxh"]
    review = pl.read_excel(path, sheet_name="Cần xác minh", read_options={"header_row": 3},
                           infer_schema_length=0)
    candidates = review["Người có thể khớp: số định danh (che bớt), mức khớp"]
    assert candidates.null_count() == 0
    assert candidates.str.contains(r"^\d{3}\*{6}\d{3} \(\d+%\)").all()
    commune = "Xã/phường đã nhận ra (từ 01/07/2025; trước đó)"
    for name in ("Cần xác minh", "Không có trong CSDL"):
        sheet = pl.read_excel(path, sheet_name=name, read_options={"header_row": 3},
                              infer_schema_length=0)
        assert sheet[commune].drop_nulls().str.contains(r"^(Phường|Xã) ").all()
    for name in ("Cần xác minh", "Không có trong CSDL", "Loại bỏ"):
        xml = _sheet_xml(path, name)
        setup = re.search(r"<pageSetup [^>]*>", xml).group(0)
        assert 'scale="85"' in setup and "fitToWidth" not in setup  # 11 pt prints at 9,4 pt
        assert "<colBreaks" in xml  # the other columns go on the next printed page
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode("utf-8")
    assert re.search(r"_xlnm.Print_Titles[^>]*>[^<]*\$A:\$[A-Z]", workbook)  # key columns repeat


def test_one_reason_text_per_cause(pipeline_run):
    _, run_dir = pipeline_run
    recon = pl.concat([pl.read_parquet(p, columns=["reason"])
                       for p in (run_dir / "reconciliation").glob("*.parquet")])
    reasons = recon["reason"].drop_nulls()
    assert not reasons.str.contains("Không rõ giới tính; Thiếu giới tính").any()
    assert not reasons.str.contains("Thiếu giới tính; Không rõ giới tính").any()
    assert reasons.str.contains("Thiếu giới tính").any()
    totals = pl.concat([pl.read_parquet(p, columns=["row_kind", "reason"])
                        for p in (run_dir / "reconciliation").glob("*.parquet")]).filter(
        pl.col("row_kind") == "total")
    assert totals.height and (totals["reason"] == "Dòng tổng cộng, không phải dữ liệu một người").all()


def test_summary_csv_has_a_bom_and_every_reader_accepts_both(tmp_path, pipeline_run, make_run, town):
    from typer.testing import CliRunner

    from ducpho_etl.cli import app
    from ducpho_etl.publish import read_summary_csv
    from ducpho_etl.report.history import run_history

    _, run_dir = pipeline_run
    assert (run_dir / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with_bom = read_summary_csv(run_dir / "summary.csv")
    assert with_bom.columns[0] == "source"
    plain = make_run(tmp_path, "20260101T000000Z-dddddd", town)  # written without a BOM
    assert not (plain / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_summary_csv(plain / "summary.csv").columns[0] == "source"
    assert load_run(run_dir).total["raw_rows"] == with_bom["raw_rows"][-1]
    output = run_dir.parent.parent
    history = run_history(output)
    assert history.filter(pl.col("source") == "total")["raw_rows"].to_list()[-1] == \
        with_bom["raw_rows"][-1]
    (output / "latest").unlink(missing_ok=True)
    (output / "latest").symlink_to(f"runs/{run_dir.name}")
    result = CliRunner().invoke(app, ["summary", "--output", str(output)], env={"COLUMNS": "120"})
    assert result.exit_code == 0 and "Bảo hiểm xã hội" in result.output, result.output
