"""Personal data at rest: owner-only outputs whatever the umask, and the pseudonymised research
copy (keyed HMAC pseudonyms, birth years only, the key never stored with the data)."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.sample import generate_sample
from tests.stages import stage_result

KEY = "a-long-secret-key-for-tests-only"


def _modes(folder: Path) -> list[tuple[str, int]]:
    """(path, permission bits) of everything under folder (symlinks skipped)."""
    found = [(str(folder), stat.S_IMODE(folder.stat().st_mode))]
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            if not path.is_symlink():
                found.append((str(path), stat.S_IMODE(path.stat().st_mode)))
    return found


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A sample run through the library (no CLI: as a Prefect worker would, umask 022), with
    cache, report and history: (input dir, OUTPUT)."""
    from ducpho_etl import cache
    from ducpho_etl.pipeline import select_sources
    from ducpho_etl.publish import publish_run
    from ducpho_etl.registry import load_prepared_registry
    from ducpho_etl.report import build_report, write_history

    root = tmp_path_factory.mktemp("at-rest")
    generate_sample(root, scale=0.005, seed=5)
    previous = os.umask(0o022)
    try:
        registry_raw, registry, _ = load_prepared_registry(root / "input" / "registry",
                                                           REGISTRY_REFERENCE_YEAR)
        results = [stage_result(root / "input", c, registry, registry_raw)
                   for c in select_sources(None).values()]
        output = root / "output"
        output.mkdir()
        for result in results:
            cache.store(output / ".cache", f"k-{result.key}", result)
        run_dir = publish_run(output, results, {"started_utc": "2026-11-28T18:25:12+00:00"})
        build_report(run_dir)
        write_history(output)
    finally:
        os.umask(previous)
    return root / "input", output


def test_outputs_cache_and_reports_are_owner_only_under_umask_022(published):
    _, output = published
    modes = _modes(output / "runs") + _modes(output / ".cache") + _modes(output / "history.html")
    assert any(p.endswith("returns") for p, _ in modes) and any(".cache" in p for p, _ in modes)
    loose = [(p, oct(m)) for p, m in modes if m not in (0o600, 0o700)]
    assert not loose
    assert all(m == 0o700 for p, m in modes if Path(p).is_dir())


def _export(output: Path, dest: Path, key: str | None):
    env = {"DUCPHO_PSEUDONYM_KEY": key} if key else {"DUCPHO_PSEUDONYM_KEY": ""}
    return CliRunner().invoke(app, ["export", "--pseudonymise", "--output", str(output), "--to",
                                    str(dest)], env={**env, "COLUMNS": "200"})


def _text_of(folder: Path) -> str:
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            parts += [str(v) for column in frame.columns for v in frame[column].to_list()]
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_pseudonymised_export_has_no_identity(published, tmp_path):
    input_dir, output = published
    result = _export(output, tmp_path / "copy", KEY)
    assert result.exit_code == 0, result.output
    copy = tmp_path / "copy"
    text = _text_of(copy)
    # no 12-digit ID anywhere (the digits after a decimal point of a match score are no ID)
    assert not re.search(r"(?<![\d.])\d{12}(?!\d)", text)
    names = set()
    for path in (input_dir / "registry").glob("*.csv"):
        names |= set(pl.read_csv(path, infer_schema=False)["ho_ten"].drop_nulls().to_list())
    assert names and not [n for n in names if n in text]
    assert KEY not in text  # the key is never written with the data
    recon = pl.read_parquet(copy / "reconciliation" / "bhxh.parquet")
    original = pl.read_parquet(output / "latest" / "reconciliation" / "bhxh.parquet")
    assert recon.height == original.height  # every row kept: counts still add up
    assert recon["person_id"].drop_nulls().str.contains(r"^[a-z]{20}$").all()
    assert recon["birth_year"].to_list() == original["birth_year"].to_list()
    # birth dates as sent: the year only (the reason texts' "01/07/2025" is the reform date)
    assert recon["raw_ngay_sinh"].drop_nulls().str.contains(r"^\d{4}$").all()
    assert original["raw_ngay_sinh"].drop_nulls().str.contains("/").any()
    assert "birth_day" not in recon.columns and "birth_month" not in recon.columns
    assert "evidence" not in recon.columns and "raw_dia_chi" not in recon.columns
    assert json.loads((copy / "export.json").read_text(encoding="utf-8"))["birth_dates"] == "year only"
    assert all(m in (0o600, 0o700) for _, m in _modes(copy))


def test_same_person_same_pseudonym_with_the_same_key_only(published, tmp_path):
    from ducpho_etl.pipeline import select_sources
    from ducpho_etl.publish import latest_run, previous_result, publish_run, read_manifest

    _, output = published
    assert _export(output, tmp_path / "a", KEY).exit_code == 0
    first_run = latest_run(output)
    manifest = read_manifest(first_run)
    again = [previous_result(first_run, manifest, k, c.label) for k, c in select_sources(None).items()]
    second_run = publish_run(output, [r for r in again if r], {"started_utc": "2026-11-29T18:25:12+00:00"})
    assert second_run != first_run and latest_run(output) == second_run
    for name, key in (("b", KEY), ("c", KEY + "-other")):
        assert _export(output, tmp_path / name, key).exit_code == 0

    def pseudonyms(name: str) -> dict:
        frame = pl.read_parquet(tmp_path / name / "cleaned" / "bhxh.parquet")
        return dict(frame.select("source_row", "person_id").iter_rows())

    first, again, other = pseudonyms("a"), pseudonyms("b"), pseudonyms("c")
    assert first and first == again
    assert not set(first.values()) & set(other.values())


def test_export_without_a_key_is_a_clear_error(published, tmp_path):
    _, output = published
    result = _export(output, tmp_path / "x", None)
    assert result.exit_code == 2 and "DUCPHO_PSEUDONYM_KEY" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x").exists()
