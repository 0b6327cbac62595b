"""One source through the stage functions the source flow calls (read_stage, reconcile_stage),
without Prefect: for tests that need a whole SourceResult (publish, report, privacy)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.contracts import SourceContract
from ducpho_etl.link.index import RegistryIndex, as_index
from ducpho_etl.pipeline import read_stage, reconcile_stage
from ducpho_etl.results import SourceResult


def stage_result(input_dir: Path, contract: SourceContract,
                 registry: pl.DataFrame | RegistryIndex, registry_raw: pl.DataFrame,
                 data_year: int = DEFAULT_DATA_YEAR) -> SourceResult:
    """The fresh result of one source, as flows/source.py builds it (errors raised)."""
    raw, files = read_stage(input_dir, contract)
    recon, cleaned, link_model = reconcile_stage(raw, contract, as_index(registry), registry_raw,
                                                 data_year)
    return SourceResult(key=contract.key, label=contract.label, raw_rows=raw.height,
                        reconciliation=recon, cleaned=cleaned, files=files, link_model=link_model)
