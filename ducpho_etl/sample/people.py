"""The synthetic population: registry residents (households) and non-registry people."""

from __future__ import annotations

import datetime as dt
import random

from . import names as N
from .places import OLD_UNITS, UNIT_WEIGHTS, address, new_code, villages

REF = dt.date(2023, 6, 30)  # reference date of the extracts
REF_ORD = REF.toordinal()
PROVINCES = ["001", "031", "038", "040", "046", "048", "049", "052", "054", "056", "064",
             "066", "079", "074", "075", "092"]


class World:
    """Column lists, one entry per person; indices < n_reg are registry residents."""

    def __init__(self) -> None:
        self.fam: list[str] = []
        self.mid: list[str] = []
        self.given: list[str] = []
        self.male: list[bool] = []
        self.birth: list[dt.date] = []
        self.year_only: list[bool] = []  # the registry knows only the year
        self.unit: list[int] = []  # old (pre-2025) unit index
        self.village: list[str] = []
        self.hh: list[int] = []
        self.father: list[int] = []
        self.mother: list[int] = []
        self.spouse: list[int] = []
        self.twin: list[int] = []
        self.cluster: list[int] = []
        self.alive: list[bool] = []
        self.id12: list[str] = []
        self.cmnd: list[str] = []
        self.bhxh: list[str] = []
        self.mst: dict[int, str] = {}
        self.n_reg = 0
        self.villages: list[list[str]] = []
        self.id_set: set[str] = set()
        self.id_index: dict[str, int] = {}
        self.cmnd_set: set[str] = set()
        self.bhxh_set: set[str] = set()
        self.mst_set: set[str] = set()

    def __len__(self) -> int:
        return len(self.fam)

    def add(self, fam, mid, given, male, birth, unit, village, hh, father=-1, mother=-1) -> int:
        self.fam.append(fam)
        self.mid.append(mid)
        self.given.append(given)
        self.male.append(male)
        self.birth.append(birth)
        self.year_only.append(False)
        self.unit.append(unit)
        self.village.append(village)
        self.hh.append(hh)
        self.father.append(father)
        self.mother.append(mother)
        self.spouse.append(-1)
        self.twin.append(-1)
        self.cluster.append(-1)
        self.alive.append(True)
        self.id12.append("")
        self.cmnd.append("")
        self.bhxh.append("")
        return len(self.fam) - 1

    def full_name(self, i: int) -> str:
        return " ".join(p for p in (self.fam[i], self.mid[i], self.given[i]) if p)

    def age(self, i: int) -> int:
        b = self.birth[i]
        return REF.year - b.year - ((REF.month, REF.day) < (b.month, b.day))

    def year(self, i: int) -> int:
        return self.birth[i].year


def _birth_for_age(rng: random.Random, age: float) -> dt.date:
    return dt.date.fromordinal(REF_ORD - int((age + rng.random()) * 365.2425))


def _mid(rng, male):
    return N.pick_mid_male(rng) if male else N.pick_mid_female(rng)


def _given(rng, male):
    return N.pick_given_male(rng) if male else N.pick_given_female(rng)


def _household(w: World, rng: random.Random, hid: int) -> None:
    unit = rng.choices(range(len(OLD_UNITS)), weights=UNIT_WEIGHTS)[0]
    village = rng.choice(w.villages[unit])
    fam = N.pick_family(rng)
    r = rng.random()
    if r < 0.20:  # elderly household
        a = min(99, 60 + int(abs(rng.gauss(0, 11))))
        male = rng.random() < 0.45
        h = w.add(fam if male else N.pick_family(rng), _mid(rng, male), _given(rng, male), male,
                  _birth_for_age(rng, a), unit, village, hid)
        if rng.random() < 0.55:
            a2 = max(55, min(99, a + rng.randint(-6, 6)))
            m2 = not male
            s = w.add(fam if m2 else N.pick_family(rng), _mid(rng, m2), _given(rng, m2), m2,
                      _birth_for_age(rng, a2), unit, village, hid)
            w.spouse[h], w.spouse[s] = s, h
        return
    fa = rng.randint(21, 64)
    ma = max(19, fa - rng.randint(0, 6))
    f = w.add(fam, _mid(rng, True), _given(rng, True), True, _birth_for_age(rng, fa), unit,
              village, hid)
    m = w.add(N.pick_family(rng), _mid(rng, False), _given(rng, False), False,
              _birth_for_age(rng, ma), unit, village, hid)
    w.spouse[f], w.spouse[m] = m, f
    nk = rng.choices([0, 1, 2, 3, 4], weights=[8, 22, 38, 22, 10])[0]
    for _ in range(nk):
        ka = ma - rng.randint(19, 40)
        if ka < 0 or ka > 26:
            continue
        male = rng.random() < 0.51
        b = _birth_for_age(rng, ka)
        k = w.add(fam, _mid(rng, male), _given(rng, male), male, b, unit, village, hid, f, m)
        if rng.random() < 0.012:  # twins
            g1, g2 = rng.choice(N.TWINS_MALE if male else N.TWINS_FEMALE)
            w.given[k] = g1
            t = w.add(fam, w.mid[k], g2, male, b, unit, village, hid, f, m)
            w.twin[k], w.twin[t] = t, k
    if rng.random() < 0.30:  # grandparents living with the family
        ga = fa + rng.randint(22, 34)
        if ga <= 98:
            g = w.add(fam, _mid(rng, True), _given(rng, True), True, _birth_for_age(rng, ga),
                      unit, village, hid)
            if rng.random() < 0.6:
                gm = w.add(N.pick_family(rng), _mid(rng, False), _given(rng, False), False,
                           _birth_for_age(rng, max(50, ga - rng.randint(0, 5))), unit, village,
                           hid)
                w.spouse[g], w.spouse[gm] = gm, g
            w.father[f] = g


def _fresh(taken: set[str], draw) -> str:
    """Draw until the value is not taken yet, then take it (IDs and codes are unique)."""
    while True:
        s = draw()
        if s not in taken:
            taken.add(s)
            return s


def new_id12(w: World, rng: random.Random, male: bool, year: int, prov: str) -> str:
    g = (0 if year < 2000 else 2) + (0 if male else 1)
    return _fresh(w.id_set, lambda: f"{prov}{g}{year % 100:02d}{rng.randrange(1_000_000):06d}")


def new_cmnd(w: World, rng: random.Random) -> str:
    return _fresh(w.cmnd_set, lambda: f"21{rng.randrange(10_000_000):07d}")


def new_bhxh(w: World, rng: random.Random) -> str:
    return _fresh(w.bhxh_set, lambda: f"51{rng.randrange(100_000_000):08d}")


def mst_for(w: World, rng: random.Random, i: int) -> str:
    if i in w.mst:
        return w.mst[i]
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    while True:
        body = f"43{rng.randrange(10_000_000):07d}"
        total = sum(wt * int(d) for wt, d in zip(weights, body, strict=True)) % 11
        if total == 0:
            continue
        s = body + str(10 - total)
        if s not in w.mst_set:
            w.mst_set.add(s)
            w.mst[i] = s
            return s


def build_registry(rng: random.Random, n_target: int) -> World:
    w = World()
    w.villages = villages(rng)
    hid = 0
    while len(w) < n_target:
        _household(w, rng, hid)
        hid += 1
    # what the ages need: at least 17.7% under 16 and 17.1% aged 60+ (scale-1: 30,000 / 29,000)
    def counts():
        young = sum(1 for i in range(len(w)) if w.age(i) < 16)
        old = sum(1 for i in range(len(w)) if w.age(i) >= 60)
        return young, old
    young, old = counts()
    while young < 0.18 * len(w) or old < 0.18 * len(w):
        before = len(w)
        if old < 0.18 * len(w):
            a = min(99, 60 + int(abs(rng.gauss(0, 10))))
            male = rng.random() < 0.45
            unit = rng.choices(range(len(OLD_UNITS)), weights=UNIT_WEIGHTS)[0]
            w.add(N.pick_family(rng), _mid(rng, male), _given(rng, male), male,
                  _birth_for_age(rng, a), unit, rng.choice(w.villages[unit]), hid)
        else:
            _household(w, rng, hid)
        hid += 1
        for i in range(before, len(w)):
            young += w.age(i) < 16
            old += w.age(i) >= 60
    n = len(w)
    w.n_reg = n
    # registry knows only the year for part of the old people
    for i in range(n):
        if w.birth[i].year < 1950 and rng.random() < 0.35:
            w.year_only[i] = True
    _seed_clusters(w, rng)
    # deaths: ~3%, mostly old
    old_idx = [i for i in range(n) if w.age(i) >= 65]
    adult_idx = [i for i in range(n) if 20 <= w.age(i) < 65]
    n_dead = round(0.03 * n)
    n_old = min(len(old_idx), round(n_dead * 0.85))
    for i in rng.sample(old_idx, n_old) + rng.sample(adult_idx, n_dead - n_old):
        w.alive[i] = False
    # identifiers
    for i in range(n):
        y = w.birth[i].year
        prov = "051" if rng.random() < (0.97 if y >= 2000 else 0.9) else rng.choice(PROVINCES)
        w.id12[i] = new_id12(w, rng, w.male[i], y, prov)
        w.id_index[w.id12[i]] = i
        if w.age(i) >= 18 and rng.random() < 0.6:
            w.cmnd[i] = new_cmnd(w, rng)
        w.bhxh[i] = new_bhxh(w, rng)
    return w


def _seed_clusters(w: World, rng: random.Random) -> None:
    """Namesake clusters: same accented full name, gender, birth year and old unit."""
    by_key: dict[tuple, list[int]] = {}
    for i in range(w.n_reg):
        by_key.setdefault((w.male[i], w.unit[i], w.birth[i].year), []).append(i)
    n_clusters = max(3, round(w.n_reg / 330))
    cid = 0
    tries = 0
    while cid < n_clusters and tries < n_clusters * 20:
        tries += 1
        p = rng.randrange(w.n_reg)
        if w.twin[p] >= 0 or w.cluster[p] >= 0:
            continue
        group = [q for q in by_key[(w.male[p], w.unit[p], w.birth[p].year)]
                 if q != p and w.twin[q] < 0 and w.cluster[q] < 0 and w.hh[q] != w.hh[p]]
        if not group:
            continue
        members = [p, *rng.sample(group, min(len(group), rng.choice([1, 1, 2, 3])))]
        male = w.male[p]
        fam = rng.choice(N.COMMON_FAMILY)
        mid = "Văn" if male else "Thị"
        given = rng.choice(N.COMMON_MALE if male else N.COMMON_FEMALE)
        same_date = rng.random() < 0.3
        for q in members:
            w.fam[q], w.mid[q], w.given[q] = fam, mid, given
            w.cluster[q] = cid
            if same_date:
                w.birth[q] = w.birth[p]
                w.year_only[q] = w.year_only[p]
        cid += 1


def registry_rows(w: World) -> dict[str, list[str]]:
    cols: dict[str, list[str]] = {k: [] for k in (
        "so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa", "dia_chi",
        "trang_thai")}
    for i in range(w.n_reg):
        b = w.birth[i]
        cols["so_dinh_danh"].append(w.id12[i])
        cols["so_cmnd"].append(w.cmnd[i])
        cols["ho_ten"].append(w.full_name(i))
        cols["ngay_sinh"].append(str(b.year) if w.year_only[i] else b.strftime("%d/%m/%Y"))
        cols["gioi_tinh"].append("Nam" if w.male[i] else "Nữ")
        cols["ma_xa"].append(new_code(w.unit[i]))
        cols["dia_chi"].append(address(w.unit[i], w.village[i], new=True))
        cols["trang_thai"].append("Còn sống" if w.alive[i] else "Đã chết")
    return cols


class ConfusableIndex:
    """A deliberately LOOSE 'confusable' test, used only to keep non-registry people (not_found
    rows) clear of every resident; ID-less rows of residents use AmbiguityIndex instead.

    Q ~ X when same gender, |year| <= 2 and (family-equivalent accent-free names equal and
    accent-free given names within Levenshtein 1) or (given equal and family within 1).
    """

    def __init__(self, w: World):
        self.groups: dict[tuple, dict[int, list[int]]] = {}
        for i in range(w.n_reg):
            key = (w.male[i], N.fam_key(w.fam[i]), N.af(w.given[i]))
            self.groups.setdefault(key, {}).setdefault(w.birth[i].year, []).append(i)
        self.by_g: dict[tuple, list[tuple]] = {}
        self.by_f: dict[tuple, list[tuple]] = {}
        for key in self.groups:
            male, fk, gk = key
            for d in N.deletes(gk):
                self.by_g.setdefault((male, fk, d), []).append(key)
            for d in N.deletes(fk):
                self.by_f.setdefault((male, gk, d), []).append(key)
        self._cache: dict[tuple, list[tuple]] = {}

    def _keys(self, male: bool, fk: str, gk: str) -> list[tuple]:
        ck = (male, fk, gk)
        got = self._cache.get(ck)
        if got is not None:
            return got
        found: dict[tuple, None] = {}
        for d in N.deletes(gk):
            for key in self.by_g.get((male, fk, d), ()):
                if N.lev1(key[2], gk):
                    found[key] = None
        for d in N.deletes(fk):
            for key in self.by_f.get((male, gk, d), ()):
                if N.lev1(key[1], fk):
                    found[key] = None
        got = list(found)
        self._cache[ck] = got
        return got

    def people(self, male: bool, family: str, given: str, year: int) -> list[int]:
        out: list[int] = []
        for key in self._keys(male, N.fam_key(family), N.af(given)):
            years = self.groups[key]
            for y in range(year - 2, year + 3):
                out.extend(years.get(y, ()))
        return out

    def any_person(self, male: bool, family: str, given: str, year: int) -> bool:
        """bool(people(...)) without building the list (its buckets grow with the scale)."""
        for key in self._keys(male, N.fam_key(family), N.af(given)):
            years = self.groups[key]
            for y in range(year - 2, year + 3):
                if years.get(y):
                    return True
        return False

    def others(self, w: World, i: int, family=None, given=None, year=None) -> list[int]:
        return [q for q in self.people(w.male[i], family if family is not None else w.fam[i],
                                       given if given is not None else w.given[i],
                                       year if year is not None else w.birth[i].year) if q != i]


def names_agree_loose(w: World, a: int, b: int) -> bool:
    """Could an ID check accept b's ID for a row of a (ignoring gender, years within 2)?"""
    if abs(w.birth[a].year - w.birth[b].year) > 2:
        return False
    fa, fb = N.fam_key(w.fam[a]), N.fam_key(w.fam[b])
    ga, gb = N.af(w.given[a]), N.af(w.given[b])
    return (fa == fb and N.lev1(ga, gb)) or (ga == gb and N.lev1(fa, fb))


# ------------------------------------------------------------------------------ the row rule
def mid_compatible(row_mid: str, q_mid: str) -> bool:
    """Accent-free middle names: the row's is equal to Q's, missing, or Q's without Văn/Thị."""
    if row_mid == "" or row_mid == q_mid:
        return True
    words = q_mid.split()
    return bool(words) and words[0] in ("van", "thi") and " ".join(words[1:]) == row_mid


def date_compatible(ev, q_date: dt.date, q_year_only: bool) -> bool:
    """ev: ("full", d, m, y) | ("year", y) | None (what the row shows of the birth)."""
    if ev is None:
        return True
    if ev[0] == "year" or q_year_only:
        y = ev[-1]
        return abs(q_date.year - y) <= 1
    _, d, m, y = ev
    qd, qm, qy = q_date.day, q_date.month, q_date.year
    return ((qd, qm) == (d, m) and abs(qy - y) <= 1) or ((qd, qm, qy) == (m, d, y))


class AmbiguityIndex:
    """The rule for a row WITHOUT a usable ID (the brief): the row of P is ambiguous when some
    other resident Q matches everything the row shows, i.e.

    - same gender;
    - accent-free family name equal up to Huỳnh=Hoàng / Võ=Vũ; middle name compatible (equal,
      missing on the row, or Q's minus a leading Văn/Thị); given name equal, or within one
      edit when (and only when) the row's given name is itself typo'd;
    - birth: a full date on the row matches Q's full date, its day/month swap, or the same
      day/month one year off; a year alone (or 00/00, 0/0, 01/01 stand-ins) matches Q's year
      within one; a registry Q holding only the year matches any date within one year;
    - commune: the registry only knows the post-2025 code, so the row's commune (old or new
      name) matches Q's when both fall in the same new unit; a moved commune matches anyone.

    Refinement (from the first hard run): when the row already departs from P by one identity
    change (ev["changed"]: a name change, a date change or a moved commune), a Q that departs
    from the row by one change of its own is an equal explanation, so Q then also matches when
    only its given name is one edit away OR only its commune differs. (Row "Nguyễn Văn Minh
    12/08/2008, Phổ Minh": P born 08/12/2008 in Phổ Minh versus Q born 12/08/2008 elsewhere:
    a swapped date or a move; nothing on the row settles it.)
    """

    def __init__(self, w: World):
        self.w = w
        self.by_name: dict[tuple, list[int]] = {}
        # the same residents split by birth year: every date rule needs the years within one,
        # so a look-up reads three small lists instead of every namesake (linear generation)
        self.by_year: dict[tuple, dict[int, list[int]]] = {}
        self.givens: dict[tuple, set[str]] = {}
        for i in range(w.n_reg):
            fk, gk = N.fam_key(w.fam[i]), N.af(w.given[i])
            key = (w.male[i], fk, gk)
            self.by_name.setdefault(key, []).append(i)
            self.by_year.setdefault(key, {}).setdefault(w.birth[i].year, []).append(i)
            self.givens.setdefault((w.male[i], fk), set()).add(gk)

    def _candidates(self, key: tuple, date_ev) -> list[int]:
        """Residents of name key `key` whose birth year can pass date_compatible(date_ev, ...),
        in index order (as in by_name)."""
        if date_ev is None:
            return self.by_name.get(key, [])
        years = self.by_year.get(key)
        if not years:
            return []
        y = date_ev[-1]
        out: list[int] = []
        for yy in (y - 1, y, y + 1):
            out.extend(years.get(yy, ()))
        out.sort()
        return out

    def matches(self, p: int, ev: dict) -> list[int]:
        """Residents Q != p the row evidence ev cannot separate from p."""
        w = self.w
        male, fk, gk = ev["male"], N.fam_key(ev["fam"]), N.af(ev["given"])
        mk = N.af(ev["mid"])
        changed = bool(ev.get("changed"))
        gks = [gk]
        if ev.get("typo") or changed:
            gks = [g for g in self.givens.get((male, fk), ()) if N.lev1(g, gk)]
        place, moved = ev.get("place"), ev.get("moved")
        out = []
        for g in gks:
            given_ok = g == gk or bool(ev.get("typo"))
            for q in self._candidates((male, fk, g), ev.get("date")):
                if q == p or not mid_compatible(mk, N.af(w.mid[q])):
                    continue
                if not date_compatible(ev.get("date"), w.birth[q], w.year_only[q]):
                    continue
                place_ok = place is None or moved or new_code(w.unit[q]) == place
                if (given_ok and place_ok) or (changed and (given_ok or place_ok)):
                    out.append(q)
        return out
