"""1 January as a stand-in for an unknown day: weighed as what it is (a year), apart from a day
that differs, which at the same year and commune is what a namesake from elsewhere looks like."""

from __future__ import annotations

import random

import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame
from tests.link.test_estimated_weights import _people

N = 3000
STAND_IN_SHARE = 0.03  # of the rows with an ID: the agency wrote 01/01 for the day


def _written(person: dict, day: str | None = None, number: str | None = None) -> dict:
    """The person's row; `day` replaces the day and month ("01/01"), `number` the ID."""
    date = person["ngay_sinh"] if day is None else f"{day}/{person['ngay_sinh'][-4:]}"
    return {"ho_ten": person["ho_ten"], "ngay_sinh": date, "gioi_tinh": person["gioi_tinh"],
            "xa": person["ma_xa"], "so_dinh_danh": number}


@pytest.fixture(scope="module")
def town():
    people = [p for p in _people(seed=11, count=N) if not p["ngay_sinh"].startswith("01/01/")]
    rng = random.Random(4)
    rows = [_written(p, "01/01" if rng.random() < STAND_IN_SHARE else None, p["so_dinh_danh"])
            for p in people]
    return prepare_registry(registry_frame(people), REGISTRY_REFERENCE_YEAR), people, rows


def _last(town, row: dict) -> tuple[dict, dict]:
    registry, _, rows = town
    out, report = reconcile_source(raw_frame([*rows[:-1], row]), load_sources()["bhxh"],
                                   registry)
    return out.row(-1, named=True), report


def _other_day(person: dict) -> str:
    day, month = int(person["ngay_sinh"][:2]), int(person["ngay_sinh"][3:5])
    return f"{day % 27 + 2:02d}/{month:02d}"


def test_a_row_without_id_written_on_1_january_is_its_person(town):
    person = town[1][-1]  # the last row is replaced: the person is listed once
    last, report = _last(town, _written(person, "01/01"))
    weights = report["weights"]["birth"]
    # learned from the rows whose ID links them: a stand-in is common, another day is not
    assert weights["jan1"] > 0 > weights["year_dm_diff"]
    assert (last["status"], last["person_id"]) == ("matched", person["so_dinh_danh"])
    assert last["link_stage"] == "fuzzy"


def test_a_namesake_born_another_day_without_id_is_not_linked(town):
    person = town[1][-1]
    last, _ = _last(town, _written(person, _other_day(person)))
    assert last["status"] == "not_found"
    assert last["person_id"] is None
