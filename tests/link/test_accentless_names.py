"""A name written wholly without diacritics carries no accents: it cannot tell An from Ân."""

from __future__ import annotations

import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame
from tests.link.test_estimated_weights import _people

# two residents whose names differ only in the accent of the given name, born the same day
AN = {"so_dinh_danh": "051208900001", "ho_ten": "Nguyễn Văn An", "ngay_sinh": "04/07/2008",
      "gioi_tinh": "Nam", "ma_xa": "21445"}
AN_HAT = {**AN, "so_dinh_danh": "051208900002", "ho_ten": "Nguyễn Văn Ân"}


@pytest.fixture(scope="module")
def town():
    people = _people(seed=5, count=2000)
    rows = [{"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
             "xa": p["ma_xa"], "so_dinh_danh": p["so_dinh_danh"]} for p in people]
    return prepare_registry(registry_frame([*people, AN, AN_HAT]), REGISTRY_REFERENCE_YEAR), rows


def _last(town, name: str) -> dict:
    registry, rows = town
    row = {"ho_ten": name, "ngay_sinh": AN["ngay_sinh"], "gioi_tinh": "Nam", "xa": AN["ma_xa"]}
    out, _ = reconcile_source(raw_frame([*rows, row]), load_sources()["bhxh"], registry)
    return out.row(-1, named=True)


def test_a_name_without_any_diacritics_fits_both_and_goes_to_review(town):
    last = _last(town, "Nguyen Van An")
    assert last["status"] == "review"
    assert last["person_id"] is None


@pytest.mark.parametrize("name, person", [("Nguyễn Văn An", AN), ("Nguyễn Văn Ân", AN_HAT)])
def test_a_name_written_with_its_accents_tells_them_apart(town, name, person):
    last = _last(town, name)
    assert (last["status"], last["person_id"]) == ("matched", person["so_dinh_danh"])
