"""The registry is prepared as of the run's configured registry year (RunConfig.registry_year),
not a constant: a birth date after that year is impossible, and the year reaches the cache key
so a run with another registry year never reuses a result linked against the other reading."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ducpho_etl import cache
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR, load_config
from ducpho_etl.pipeline import shared_registry
from ducpho_etl.registry import prepare_registry

HEADER = "so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,ma_xa,dia_chi,trang_thai"
ROWS = [
    "051080000001,,Lê Văn An,01/02/1980,Nam,21439,,Còn sống",
    "051225000002,,Trần Thị Bình,05/03/2025,Nữ,21451,,Còn sống",  # born in 2025
]


def _input(folder: Path) -> Path:
    (folder / "registry").mkdir(parents=True)
    (folder / "registry" / "registry.csv").write_text("\n".join([HEADER, *ROWS]) + "\n",
                                                      encoding="utf-8")
    return folder


def _birth_years(prepared: pl.DataFrame) -> dict[str, int | None]:
    return dict(prepared.select("person_id", "birth_year").iter_rows())


def test_a_configured_registry_year_changes_which_births_are_possible(tmp_path):
    input_dir = _input(tmp_path / "input")
    default = load_config(input_dir, tmp_path / "out")
    earlier = load_config(input_dir, tmp_path / "out", registry_year=2024)
    assert default.registry_year == REGISTRY_REFERENCE_YEAR > 2024
    _, index = shared_registry(input_dir, default.registry_year)
    assert _birth_years(index.frame) == {"051080000001": 1980, "051225000002": 2025}
    # the same files prepared as of 2024: a birth in 2025 is in the future, so no birth year
    _, index = shared_registry(input_dir, earlier.registry_year)
    assert _birth_years(index.frame) == {"051080000001": 1980, "051225000002": None}


def test_prepare_registry_reads_dates_as_of_its_year():
    raw = pl.DataFrame({"so_dinh_danh": ["051225000002"], "so_cmnd": [None],
                        "ho_ten": ["Trần Thị Bình"], "ngay_sinh": ["05/03/2025"],
                        "gioi_tinh": ["Nữ"], "ma_xa": ["21451"], "dia_chi": [None],
                        "trang_thai": ["Còn sống"]}, schema_overrides={"so_cmnd": pl.Utf8,
                                                                       "dia_chi": pl.Utf8})
    assert prepare_registry(raw, 2026)["birth_year"].to_list() == [2025]
    assert prepare_registry(raw, 2024)["birth_year"].to_list() == [None]


def test_cache_key_follows_a_non_default_registry_year():
    files, registry = [{"file": "a.csv", "sha256": "x"}], [{"file": "r.csv", "sha256": "r"}]
    default = cache.cache_key("thue", files, registry, 2023, code="c")
    # the default year keeps the keys written before the year was configurable
    assert cache.cache_key("thue", files, registry, 2023, code="c",
                           registry_year=REGISTRY_REFERENCE_YEAR) == default
    other = cache.cache_key("thue", files, registry, 2023, code="c", registry_year=2024)
    assert other != default
    assert cache.cache_key("thue", files, registry, 2023, code="c", registry_year=2024) == other
