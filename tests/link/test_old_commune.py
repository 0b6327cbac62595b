"""Namesakes of two communes merged in 2025 share their 2025 commune: the commune of before the
merger, when the row and the registry name it, tells them apart (the commune comparison's
old-unit levels)."""

from __future__ import annotations

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame
from tests.link.test_estimated_weights import _people

# Phổ Hòa (21469) and Phổ Ninh (21460) merged into Phường Đức Phổ (21439) on 1 July 2025.
NAMESAKES = [
    {"so_dinh_danh": "051156900001", "ho_ten": "Trương Thị Khánh", "ngay_sinh": "1956",
     "gioi_tinh": "Nữ", "ma_xa": "21439",
     "dia_chi": "Phường Phổ Hòa, thị xã Đức Phổ, tỉnh Quảng Ngãi"},
    {"so_dinh_danh": "051156900002", "ho_ten": "Trương Thị Khánh", "ngay_sinh": "1956",
     "gioi_tinh": "Nữ", "ma_xa": "21460",  # an old unit's own code
     "dia_chi": None},
]


def is_namesake() -> pl.Expr:
    return pl.col("person_id").is_in([p["so_dinh_danh"] for p in NAMESAKES])


@pytest.fixture(scope="module")
def town():
    people = _people(seed=11, count=2500)
    rows = [{"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
             "xa": p["ma_xa"], "so_dinh_danh": p["so_dinh_danh"]} for p in people]
    return prepare_registry(registry_frame([*people, *NAMESAKES]), REGISTRY_REFERENCE_YEAR), rows


def _last(town, xa: str) -> dict:
    registry, rows = town
    row = {"ho_ten": "Trương Thị Khánh", "ngay_sinh": "1956", "gioi_tinh": "Nữ", "xa": xa}
    out, _ = reconcile_source(raw_frame([*rows, row]), load_sources()["bhxh"], registry)
    return out.row(-1, named=True)


def test_the_registry_names_the_old_commune_by_address_or_by_an_old_units_code(town):
    registry = town[0]
    old = dict(registry.filter(is_namesake()).select("person_id", "xa_old").iter_rows())
    assert old == {"051156900001": "21469", "051156900002": "21460"}
    # a 2025 code and no address name no old unit
    assert registry.filter(~is_namesake())["xa_old"].null_count() == registry.height - 2


@pytest.mark.parametrize(("xa", "person"), [("Phường Phổ Hòa", "051156900001"),
                                            ("P. Phổ Ninh", "051156900002")])
def test_a_row_naming_the_old_commune_links_to_the_namesake_there(town, xa, person):
    last = _last(town, xa)
    assert (last["status"], last["person_id"]) == ("matched", person)


def test_a_row_naming_only_the_2025_commune_goes_to_review(town):
    last = _last(town, "Phường Đức Phổ")
    assert (last["status"], last["person_id"]) == ("review", None)
