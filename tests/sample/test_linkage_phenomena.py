"""The linkage phenomena taught by a labelled set made elsewhere appear in our sample, with the
truth a linker must reach: namesakes from elsewhere with IDs of their own are not_found, short
given names with a slip and gender slips on rows with the person's ID are linked."""

from __future__ import annotations

import csv
import unicodedata

import polars as pl
import pytest

from ducpho_etl.sample import generate_sample

LINK = ("matched", "deceased", "duplicate")


def _af(s: str) -> str:
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("phenomena")
    info = generate_sample(out, scale=0.03, seed=11, keep_cells=True)
    truth = pl.read_parquet(out / "truth" / "truth.parquet").with_row_index("_i")
    with (out / "input" / "registry" / "registry.csv").open(encoding="utf-8") as fh:
        registry = list(csv.DictReader(fh))
    return truth, info["cells"], registry


def _with(truth: pl.DataFrame, noise: str) -> pl.DataFrame:
    return truth.filter(pl.col("noise").list.contains(noise))


def _digits(cell) -> str:
    return "".join(c for c in str(cell or "") if c.isdigit())


def _outsiders(truth: pl.DataFrame, noise: str, at_least: int) -> pl.DataFrame:
    """The rows with `noise`, at least `at_least` of them, all of people outside the registry
    (the truth expects no person: not_found, or a later copy of such a row)."""
    rows = _with(truth, noise)
    assert rows.height >= at_least
    assert set(rows["expected_status"]) <= {"not_found", "duplicate"}
    assert rows["true_person_id"].null_count() == rows.height
    return rows


def test_namesakes_with_ids_of_their_own(sample):
    truth, cells, registry = sample
    rows = _outsiders(truth, "namesake_own_id", 10)
    ids = {p["so_dinh_danh"] for p in registry}
    by_name: dict[str, set[str]] = {}
    for p in registry:
        by_name.setdefault(_af(p["ho_ten"]), set()).add(p["ngay_sinh"][-4:])
    namesakes = year_only = 0
    for i in rows["_i"]:
        row = cells[i]
        digits = _digits(row.get("so_dinh_danh")).zfill(12)
        assert len(digits) == 12 and digits not in ids  # well-formed, nobody's in the registry
        namesakes += _af(str(row["ho_ten"]).strip(" .")) in by_name
        # the year alone, or with a stand-in day (00/00, 0/0, 01/01)
        year_only += _digits(row.get("ngay_sinh"))[:-4] in ("", "00", "0000", "0101")
    assert namesakes >= rows.height * 0.9  # a resident's name (a few shown upper or NFD)
    # some show only the birth year: name, year and commune are all the resident's
    assert year_only >= rows.height * 0.1


def test_short_given_name_slips_and_gender_slips_are_linked_rows(sample):
    truth, cells, registry = sample
    people = {p["so_dinh_danh"]: p for p in registry}
    short = _with(truth, "name_short_slip")
    assert short.height >= 3
    assert set(short["expected_status"]) <= set(LINK)
    for i, pid in short.select("_i", "true_person_id").iter_rows():
        given = _af(people[pid]["ho_ten"]).split()[-1]
        shown = _af(str(cells[i]["ho_ten"]).strip(" .")).split()[-1]
        assert len(given) <= 2 and shown != given and len(shown) == len(given)
    gender = _with(truth, "gender_slip")
    assert gender.height >= 3
    assert set(gender["expected_status"]) <= set(LINK)


def test_people_from_elsewhere_are_never_expected_rejected(sample):
    truth, _, _ = sample
    outsiders = _with(truth, "not_registered")
    assert outsiders.height and set(outsiders["expected_status"]) <= {"not_found", "duplicate"}


def test_some_relatives_ids_are_of_one_family_name_and_generation(sample):
    # a relative's ID whose holder has the row's person's family name and is of their generation
    # (a spouse of one family name; not a parent): only the given name (and the birth day)
    # tells the row from the holder's; the truth still expects the row's own person
    truth, cells, registry = sample
    people = {p["so_dinh_danh"]: p for p in registry}
    rows = _with(truth, "id_relative").filter(pl.col("true_person_id").is_not_null())
    assert rows.height >= 10
    same_family = 0
    for i, pid in rows.select("_i", "true_person_id").iter_rows():
        holder = people.get(_digits(cells[i].get("so_dinh_danh")).zfill(12))
        assert holder is not None and holder["so_dinh_danh"] != pid
        person = people[pid]
        years_apart = abs(int(holder["ngay_sinh"][-4:]) - int(person["ngay_sinh"][-4:]))
        if _af(holder["ho_ten"]).split()[0] == _af(person["ho_ten"]).split()[0] \
                and years_apart <= 5:
            assert _af(holder["ho_ten"]).split()[-1] != _af(person["ho_ten"]).split()[-1]
            same_family += 1
    assert same_family >= 3


def test_some_elders_rows_carry_a_grown_childs_id_from_another_household(sample):
    # on the lists of old people, the ID of a resident of the person's family name a generation
    # younger who lives elsewhere (the child who collects the allowance): only the holder's
    # family name ties the number to the row's person; the truth expects the row's own person
    truth, cells, registry = sample
    people = {p["so_dinh_danh"]: p for p in registry}
    rows = (_with(truth, "id_relative").filter(pl.col("true_person_id").is_not_null()
                                               & pl.col("source").is_in(["nguoi_cao_tuoi",
                                                                        "bao_tro_xa_hoi",
                                                                        "nguoi_co_cong"])))
    children_elsewhere = 0
    for i, pid in rows.select("_i", "true_person_id").iter_rows():
        holder = people[_digits(cells[i].get("so_dinh_danh")).zfill(12)]
        person = people[pid]
        younger = int(holder["ngay_sinh"][-4:]) - int(person["ngay_sinh"][-4:])
        if (_af(holder["ho_ten"]).split()[0] == _af(person["ho_ten"]).split()[0]
                and 20 <= younger <= 45 and holder["dia_chi"] != person["dia_chi"]):
            children_elsewhere += 1
    assert rows.height and children_elsewhere >= 3



def _shown_date(cell) -> tuple[int, int, int] | None:
    """(day, month, year) a date cell shows: a workbook date, dd/mm/yyyy (or - .), yyyy-mm-dd;
    None for anything else (a year alone, a serial number)."""
    if isinstance(cell, tuple) and cell[0] == "date":
        return cell[1].day, cell[1].month, cell[1].year
    parts = str(cell or "").replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    a, b, c = (int(p) for p in parts)
    return (c, b, a) if a > 31 else (a, b, c) if c > 31 else None


def _registry_date(text: str) -> tuple[int, int, int] | None:
    return _shown_date(text) if len(text) == 10 else None


def test_namesakes_without_any_id_differ_from_residents_by_the_day_alone(sample):
    truth, cells, registry = sample
    rows = _outsiders(truth, "namesake_no_id", 3)
    by_name: dict[str, list[str]] = {}
    for p in registry:
        by_name.setdefault(_af(p["ho_ten"]), []).append(p["ngay_sinh"])
    dated = 0
    for i in rows["_i"]:
        row = cells[i]
        assert not _digits(row.get("so_dinh_danh"))  # no ID of any kind
        shown = _shown_date(row.get("ngay_sinh"))
        if shown is None:
            continue
        dated += 1
        same_year = [d for d in by_name.get(_af(str(row["ho_ten"]).strip(" .")), [])
                     if d[-4:] == str(shown[2])]
        # a resident of that name born that year, known to the day, never on the row's day
        assert same_year
        assert all(_registry_date(d) not in (None, shown) for d in same_year)
    assert dated >= rows.height * 0.5


def test_01_01_is_written_for_days_the_registry_knows(sample):
    truth, cells, registry = sample
    people = {p["so_dinh_danh"]: p for p in registry}
    rows = _with(truth, "date_jan1_stand_in").filter(pl.col("true_person_id").is_not_null())
    assert rows.height >= 10
    assert set(rows["expected_status"]) <= {*LINK, "review"}
    dated = 0
    for i, pid in rows.select("_i", "true_person_id").iter_rows():
        known = _registry_date(people[pid]["ngay_sinh"])
        assert known is not None and known[:2] != (1, 1)
        shown = _shown_date(cells[i].get("ngay_sinh"))
        if shown is not None:
            dated += 1
            assert shown == (1, 1, known[2])
    assert dated >= rows.height * 0.5
