"""The ID as a comparison of the model, on a town-sized registry: a resident's namesake from
elsewhere who carries a well-formed ID of their own is not linked to the resident."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.link.compare import with_distance
from ducpho_etl.link.comparisons import BY_NAME, own_id
from ducpho_etl.link.fields import with_id_prefix
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
    return prepare_registry(registry_frame(people), REGISTRY_REFERENCE_YEAR), people, rows


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


def _year_only_row(person: dict, number: str) -> dict:
    """A row with the person's name, gender and commune, only the birth year, and the given
    ID number: all a namesake from elsewhere shares with the resident."""
    return {"ho_ten": person["ho_ten"], "ngay_sinh": person["ngay_sinh"][-4:],
            "gioi_tinh": person["gioi_tinh"], "xa": person["ma_xa"], "so_dinh_danh": number}


def test_year_only_namesake_with_an_id_encoding_their_own_birth_is_not_found(town):
    # another province's code, the century-gender digit and year the row shows, a number of
    # their own: no slip of the resident's ID, the row's own person's
    person = town[1][7]
    own = "079" + person["so_dinh_danh"][3:6] + "246813"
    last, report = _last(town, _year_only_row(person, own))
    # both may reach the weight bound; an ID of their own is never weaker evidence than a stray one
    assert report["weights"]["id"]["own"] <= report["weights"]["id"]["diff"] < -8
    assert (last["status"], last["person_id"]) == ("not_found", None)


@pytest.mark.parametrize(("number", "level"), [
    ("051092000007", "exact"),
    ("051092000017", "near"),  # one slip
    ("051092001017", "diff"),  # two slips of the resident's number: no ID of their own
    ("079092246813", "own"),  # far, encodes the row's 1992 and male: their own person's
    ("079087246813", "diff"),  # far, encodes 1987: not the row's person's number
    ("079192246813", "diff"),  # far, encodes a woman
    ("5.10920E+10", "partial"),  # scientific notation: the digits left are the candidate's
    ("7.40920E+10", "partial_diff"),  # ... or not
    (None, "missing"),
])
def test_id_levels_tell_a_slip_from_an_id_of_their_own(number, level):
    written = with_id_prefix(pl.DataFrame({"so_dinh_danh": [number]},
                                          schema={"so_dinh_danh": pl.Utf8}))
    id12 = number if number and len(number) == 12 else None
    pairs = pl.DataFrame({"r_id12": [id12], "person_id": ["051092000007"],
                          "r_birth_year": [1992], "r_gender": ["Nam"], "r_id_held": [False],
                          "r_cmnd9": [None], "c_cmnd9": [None], "r_id_home": [None],
                          "c_home": ["21439|todanpho7"], "r_id_family": [None],
                          "c_family_key": ["nguyen"],
                          "r_id_prefix": written["id_prefix"].to_list()},
                         schema_overrides={"r_id12": pl.Utf8, "r_cmnd9": pl.Utf8,
                                           "c_cmnd9": pl.Utf8, "r_id_prefix": pl.Utf8,
                                           "r_id_home": pl.Utf8, "r_id_family": pl.Utf8})
    comparison = BY_NAME["id"]
    pairs = pairs.with_columns(own_id().alias("r_id_own"))
    found = with_distance(pairs, "id").select(comparison.level())
    assert found.item() == level


def test_own_id_level_needs_the_rows_birth_year_and_gender_in_the_number(town):
    # the same far number, but encoding another birth year than the row's: not the row's own
    # person's ID (a number written in the wrong column, a relative's from elsewhere): "diff"
    person = town[1][7]
    year = int(person["ngay_sinh"][-2:])
    other_year = f"{(year + 7) % 100:02d}"
    number = "079" + person["so_dinh_danh"][3] + other_year + "246813"
    last, report = _last(town, _year_only_row(person, number))
    candidates = json.loads(last["evidence"])["candidates"] if last["evidence"] else []
    assert all(c["levels"]["id"] == "diff" for c in candidates)
    assert report["u"]["id"]["own"] > 0


def test_namesake_with_their_own_id_and_the_residents_full_date_is_no_duplicate(town):
    # everything but the ID is the resident's (whose own row is in the list): an ID that encodes
    # the row's birth and gender and that no resident holds is someone from elsewhere's, whatever
    # the other fields say; the row is not made a duplicate of the resident's row
    person = town[1][9]
    own = "079" + person["so_dinh_danh"][3:6] + "135792"
    row = {"ho_ten": person["ho_ten"], "ngay_sinh": person["ngay_sinh"],
           "gioi_tinh": person["gioi_tinh"], "xa": person["ma_xa"], "so_dinh_danh": own}
    last, _ = _last(town, row)
    assert (last["status"], last["person_id"], last["candidate_count"]) == ("not_found", None, 0)
    assert "id_not_in_registry" in last["reason_codes"]


def _relative_pair(people: list[dict]) -> tuple[dict, dict]:
    """Two residents of one family name, gender, birth year and commune with other given names,
    the first the only one of its whole name born that year."""
    def key(p: dict) -> tuple:
        return p["ho_ten"].split()[0], p["gioi_tinh"], p["ngay_sinh"][-4:], p["ma_xa"]

    def namesakes(p: dict) -> int:
        return sum(q["ho_ten"] == p["ho_ten"] and q["ngay_sinh"][-4:] == p["ngay_sinh"][-4:]
                   for q in people)

    for person in people:
        if namesakes(person) != 1:
            continue
        for relative in people:
            if (relative is not person and key(relative) == key(person)
                    and relative["ho_ten"].split()[-1] != person["ho_ten"].split()[-1]):
                return person, relative
    raise AssertionError("no such pair in the town")


def test_relatives_id_with_another_given_name_links_the_row_to_its_own_person(town):
    # the row shows only the year: the ID's holder shares the family name, year, gender and
    # commune, and only the given name says whose row it is; the holder's number does not make
    # the row theirs (it competes with the row's namesake, and the given name decides)
    person, relative = _relative_pair(town[1])
    row = {"ho_ten": person["ho_ten"], "ngay_sinh": person["ngay_sinh"][-4:],
           "gioi_tinh": person["gioi_tinh"], "xa": person["ma_xa"],
           "so_dinh_danh": relative["so_dinh_danh"]}
    last, _ = _last(town, row)
    assert last["person_id"] == person["so_dinh_danh"]
    assert (last["status"], last["link_stage"]) == ("duplicate", "fuzzy")
    assert "id_conflict" in last["reason_codes"]
    candidates = {c["id"][-3:]: c for c in json.loads(last["evidence"])["candidates"]}
    holder = candidates[relative["so_dinh_danh"][-3:]]
    assert (holder["levels"]["id"], holder["levels"]["given"]) == ("exact", "diff")
    assert holder["posterior"] < 0.5


def test_outsider_carrying_a_residents_id_stays_not_found(town):
    # a row of someone from elsewhere (no resident of that name) carrying a resident's ID with
    # another name and birth: the holder's number makes no one else the row's person
    holder = town[1][11]
    year = int(holder["ngay_sinh"][-4:])
    row = {"ho_ten": "Lò Thị Sáu", "ngay_sinh": f"03/04/{year + 20}", "gioi_tinh": "Nữ",
           "xa": holder["ma_xa"], "so_dinh_danh": holder["so_dinh_danh"]}
    last, _ = _last(town, row)
    assert (last["status"], last["person_id"]) == ("not_found", None)
    assert "id_conflict" in last["reason_codes"]


@pytest.fixture(scope="module")
def homes():
    """A town whose registry writes addresses: 60 hamlets, about 50 people at each home."""
    people = _people(seed=11, count=N)
    for i, person in enumerate(people):
        person["dia_chi"] = f"Thôn {i % 60}, Xã {person['ma_xa']}"
    rows = [{"ho_ten": p["ho_ten"], "ngay_sinh": p["ngay_sinh"], "gioi_tinh": p["gioi_tinh"],
             "xa": p["ma_xa"], "so_dinh_danh": p["so_dinh_danh"]} for p in people]
    return prepare_registry(registry_frame(people), REGISTRY_REFERENCE_YEAR), people, rows


def _household(people: list[dict]) -> tuple[dict, dict, dict]:
    """A resident alone with its whole name and birth year, someone of another family name at
    the same home (a spouse) and someone of another family name at another home of the same
    commune."""
    def home(p: dict) -> tuple[str, str]:
        return p["ma_xa"], p["dia_chi"]

    for person in people:
        if sum(q["ho_ten"] == person["ho_ten"] and q["ngay_sinh"][-4:] == person["ngay_sinh"][-4:]
               for q in people) != 1:
            continue
        family = person["ho_ten"].split()[0]
        spouse = next((q for q in people if home(q) == home(person)
                       and q["ho_ten"].split()[0] != family), None)
        stranger = next((q for q in people if q["ma_xa"] == person["ma_xa"]
                         and home(q) != home(person) and q["ho_ten"].split()[0] != family), None)
        if spouse and stranger:
            return person, spouse, stranger
    raise AssertionError("no such household in the town")


def _levels_of(row: dict) -> dict[str, dict]:
    evidence = json.loads(row["evidence"]) if row["evidence"] else {"candidates": []}
    return {c["id"][-3:]: c for c in evidence["candidates"]}


def test_id_of_someone_at_the_candidates_home_counts_as_a_relatives(homes):
    # a year-only row carrying the number of a person who lives at the resident's home (a
    # spouse's, a parent's written on the row): the ID is the "relative" level, which weighs
    # for the resident; the same row carrying a number of someone elsewhere is "other_person"
    person, spouse, stranger = _household(homes[1])
    from_home, report = _last(homes, _year_only_row(person, spouse["so_dinh_danh"]))
    from_elsewhere, _ = _last(homes, _year_only_row(person, stranger["so_dinh_danh"]))
    weights = report["weights"]["id"]
    assert weights["relative"] > weights["other_person"]
    assert report["u"]["id"]["relative"] < report["u"]["id"]["other_person"]
    assert from_home["person_id"] == person["so_dinh_danh"]
    assert _levels_of(from_home)[person["so_dinh_danh"][-3:]]["levels"]["id"] == "relative"
    assert "id_conflict" in from_home["reason_codes"]
    # the stranger's number says less for the resident: a lower score, never a better link
    assert (from_elsewhere["match_score"] or float("-inf")) < from_home["match_score"]
    if from_elsewhere["evidence"]:
        resident = _levels_of(from_elsewhere).get(person["so_dinh_danh"][-3:])
        assert resident is None or resident["levels"]["id"] == "other_person"


def test_id_of_someone_of_the_candidates_family_name_elsewhere_is_kin(homes):
    # the number of a resident of the person's family name at another home (a grown child who
    # lives apart): the "kin" level, between a relative's at the home and a stranger's
    person, _, stranger = _household(homes[1])
    family = person["ho_ten"].split()[0]
    kin = next(q for q in homes[1] if q["ho_ten"].split()[0] == family
               and q["dia_chi"] != person["dia_chi"] and q is not person)
    from_kin, report = _last(homes, _year_only_row(person, kin["so_dinh_danh"]))
    from_elsewhere, _ = _last(homes, _year_only_row(person, stranger["so_dinh_danh"]))
    weights = report["weights"]["id"]
    assert weights["other_person"] < weights["kin"]
    assert report["u"]["id"]["kin"] < report["u"]["id"]["other_person"]
    resident = _levels_of(from_kin).get(person["so_dinh_danh"][-3:])
    assert resident is not None and resident["levels"]["id"] == "kin"
    assert (from_elsewhere["match_score"] or float("-inf")) < from_kin["match_score"]
