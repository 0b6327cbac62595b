"""`ducpho-etl export --pseudonymise`: a research copy of the latest run without identities.

IDs and names become keyed HMAC-SHA256 pseudonyms (key from DUCPHO_PSEUDONYM_KEY, never written
with the data), birth dates only their year; addresses, villages, birth day and month and the
linkage evidence are left out. Counts stay exact, so the copy still adds up (summary.csv).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from ducpho_etl.cli.app import app, console
from ducpho_etl.report.numbers import fmt_int


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder of the runs")],
    to: Annotated[Path, typer.Option("--to", help="Folder for the research copy (new or empty)")],
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="Replace IDs and names by "
                                               "keyed pseudonyms, birth dates by the year")] = False,
) -> None:
    """Write a pseudonymised research copy of the latest run (no ID, name or full birth date)."""
    from ducpho_etl.privacy import (
        PSEUDONYM_KEY_ENV,
        PseudonymKeyMissing,
        owner_only_dir,
        pseudonym_key,
        pseudonymise_frame,
        restrict,
    )
    from ducpho_etl.publish import latest_run, read_manifest, read_summary_csv, write_summary_csv

    if not pseudonymise:
        console.print("[red]Chỉ xuất bản sao đã thay bí danh: thêm --pseudonymise "
                      "/ only pseudonymised copies are exported: add --pseudonymise", highlight=False)
        raise typer.Exit(2)
    try:
        key = pseudonym_key()
    except PseudonymKeyMissing as exc:
        console.print(f"[red]{exc}", highlight=False)
        raise typer.Exit(2) from None
    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]Chưa có lần chạy nào được công bố trong {output} / no published run",
                      highlight=False)
        raise typer.Exit(1)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        console.print(f"[red]{to} đã có và không trống: hãy chọn thư mục mới "
                      "/ destination exists and is not empty", highlight=False)
        raise typer.Exit(2)
    try:
        to.resolve().relative_to(output.resolve())
        console.print("[red]Không ghi bản sao nghiên cứu vào trong thư mục OUTPUT "
                      "/ the copy must not go inside OUTPUT", highlight=False)
        raise typer.Exit(2)
    except ValueError:
        pass
    owner_only_dir(to)
    dropped: dict[str, list[str]] = {}
    rows = 0
    for part in ("reconciliation", "cleaned"):
        owner_only_dir(to / part)
        for path in sorted((run_dir / part).glob("*.parquet")):
            copy, left_out = pseudonymise_frame(pl.read_parquet(path), key)
            copy.write_parquet(to / part / path.name)
            dropped[f"{part}/{path.name}"] = left_out
            rows += copy.height if part == "reconciliation" else 0
    write_summary_csv(read_summary_csv(run_dir / "summary.csv"), to / "summary.csv")
    manifest = read_manifest(run_dir)
    note = {
        "kind": "pseudonymised research copy",
        "run_id": manifest.get("run_id", run_dir.name), "started_utc": manifest.get("started_utc"),
        "exported_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "pseudonyms": f"HMAC-SHA256 keyed by ${PSEUDONYM_KEY_ENV} (the key is not stored here)",
        "birth_dates": "year only", "columns_left_out": dropped,
    }
    (to / "export.json").write_text(json.dumps(note, ensure_ascii=False, indent=2), encoding="utf-8")
    restrict(to)
    console.print(f"Đã xuất bản sao nghiên cứu (đã thay bí danh) của lần chạy {run_dir.name} vào {to}: "
                  f"{fmt_int(rows)} dòng / pseudonymised research copy written",
                  highlight=False)
