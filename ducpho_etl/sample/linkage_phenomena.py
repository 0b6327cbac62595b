"""Linkage phenomena a labelled set made elsewhere taught us, so that our own sample and tests
hold them:

- people from elsewhere who share a resident's name and birth year (another day; half of them in
  the resident's commune; a share of them known by the year alone, so that their rows show
  nothing but what the resident's would) and carry a well-formed 12-digit ID of their own: the
  ID tells them apart, nothing else does (truth: not_found);
- such namesakes without any ID, in the resident's commune, with their full birth date: only
  the day tells them apart, which a resident's row rarely gets wrong (truth: not_found);
- 01/01 written for the day by an agency that did not know it, where the registry knows it
  (noise `date_jan1_stand_in`, ducpho_etl.sample.noise; truth: linked as a year alone is);
- a one-letter slip in a short (one- or two-letter) given name ("An" -> "Am") on a row that
  carries the person's exact ID and full birth date (truth: linked);
- a gender written wrong on a row with the person's own ID (truth: linked).
Relatives' IDs in a row (noise `id_relative`) were already generated.
"""

from __future__ import annotations

import datetime as dt
import random

from . import names as N
from .people import ConfusableIndex, World, new_bhxh, new_id12
from .places import OLD_UNITS

NAMESAKE_WITH_ID_RATE = 0.004  # of a source's rows
NAMESAKE_WITHOUT_ID_RATE = 0.001  # of a source's rows
NAMESAKE_YEAR_ONLY = 0.3  # of those namesakes: known by their birth year alone
SHORT_GIVEN_SLIP_RATE = 0.05  # of rows with a usable ID, a full date and a short given name
GENDER_SLIP_RATE = 0.002  # of rows with a usable ID
# where people from elsewhere were born (their ID's first three digits)
PROVINCES_ELSEWHERE = ["051", "052", "049", "048", "079", "001", "064"]
SHORT_SLIP_LETTERS = "mnhtcàáạ"


def resident_namesakes(w: World, rng: random.Random, lo: int, hi: int, count: int,
                       taken: set[tuple], with_id: bool = True,
                       conf: ConfusableIndex | None = None) -> list[int]:
    """`count` people outside the registry, each a resident's namesake born the same year on
    another day, with a fresh well-formed ID (added to the world; never two alike); without
    `with_id`, no ID, a full birth date and the resident's commune, and only where the day
    tells them from every resident of a like name (`conf`): none known by the year alone, none
    born that day and month (as written or swapped) that year or a year apart."""
    out: list[int] = []
    for _ in range(count * 30):
        if len(out) >= count:
            break
        r = rng.randrange(w.n_reg)
        born = w.birth[r]
        if not lo <= born.year <= min(hi, 2022):
            continue
        key = (w.male[r], N.af(w.fam[r]), N.af(w.given[r]), born.year)
        if key in taken:
            continue
        taken.add(key)
        day = born
        while (day.month, day.day) in ((born.month, born.day), (born.day, born.month)):
            day = dt.date(born.year, rng.randint(1, 12), rng.randint(1, 28))
        if not with_id and not _told_apart_by_day(w, conf, r, day):
            continue
        unit = w.unit[r] if not with_id or rng.random() < 0.5 else rng.randrange(len(OLD_UNITS))
        i = w.add(w.fam[r], w.mid[r], w.given[r], w.male[r], day, unit,
                  rng.choice(w.villages[unit]), -1)
        # (in this order: the draws of the namesakes with IDs stay as they were)
        if with_id:
            w.id12[i] = new_id12(w, rng, w.male[r], born.year, rng.choice(PROVINCES_ELSEWHERE))
        w.bhxh[i] = new_bhxh(w, rng)
        if with_id:
            w.year_only[i] = rng.random() < NAMESAKE_YEAR_ONLY
        out.append(i)
    return out


def _told_apart_by_day(w: World, conf: ConfusableIndex | None, r: int, day: dt.date) -> bool:
    """Whether a row of `r`'s name born on `day` fits no resident but by a mistyped day."""
    if conf is None or (day.month, day.day) == (1, 1):  # 01/01 reads as a day not known
        return False
    shown = {(day.month, day.day), (day.day, day.month)}
    for q in conf.people(w.male[r], w.fam[r], w.given[r], day.year):
        born = w.birth[q]
        if w.year_only[q] or (abs(born.year - day.year) <= 1 and (born.month, born.day) in shown):
            return False
    return True


def short_given_slip(given: str, rng: random.Random, eligible: bool, noise: list[str]) -> str:
    """The given name with one letter changed when it is short (at most two letters, where a
    slip makes another valid-looking name), on SHORT_GIVEN_SLIP_RATE of eligible rows."""
    if not eligible or len(N.af(given)) > 2 or rng.random() >= SHORT_GIVEN_SLIP_RATE:
        return given
    k = len(given) - 1
    for letter in rng.sample(SHORT_SLIP_LETTERS, len(SHORT_SLIP_LETTERS)):
        slipped = given[:k] + letter
        if N.af(slipped) != N.af(given):
            noise.append("name_short_slip")
            return slipped
    return given


def gender_slip(male: bool, rng: random.Random, eligible: bool, noise: list[str]) -> bool:
    """The gender written wrong on GENDER_SLIP_RATE of eligible rows."""
    if eligible and rng.random() < GENDER_SLIP_RATE:
        noise.append("gender_slip")
        return not male
    return male
