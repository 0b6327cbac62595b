"""`ducpho-etl explain`: why one row of the latest run got its status (masked, no candidate names)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console
from ducpho_etl.link.explain import FIELDS  # the model's comparisons, in their declared order
from ducpho_etl.privacy import mask_id
from ducpho_etl.report.numbers import fmt_decimal, fmt_int, fmt_pct

FIELD_VI = {"family": "họ", "middle": "tên đệm", "given": "tên", "birth": "ngày sinh",
            "gender": "giới tính", "commune": "xã/phường", "id": "số định danh"}
# comparison level -> what it means, in a few Vietnamese words
LEVEL_VI = {"exact": "trùng", "equiv": "tương đương", "typo": "sai 1 chữ", "diff": "khác",
            "accentless": "trùng (không dấu)", "agree": "khớp", "missing": "thiếu",
            "swap": "đảo ngày/tháng", "lunar": "lệch 1 năm (âm lịch)", "year": "cùng năm",
            "near_year": "năm gần", "year_dm_diff": "cùng năm, khác ngày",
            "jan1": "cùng năm, một bên 01/01", "unknown": "không rõ",
            "disagree": "khác", "near": "gần giống (1 chữ số)", "none": "không có",
            "cmnd": "trùng CMND", "relative": "số của người cùng nhà",
            "kin": "số của người cùng họ",
            "other_person": "số của người khác",
            "own": "số riêng của người khác", "old_agree": "cùng xã cũ",
            "old_diff": "khác xã cũ", "partial": "trùng các chữ số đầu",
            "partial_diff": "khác các chữ số đầu"}
STATUS_VI = {"matched": "Sạch (khớp)", "duplicate": "Trùng", "deceased": "Đã chết",
             "review": "Cần xác minh", "not_found": "Không có trong CSDL", "rejected": "Loại bỏ"}


def mask_name(name: str | None) -> str | None:
    """'Nguyễn Văn Hùng' -> 'N. V. H.': initials only."""
    if not name:
        return name
    return " ".join(f"{word[0]}." for word in name.split())


def find_row(recon: pl.DataFrame, row: int, file: str | None, sheet: str | None = None
             ) -> pl.DataFrame:
    hits = recon.filter(pl.col("source_row") == row)
    if sheet is not None:
        hits = hits.filter(pl.col("sheet") == sheet)
    if file is not None:
        hits = hits.filter((pl.col("source_file") == file)
                           | pl.col("source_file").str.ends_with(f"/{file}"))
    return hits


def commune_text(record: dict) -> str:
    """'Phường Đức Phổ (trước 01/07/2025: Phường Phổ Minh)' from the row's commune codes."""
    from ducpho_etl.normalize.places import UNIT_NAMES_2025, UNIT_NAMES_BEFORE

    new = record.get("commune_2025_name") or UNIT_NAMES_2025.get(record.get("xa_2025") or "")
    old = record.get("commune_pre2025_name")
    if old is None and "place_old_unit" in (record.get("reason_codes") or []):
        old = UNIT_NAMES_BEFORE.get(record.get("ma_xa") or "")
    if not new:
        return "không nhận ra"
    return new + (f" (trước 01/07/2025: {old})" if old else "")


def _vn(utc: str | None) -> str:
    from ducpho_etl.clock import parse_time, vn_label

    moment = parse_time(utc)
    return vn_label(moment) if moment else "-"


def _weight(value: float) -> str:
    return ("+" if value >= 0 else "-") + fmt_decimal(abs(value), 2)


def explain_lines(record: dict) -> tuple[list[str], Table | None, dict]:
    """Header lines, the candidate table and the decision rule for one reconciliation row, in
    Vietnamese with the English keys in brackets (codes stay searchable)."""
    from ducpho_etl.reasons import catalogue

    evidence = json.loads(record["evidence"]) if record.get("evidence") else None
    texts = catalogue()
    codes = record.get("reason_codes") or []
    status = record["status"]
    lines = [
        f"Dòng {record['source_file']}"
        + (f" [{record['sheet']}]" if record.get("sheet") else "") + f":{record['source_row']}",
        f"Kết quả: {STATUS_VI.get(status, status)} (status: {status})   bước đối chiếu (stage): "
        f"{record.get('link_stage') or '-'}   người trong CSDL: {mask_id(record.get('person_id')) or '-'}",
        "Lý do: " + ("; ".join(texts.get(c, (c, c))[0] for c in codes) or "-")
        + f" (reasons: {', '.join(codes) or '-'})",
        f"Giá trị của dòng (che bớt): họ tên {mask_name(record.get('name')) or '-'}, năm sinh "
        f"{record.get('birth_year') or '-'}, giới tính {record.get('gender') or '-'}, "
        f"xã/phường {commune_text(record)}, số CCCD {mask_id(record.get('id12')) or '-'} "
        f"({record.get('id12_status') or '-'}), CMND {mask_id(record.get('cmnd9')) or '-'}",
    ]
    if record.get("duplicate_of"):
        lines.append(f"Trùng với dòng (duplicate of): {record['duplicate_of']}")
    decided = (evidence or {}).get("officer") or (evidence or {}).get("officer_stale")
    if decided:
        lines.append(f"Quyết định (decision) {decided.get('decision_id')}: "
                     + (f"{decided.get('verdict')}, {decided.get('author_kind')}, "
                        f"{_vn(decided.get('decided_utc'))}" if "verdict" in decided
                        else f"không áp dụng (not applied: {decided.get('why')})"))
    if evidence is None or "candidates" not in evidence:
        lines.append("Không có bằng chứng đối chiếu: dòng bị loại trước khi đối chiếu, hoặc không "
                     "có ai trong CSDL để so (no linkage evidence)")
        return lines, None, {}
    shown = len(evidence.get("candidates", []))
    count = record.get("candidate_count") or shown
    best = f", {shown} tốt nhất" if count > shown else ""
    if evidence.get("stage") == "none":  # compared, but no one likely enough: not found
        title = (f"Người trong CSDL đã so, không ai đủ khả năng (compared, none likely "
                 f"enough): {fmt_int(count)}{best}")
    else:
        title = (f"Người trong CSDL có thể khớp (candidates, bước {evidence.get('stage')}): "
                 f"{fmt_int(count)}{best}")
    table = Table(title=title)
    table.add_column("số định danh\n(che bớt)")
    for name in FIELDS:
        table.add_column(FIELD_VI[name])
    table.add_column("tổng điểm", justify="right")
    table.add_column("xác suất", justify="right")
    for cand in evidence.get("candidates", []):
        levels, weights = cand.get("levels", {}), cand.get("weights", {})
        cells = [f"{LEVEL_VI.get(levels.get(f), levels.get(f, '-'))} ({_weight(weights[f])})"
                 if weights.get(f) is not None
                 else str(LEVEL_VI.get(levels.get(f), levels.get(f, "-"))) for f in FIELDS]
        posterior = cand.get("posterior")
        table.add_row(cand["id"], *cells, fmt_decimal(cand["score"], 2),
                      "-" if posterior is None else fmt_pct(posterior, digits=2))
    return lines, table, evidence.get("model") or {}


@app.command()
def explain(
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder of a run")],
    source: Annotated[str, typer.Option("--source", "-s", help="source key, e.g. bhxh")],
    row: Annotated[int, typer.Option("--row", "-r", help="row number in the source file")],
    file: Annotated[str | None, typer.Option("--file", "-f", help="file name, when several")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="sheet name, for workbooks")] = None,
) -> None:
    """Explain one row of the latest run: stage, candidates (masked), levels, weights, thresholds."""
    from ducpho_etl.publish import latest_run

    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]Chưa có lần chạy nào được công bố trong {output} / no published run",
                      highlight=False)
        raise typer.Exit(1)
    path = run_dir / "reconciliation" / f"{source}.parquet"
    if not path.exists():
        console.print(f"[red]Lần chạy {run_dir.name} không có kết quả của nguồn {source} "
                      "/ no reconciliation for this source", highlight=False)
        raise typer.Exit(1)
    hits = find_row(pl.read_parquet(path), row, file, sheet)
    if hits.height == 0:
        console.print(f"[red]Không có dòng {row}" + (f" trong tệp {file}" if file else "")
                      + f" của nguồn {source} / no such row", highlight=False)
        raise typer.Exit(1)
    if hits.height > 1:
        places = ", ".join(f"{r['source_file']}" + (f" [{r['sheet']}]" if r["sheet"] else "")
                           for r in hits.iter_rows(named=True))
        console.print(f"[yellow]Dòng {row} có trong nhiều tệp hoặc trang tính: {places}; hãy thêm "
                      "--file (và --sheet) / row in several files: give --file", markup=True,
                      highlight=False)
        raise typer.Exit(2)
    lines, table, model = explain_lines(hits.row(0, named=True))
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if table is not None:
        console.print(table)
    if model:
        console.print("Quy tắc quyết định (decision): " + ", ".join(f"{k}={v}" for k, v in model.items()),
                      markup=False, highlight=False)
