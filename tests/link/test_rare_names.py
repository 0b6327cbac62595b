"""A rare name says no more than a common one that a row without an ID is the resident.

The decision is a posterior over every compatible registry candidate: a common name's other
namesakes in the registry already share the probability. A bonus for a rare name on top
(Splink's term-frequency adjustment, per name part) made a namesake from elsewhere, born the
resident's year on another day, look certain; the labelled sets are full of them (people from
elsewhere are often a resident's namesakes), so the model carries no such bonus.
"""

from __future__ import annotations

import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame
from tests.link.test_day_stand_in import _other_day, _written
from tests.link.test_estimated_weights import COMMUNES, _people

N = 3000
# family and given name that no one else in the town has (the town's names: a dozen families)
RARE = {"so_dinh_danh": "051085900009", "ho_ten": "Khổng Minh Triêm", "ngay_sinh": "17/05/1985",
        "gioi_tinh": "Nam", "ma_xa": COMMUNES[0]}


@pytest.fixture(scope="module")
def town():
    people = [*_people(seed=13, count=N), RARE]
    rows = [_written(p, number=p["so_dinh_danh"]) for p in people]
    return prepare_registry(registry_frame(people), REGISTRY_REFERENCE_YEAR), rows


def _last(town, row: dict) -> dict:
    """The source's rows with the rare-named resident's row replaced by `row`."""
    registry, rows = town
    out, _ = reconcile_source(raw_frame([*rows[:-1], row]), load_sources()["bhxh"], registry)
    return out.row(-1, named=True)


def test_the_rare_name_is_unique_in_the_town(town):
    registry, _ = town
    resident = registry.filter(registry["person_id"] == RARE["so_dinh_danh"])
    for key in ("family_key", "given_key"):
        assert registry.filter(registry[key] == resident[key][0]).height == 1


def test_a_namesake_of_a_rare_name_born_another_day_without_id_is_not_linked(town):
    # the resident's whole name, year and commune; another day; no ID: someone from elsewhere
    last = _last(town, _written(RARE, _other_day(RARE)))
    assert (last["status"], last["person_id"]) == ("not_found", None)


def test_the_rare_named_resident_without_id_is_still_linked_by_the_full_date(town):
    last = _last(town, _written(RARE))
    assert (last["status"], last["person_id"]) == ("matched", RARE["so_dinh_danh"])
    assert last["link_stage"] == "fuzzy"
