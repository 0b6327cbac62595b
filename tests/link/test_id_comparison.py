"""The ID as a comparison of the model, on a town-sized registry: a resident's namesake from
elsewhere who carries a well-formed ID of their own is not linked to the resident."""

from __future__ import annotations

import json
import random

import pytest

from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame, registry_frame
from tests.link.test_estimated_weights import _people

N = 3000
OUTSIDERS = 150  # rows of people from elsewhere, each with an ID of their own


@pytest.fixture(scope="module")
def town():
    people = _people(seed=3, count=N)
    rng = random.Random(5)
    rows = [{"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
             "xa": p["ma_xa"], "so_dinh_danh": p["so_dinh_danh"]} for p in people]
    # people from elsewhere (no resident's namesake: other family names), their own IDs
    for k in range(OUTSIDERS):
        rows.append({"ho_ten": f"Lò Văn {rng.choice(['Sáng', 'Chiến', 'Thắng'])}",
                     "ngay_sinh": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/1980",
                     "gioi_tinh": "Nam", "so_dinh_danh": f"0110809{k:05d}"})
    return prepare_registry(registry_frame(people)), people, rows


def _last(town, row: dict) -> tuple[dict, dict]:
    registry, _, rows = town
    out, report = reconcile_source(raw_frame([*rows, row]), load_sources()["bhxh"], registry)
    return out.row(-1, named=True), report


def _namesake_row(person: dict, number: str) -> dict:
    """A row with the person's name, birth year and commune, another day of birth, and the
    given ID number."""
    day, month, year = person["ngay_sinh"].split("/")
    return {"ho_ten": person["ho_ten"], "ngay_sinh": f"{int(day) % 28 + 1:02d}/{month}/{year}",
            "gioi_tinh": person["gioi_tinh"], "xa": person["ma_xa"], "so_dinh_danh": number}


def test_namesake_with_a_valid_id_of_their_own_is_not_found(town):
    # a well-formed ID that no registry person holds
    person = town[1][5]
    last, report = _last(town, _namesake_row(person, person["so_dinh_danh"][:6] + "987654"))
    assert report["kind"] == "estimated"
    assert report["weights"]["id"]["diff"] < -8
    assert (last["status"], last["person_id"]) == ("not_found", None)
    assert "id_not_in_registry" in last["reason_codes"]
    # the resident was the one candidate: the ID alone ruled them out
    candidates = json.loads(last["evidence"])["candidates"] if last["evidence"] else []
    assert all(c["levels"]["id"] == "diff" for c in candidates)


def test_the_same_row_with_the_residents_id_is_linked(town):
    person = town[1][5]
    last, _ = _last(town, _namesake_row(person, person["so_dinh_danh"]))
    # the person's own row came first: this one is their second, linked by the ID
    assert (last["status"], last["person_id"], last["link_stage"]) == (
        "duplicate", person["so_dinh_danh"], "id12")
