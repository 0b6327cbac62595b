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


def explain_lines(record: dict) -> tuple[list[str], Table | None, dict]:
    """Header lines, the candidate table and the decision rule for one reconciliation row."""
    evidence = json.loads(record["evidence"]) if record.get("evidence") else None
    lines = [
        f"row {record['source_file']}"
        + (f" [{record['sheet']}]" if record.get("sheet") else "") + f":{record['source_row']}",
        f"status: {record['status']}   stage: {record.get('link_stage')}   "
        f"person: {mask_id(record.get('person_id')) or '-'}",
        f"reasons: {', '.join(record.get('reason_codes') or [])}",
        f"row values (masked): name {mask_name(record.get('name')) or '-'}, birth year "
        f"{record.get('birth_year') or '-'}, gender {record.get('gender') or '-'}, "
        f"commune {record.get('xa_2025') or '-'}, ID {mask_id(record.get('id12')) or '-'} "
        f"({record.get('id12_status') or '-'}), CMND {mask_id(record.get('cmnd9')) or '-'}",
    ]
    if record.get("duplicate_of"):
        lines.append(f"duplicate of: {record['duplicate_of']}")
    if evidence is None:
        lines.append("no linkage evidence (rejected before linking, or no candidate at all)")
        return lines, None, {}
    shown = len(evidence.get("candidates", []))
    count = record.get("candidate_count") or shown
    table = Table(title=f"candidates ({evidence.get('stage')} stage): {count}"
                  + (f", best {shown} shown" if count > shown else ""))
    table.add_column("candidate")
    for name in FIELDS:
        table.add_column(name)
    table.add_column("total", justify="right")
    table.add_column("posterior", justify="right")
    for cand in evidence.get("candidates", []):
        levels, weights = cand.get("levels", {}), cand.get("weights", {})
        cells = [f"{levels.get(f, '-')} ({weights[f]:+.2f})" if weights.get(f) is not None
                 else str(levels.get(f, "-")) for f in FIELDS]
        posterior = cand.get("posterior")
        table.add_row(cand["id"], *cells, f"{cand['score']:.2f}",
                      "-" if posterior is None else f"{posterior:.4f}")
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
        console.print(f"[red]No published run in {output}")
        raise typer.Exit(1)
    path = run_dir / "reconciliation" / f"{source}.parquet"
    if not path.exists():
        console.print(f"[red]No reconciliation for source {source} in {run_dir.name}")
        raise typer.Exit(1)
    hits = find_row(pl.read_parquet(path), row, file, sheet)
    if hits.height == 0:
        console.print(f"[red]No row {row}" + (f" in file {file}" if file else "") + f" of {source}")
        raise typer.Exit(1)
    if hits.height > 1:
        places = ", ".join(f"{r['source_file']}" + (f" [{r['sheet']}]" if r["sheet"] else "")
                           for r in hits.iter_rows(named=True))
        console.print(f"[yellow]Row {row} is in several files or sheets: {places}; "
                      "give --file (and --sheet)", markup=True, highlight=False)
        raise typer.Exit(2)
    lines, table, model = explain_lines(hits.row(0, named=True))
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if table is not None:
        console.print(table)
    if model:
        console.print("decision: " + ", ".join(f"{k}={v}" for k, v in model.items()),
                      markup=False, highlight=False)
