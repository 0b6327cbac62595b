"""Row rendering with noise. Every applied kind is recorded (truth column `noise`).

RULE (brief): a registry person's row may lose its usable ID only when the row as shown stays
unambiguous: no other resident matches everything the row shows (people.AmbiguityIndex: gender,
accent-free name with Huỳnh=Hoàng / Võ=Vũ, middle name compatible, given name within one edit
only when the row's given name is typo'd, birth date or year, post-2025 commune unless moved).
An ID-less row carries at most ONE identity change among {name change beyond case, spacing,
NFD and accents; birth-date change; moved commune}. When the ID-less rendering is ambiguous the
row keeps its ID instead (its planned status stays exact).

Rates differ per source (PROFILES): the elderly list comes from paper forms (year-only dates,
old CMND, no ID), the tax list is clean, children's rows carry a parent's ID and NFD names.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from . import names as N
from .linkage_phenomena import gender_slip, short_given_slip
from .people import AmbiguityIndex, World, names_agree_loose
from .places import OLD_STYLES, OLD_UNITS, address, new_code, render_unit

GENDER_STYLES = {
    "Nam/Nữ": ("Nam", "Nữ"), "nam/nữ": ("nam", "nữ"), "NAM/NỮ": ("NAM", "NỮ"),
    "Nam/Nu": ("Nam", "Nu"), "M/F": ("M", "F"),
}
# spellings typed by hand: (male, female); "N" alone for Nữ only where an ID settles the row
GENDER_ODD_MALE = ["nam ", " Nam", "NAM", "Nam.", "nam"]
GENDER_ODD_FEMALE = ["Nư", "nu", "NU", "Nữ ", "nữ", "Nu."]
DOI_TUONG_BTXH = ["Người cao tuổi từ đủ 80 tuổi", "Người khuyết tật nặng",
                  "Người khuyết tật đặc biệt nặng", "Trẻ em mồ côi", "Người đơn thân nghèo",
                  "Người cao tuổi cô đơn", "Hộ nghèo có người cao tuổi"]
DOI_TUONG_NCC = ["Thương binh", "Bệnh binh", "Thân nhân liệt sĩ", "Bà mẹ Việt Nam anh hùng",
                 "Người HĐKC bị nhiễm chất độc hóa học", "Người có công giúp đỡ cách mạng",
                 "Người hoạt động kháng chiến"]
GHI_CHU = ["", "", "", "", "", "", "Chuyển đến", "Bổ sung", "Hộ nghèo", "Đã cấp thẻ", "Mới"]
TYPO_LETTERS = "abcdeghiklmnopqrstuvxy"
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Profile:
    """Per-source noise rates (shares of that source's registry-person rows)."""

    noid: float  # rows drawn to lose a usable ID (kept when the rendering is ambiguous)
    id_mix: dict = field(default_factory=dict)  # weights among the ID-less scenarios
    cmnd: float = 0.04  # old CMND instead of the CCCD (usable through the registry)
    spaced: float = 0.02
    apostrophe: float = 0.01  # "'051..." (text-forced cell)
    year_only: float = 0.05
    zero: float = 0.01  # 00/00/yyyy, 0/0/yyyy
    swap: float = 0.01
    lunar: float = 0.01
    yy: float = 0.004  # two-digit year
    serial: float = 0.0  # Excel serial number as text in a CSV ("29221")
    nfd: float = 0.05
    dot: float = 0.005  # trailing dot(s) after the name
    gender_odd: float = 0.01
    moved: float = 0.03
    new_name: float = 0.01  # post-2025 unit name typed in a pre-2025 list
    no_middle: float = 0.04
    typo: float = 0.02
    family_variant: float = 0.3  # share of Huỳnh/Hoàng/Võ/Vũ rows written the other way
    jan1: float = 0.003  # 01/01 written for a day the agency did not know (the registry does)


_MIX_ADULT = {"missing": 6, "typo": 2, "relative": 1, "cmnd_unknown": 1, "sci": 3}
PROFILES: dict[str, Profile] = {
    "hoi_nong_dan": Profile(0.12, _MIX_ADULT, yy=0.008, serial=0.01, dot=0.01,
                            gender_odd=0.02, new_name=0.02),
    "bhxh": Profile(0.115, {"missing": 5, "typo": 3, "relative": 1, "cmnd_unknown": 1, "sci": 4},
                    apostrophe=0.03, serial=0.015, spaced=0.03),
    "thue": Profile(0.11, {"missing": 5, "typo": 3, "relative": 1, "sci": 2}, cmnd=0.02,
                    spaced=0.01, apostrophe=0.02, year_only=0.02, zero=0.005, yy=0.002),
    "tre_em": Profile(0.275, {"missing": 13, "relative": 4, "typo": 3, "sci": 3}, cmnd=0.0,
                      year_only=0.03, yy=0.01, serial=0.02, nfd=0.15, dot=0.005,
                      no_middle=0.03),
    "nguoi_cao_tuoi": Profile(0.32, {"missing": 12, "typo": 3, "relative": 1,
                                     "cmnd_unknown": 6, "sci": 3},
                              cmnd=0.15, year_only=0.25, zero=0.04, yy=0.025, serial=0.01,
                              dot=0.02, gender_odd=0.03, new_name=0.02, no_middle=0.06,
                              jan1=0.01),
    "bao_tro_xa_hoi": Profile(0.295, {"missing": 12, "typo": 4, "relative": 2,
                                     "cmnd_unknown": 3, "sci": 2},
                              cmnd=0.08, year_only=0.12, zero=0.02, yy=0.015, serial=0.01,
                              dot=0.015, gender_odd=0.03, new_name=0.02, jan1=0.008),
    "nguoi_co_cong": Profile(0.30, {"missing": 12, "typo": 3, "relative": 2,
                                    "cmnd_unknown": 4, "sci": 3},
                             cmnd=0.10, year_only=0.15, zero=0.03, yy=0.02, dot=0.02,
                             gender_odd=0.03, new_name=0.02, jan1=0.008),
}
USABLE = ("ok", "spaced", "cmnd", "apostrophe")
IDENTITY_CHANGES = frozenset({"name_family_variant", "name_no_middle", "name_typo", "date_year_only",
                              "date_zero", "date_swap", "date_lunar", "date_yy", "place_moved",
                              "date_jan1_stand_in"})


def _fmt_date(d: int, m: int, y: int, fmt: str) -> str:
    if fmt == "dd/mm/yyyy":
        return f"{d:02d}/{m:02d}/{y}"
    if fmt == "d/m/yyyy":
        return f"{d}/{m}/{y}"
    if fmt == "dd-mm-yyyy":
        return f"{d:02d}-{m:02d}-{y}"
    if fmt == "dd.mm.yyyy":
        return f"{d:02d}.{m:02d}.{y}"
    if fmt == "yyyy-mm-dd":
        return f"{y}-{m:02d}-{d:02d}"
    raise ValueError(fmt)


def _safe_date(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return dt.date(y, m, 28)


def date_ev(d: int, m: int, y: int) -> tuple:
    """What a shown full date tells: 01/01 is the usual stand-in for an unknown day."""
    return ("year", y) if (d, m) == (1, 1) else ("full", d, m, y)


def excel_sci(value: int) -> str:
    """Excel's General format for a big number: 6 significant digits, zeros trimmed."""
    mant, exp = f"{value:.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{exp[0]}{int(exp[1:]):02d}"


# the lists of old people, whose allowance a grown child often collects
ELDER_SOURCES = frozenset({"nguoi_cao_tuoi", "bao_tro_xa_hoi", "nguoi_co_cong"})


class Noiser:
    def __init__(self, w: World, conf, amb: AmbiguityIndex, rng: random.Random,
                 source: str = "bhxh", slip_rng: random.Random | None = None,
                 date_rng: random.Random | None = None):
        self.w = w
        self.conf = conf
        self.amb = amb
        self.rng = rng
        # the linkage slips draw from their own stream: the other noise stays as it was
        self.slip_rng = slip_rng or random.Random(f"{source}:slips")
        self.kin_rng = random.Random(f"{source}:kin")  # the same for the relatives' IDs
        self.date_rng = date_rng or random.Random(f"{source}:dates")  # and for 01/01 stand-ins
        self._by_family: dict[str, list[int]] | None = None
        self.src = source
        self.prof = PROFILES[source]
        self.stats: Counter = Counter()

    # ---------------------------------------------------------------- pieces
    def _name(self, fam, mid, given, spec, kinds, noise, changes):
        """Returns (shown text, shown family, shown middle, shown given); `changes` is a
        1-item budget list."""
        rng, pr = self.rng, self.prof
        if "name_change" in kinds:
            if fam in N.FAMILY_SWAP and rng.random() < pr.family_variant and changes[0] > 0:
                fam = N.FAMILY_SWAP[fam]
                changes[0] -= 1
                noise.append("name_family_variant")
            if (mid in ("Văn", "Thị") or mid.startswith("Thị ")) and rng.random() < pr.no_middle \
                    and changes[0] > 0:
                mid = "" if mid in ("Văn", "Thị") else mid[4:]
                changes[0] -= 1
                noise.append("name_no_middle")
            if rng.random() < pr.typo and changes[0] > 0:
                typo = self._typo(given)
                if typo:
                    given = typo
                    changes[0] -= 1
                    noise.append("name_typo")
        parts = [p for p in (fam, mid, given) if p]
        text = " ".join(parts)
        r = rng.random()
        if r < 0.03 and "accents" in kinds:
            text = N.strip_accents(text)
            noise.append("name_no_accents")
        if spec.name_upper:
            text = text.upper()
        elif r > 0.90:
            text = text.upper() if r > 0.94 else text.lower()
            noise.append("name_upper" if r > 0.94 else "name_lower")
        if rng.random() < 0.05:
            noise.append("name_spaces")
            c = rng.random()
            if c < 0.4:
                text = "  ".join(text.split(" "))
            elif c < 0.7:
                text = " " + text + "  "
            elif c < 0.85:
                text = text.replace(" ", "   ", 1)
            else:  # one double space inside only
                k = text.rfind(" ")
                text = text[:k] + "  " + text[k + 1:]
        if rng.random() < pr.dot:
            text = text.rstrip() + rng.choice((".", ".", "..", " ."))
            noise.append("name_trailing_dot")
        if spec.unicode_text and rng.random() < pr.nfd:
            text = unicodedata.normalize("NFD", text)
            noise.append("name_nfd")
        return text, fam, mid, given

    def _typo(self, given: str) -> str | None:
        rng = self.rng
        if len(given) < 3:
            return None
        for _ in range(5):
            k = rng.randrange(1, len(given))
            c = rng.choice(TYPO_LETTERS)
            new = given[:k] + c + given[k + 1:]
            if N.af(new) != N.af(given) and N.lev1(N.af(new), N.af(given)):
                return new
        return None

    def _date(self, i, spec, noise, changes, lo, hi, allow_change=True):
        """Returns (cell value, evidence: ("full", d, m, y) | ("year", y))."""
        w, rng, pr = self.w, self.rng, self.prof
        b = w.birth[i]
        y, m, d = b.year, b.month, b.day
        if spec.year_only:
            if not w.year_only[i]:
                changes[0] -= 1
                noise.append("date_year_only")
            return self._year_cell(y, spec), ("year", y)
        if w.year_only[i]:  # the registry itself knows only the year
            noise.append("date_unknown_day")
            c = rng.random()
            if c < 0.25:
                return f"00/00/{y}", ("year", y)
            if c < 0.4:
                return f"0/0/{y}", ("year", y)
            if c < 0.7:
                return self._full(1, 1, y, spec), ("year", y)
            return self._year_cell(y, spec), ("year", y)
        if allow_change and changes[0] > 0:
            r = rng.random()
            t = pr.year_only
            if r < t:
                changes[0] -= 1
                noise.append("date_year_only")
                return self._year_cell(y, spec), ("year", y)
            t += pr.zero
            if r < t:
                changes[0] -= 1
                noise.append("date_zero")
                return (f"00/00/{y}" if rng.random() < 0.6 else f"0/0/{y}"), ("year", y)
            t += pr.swap
            if r < t and d <= 12 and d != m:
                changes[0] -= 1
                noise.append("date_swap")
                return self._full(m, d, y, spec), date_ev(m, d, y)
            t += pr.lunar
            if r < t:
                y2 = y + rng.choice((-1, 1))
                if lo <= y2 <= hi:
                    changes[0] -= 1
                    noise.append("date_lunar")
                    return self._full(d, m, y2, spec), date_ev(d, m, y2)
            t += pr.yy
            if r < t and spec.date_fmt != "excel" and (
                    1930 <= y <= 1999 or (self.src == "tre_em" and 2000 <= y <= 2023)):
                changes[0] -= 1
                noise.append("date_yy")
                fmt = spec.date_fmt if spec.date_fmt != "yyyy-mm-dd" else "dd/mm/yyyy"
                s = _fmt_date(d, m, y, fmt)
                return s[:-4] + s[-2:], date_ev(d, m, y)
        if y >= 1901 and allow_change and rng.random() < pr.serial:
            serial = (dt.date(y, m, d) - EXCEL_EPOCH).days
            if spec.fmt == "csv":
                noise.append("date_serial_text")
                return str(serial), date_ev(d, m, y)
            if spec.date_fmt == "excel":  # a date cell that lost its date format
                noise.append("date_serial_number")
                return ("num", serial), date_ev(d, m, y)
        if allow_change and changes[0] > 0 and (d, m) != (1, 1) \
                and self.date_rng.random() < pr.jan1:
            changes[0] -= 1
            noise.append("date_jan1_stand_in")
            return self._full(1, 1, y, spec), ("year", y)
        return self._full(d, m, y, spec), date_ev(d, m, y)

    def _full(self, d, m, y, spec):
        if spec.date_fmt == "excel":
            return ("date", _safe_date(y, m, d))
        return _fmt_date(d, m, y, spec.date_fmt)

    def _year_cell(self, y, spec):
        if spec.fmt == "xlsx" and self.rng.random() < 0.5:
            return ("num", y)
        return str(y)

    def _gender(self, male: bool, spec, noise, usable: bool = True) -> str:
        style = spec.gender_style
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            style = rng.choice(list(GENDER_STYLES))
            if style != spec.gender_style:
                noise.append("gender_variant")
        elif r < 0.03 + self.prof.gender_odd:
            if not male and usable and rng.random() < 0.25:
                noise.append("gender_n")
                return "N"
            noise.append("gender_odd")
            return rng.choice(GENDER_ODD_MALE if male else GENDER_ODD_FEMALE)
        return GENDER_STYLES[style][0 if male else 1]

    def _place(self, unit, village, spec, cells, noise, allow_new_name=True):
        """Writes the place cells; returns the post-2025 code they show (None: no commune)."""
        shown = None
        if spec.has("xa"):
            style = spec.place_style
            if style in OLD_STYLES:
                r = self.rng.random()
                if allow_new_name and r < self.prof.new_name:
                    style = "new_full"
                    noise.append("place_new_name")
                elif r > 0.95:
                    style2 = self.rng.choice(OLD_STYLES)
                    if style2 != style:
                        style = style2
                        noise.append("place_variant")
            cells["xa"] = render_unit(unit, style)
            shown = new_code(unit)
        if spec.has("dia_chi"):
            cells["dia_chi"] = address(unit, village, new=spec.new_places)
            shown = new_code(unit)
        if spec.has("thon"):
            cells["thon"] = village
        return shown

    def _id_cell(self, value: str, spec, noise):
        if (spec.fmt == "xlsx" and len(value) == 12 and value.isdigit()
                and self.rng.random() < spec.numeric_rate):
            noise.append("id_numeric11")
            return ("num", int(value))
        return value

    def _birth_cells(self, cells, value, male, spec, noise, usable=True):
        if spec.has("namnu"):
            cells["ngay_sinh_nam" if male else "ngay_sinh_nu"] = value
        else:
            cells["ngay_sinh"] = value
            if spec.has("gioi_tinh"):
                cells["gioi_tinh"] = self._gender(male, spec, noise, usable)

    def _extras(self, i, spec, cells, noise, src):
        w, rng = self.w, self.rng
        if spec.has("ma_bhxh") or spec.has("the_bhyt"):
            code = w.bhxh[i]
            only_card = spec.has("the_bhyt") and rng.random() < 0.1
            if spec.has("ma_bhxh") and not only_card:
                cells["ma_bhxh"] = code
            if spec.has("the_bhyt") and (only_card or rng.random() < 0.6):
                a = w.age(i)
                grp = ("TE1" if a < 6 else "HS4" if a < 18 else "HT3" if a >= 60
                       else rng.choice(("DN4", "HC4", "GD4", "HN2")))
                cells["the_bhyt"] = f"{grp[:2]}{grp[2]}51{code}"
                if only_card:
                    noise.append("bhyt_only")
        if spec.has("mst"):
            from .people import mst_for
            cells["mst"] = mst_for(w, rng, i)
        if spec.has("ho_ten_cha_me"):
            par = w.mother[i] if rng.random() < 0.6 else w.father[i]
            if par < 0:
                par = w.father[i] if w.father[i] >= 0 else w.mother[i]
            cells["ho_ten_cha_me"] = w.full_name(par) if par >= 0 else ""
        if spec.has("doi_tuong"):
            cells["doi_tuong"] = rng.choice(DOI_TUONG_NCC if src == "nguoi_co_cong"
                                            else DOI_TUONG_BTXH)
        if spec.has("ghi_chu"):
            cells["ghi_chu"] = rng.choice(GHI_CHU)

    # ---------------------------------------------------------------- IDs
    def _typo_id(self, i) -> tuple[str, bool]:
        w, rng = self.w, self.rng
        s = w.id12[i]
        want_real = rng.random() < 0.3
        for _ in range(12):
            k = rng.randrange(6, 12) if want_real else rng.randrange(3, 12)
            digits = [c for c in "0123456789" if c != s[k]]
            rng.shuffle(digits)
            cands = [s[:k] + c + s[k + 1:] for c in digits]
            if want_real:
                for c in cands:
                    q = w.id_index.get(c)
                    if q is not None and q < w.n_reg and not names_agree_loose(w, i, q):
                        return c, True
            for c in cands:
                q = w.id_index.get(c)
                if q is None:
                    return c, False
                if not names_agree_loose(w, i, q):
                    return c, True
        return "", False

    def _relative_id(self, i, src) -> str:
        """A parent's ID on a child's row, a spouse's on an adult's; on an elder's row, half the
        time the ID of a grown child of the family name who lives in another household (the
        one who collects the allowance), else the spouse's."""
        w = self.w
        cands = [w.mother[i], w.father[i]] if src == "tre_em" else [w.spouse[i]]
        if src in ELDER_SOURCES and self.kin_rng.random() < 0.5:
            cands = [self._child_elsewhere(i), *cands]
        for r in cands:
            if 0 <= r < w.n_reg and not names_agree_loose(w, i, r):
                return w.id12[r]
        return ""

    def _child_elsewhere(self, i: int) -> int:
        """A resident of i's family name, 20 to 45 years younger, of another household; -1 if
        a few draws find none."""
        w = self.w
        if self._by_family is None:
            self._by_family = {}
            for r in range(w.n_reg):
                self._by_family.setdefault(w.fam[r], []).append(r)
        same = self._by_family.get(w.fam[i], [])
        for _ in range(200 if same else 0):
            r = same[self.kin_rng.randrange(len(same))]
            if w.hh[r] != w.hh[i] and 20 <= w.year(r) - w.year(i) <= 45:
                return r
        return -1

    def _unknown_cmnd(self) -> str:
        while True:
            s = f"21{self.rng.randrange(10_000_000):07d}"
            if s not in self.w.cmnd_set:
                return s

    def _sci(self, idv: str) -> str:
        """A 12-digit ID through Excel into CSV text: 11 digits (leading 0 dropped) shown as
        "5.10851E+10", or, typed with the 0 replaced, a 12-digit number "5.10851E+11"."""
        v = int(idv)
        if self.rng.random() < 0.4:
            v = int(idv.lstrip("0") + "0" * (len(idv) - len(idv.lstrip("0"))))
        s = excel_sci(v)
        return s.lower() if self.rng.random() < 0.1 else s

    # ---------------------------------------------------------------- rows
    def _scenario(self, i: int, spec) -> str:
        rng, w, pr = self.rng, self.w, self.prof
        if rng.random() < pr.noid:
            mix = dict(pr.id_mix)
            if not spec.cmnd_slot:
                mix.pop("cmnd_unknown", None)
            if spec.fmt != "csv":
                mix.pop("sci", None)
            opts = list(mix)
            return rng.choices(opts, weights=[mix[k] for k in opts])[0]
        u = rng.random()
        if u < pr.spaced:
            return "spaced"
        u -= pr.spaced
        if u < pr.apostrophe:
            return "apostrophe"
        u -= pr.apostrophe
        if u < pr.cmnd and w.cmnd[i] and spec.cmnd_slot:
            return "cmnd"
        return "ok"

    def person_row(self, i: int, spec, src: str, lo: int, hi: int) -> tuple[dict, list[str]]:
        scen = self._scenario(i, spec)
        usable = scen in USABLE
        self.stats["rows"] += 1
        if not usable:
            self.stats["noid_drawn"] += 1
        for _attempt in range(3):
            cells, noise, ev = self._person_cells(i, spec, src, lo, hi, scen)
            if scen in USABLE:
                return cells, noise
            if not self.amb.matches(i, ev):
                self.stats["noid"] += 1
                return cells, noise
            self.stats["noid_ambiguous_kept_id"] += 1
            scen = "ok"
        raise AssertionError("unreachable")

    def _person_cells(self, i, spec, src, lo, hi, scen):
        rng, w = self.rng, self.w
        noise: list[str] = []
        cells: dict = {}
        # --- ID
        idv, cm = w.id12[i], ""
        if scen == "missing":
            idv = ""
            noise.append("id_missing")
        elif scen == "typo":
            idv, real = self._typo_id(i)
            noise.append("id_typo_real" if real else "id_typo")
            if not idv:
                noise[-1] = "id_missing"
        elif scen == "relative":
            idv = self._relative_id(i, src)
            noise.append("id_relative" if idv else "id_missing")
        elif scen == "cmnd_unknown":
            idv, cm = "", self._unknown_cmnd()
            noise.append("id_cmnd_unknown")
        elif scen == "sci":
            idv = self._sci(idv)
            noise.append("id_scientific")
        elif scen == "spaced":
            sep = rng.choice((" ", ".", " "))
            idv = (f"{idv[:3]}{sep}{idv[3:6]}{sep}{idv[6:9]}{sep}{idv[9:]}" if rng.random() < 0.7
                   else f"{idv[:4]} {idv[4:8]} {idv[8:]}")
            noise.append("id_spaced")
        elif scen == "apostrophe":
            idv = "'" + idv
            noise.append("id_apostrophe")
        elif scen == "cmnd":
            idv, cm = "", w.cmnd[i]
            noise.append("id_cmnd")
        usable = scen in USABLE
        if cm:
            if spec.has("so_cmnd") and (not spec.combined_id or rng.random() < 0.5):
                cells["so_cmnd"] = cm
            else:
                cells["so_dinh_danh"] = cm
        elif scen == "ok" and spec.has("so_cmnd") and w.cmnd[i] and rng.random() < 0.4:
            cells["so_cmnd"] = w.cmnd[i]
        if idv:
            cells["so_dinh_danh"] = self._id_cell(idv, spec, noise) if scen in (
                "ok", "spaced", "typo", "relative") else idv
        changes = [99 if usable else 1]
        # --- date (first: a year-only form uses the one allowed change)
        dval, d_ev = self._date(i, spec, noise, changes, lo, hi)
        # --- name
        full_date = d_ev[0] == "full"
        given = short_given_slip(w.given[i], self.slip_rng, usable and full_date, noise)
        text, sfam, smid, sgiven = self._name(w.fam[i], w.mid[i], given, spec,
                                               ("name_change", "accents"), noise, changes)
        cells["ho_ten"] = text
        male = gender_slip(w.male[i], self.slip_rng, usable, noise)
        self._birth_cells(cells, dval, male, spec, noise, usable)
        # --- place
        unit, village = w.unit[i], w.village[i]
        moved = False
        if changes[0] > 0 and rng.random() < self.prof.moved:
            changes[0] -= 1
            moved = True
            noise.append("place_moved")
            unit = rng.choice([u for u in range(len(OLD_UNITS))
                               if new_code(u) != new_code(w.unit[i])])
            village = rng.choice(w.villages[unit])
        shown_place = self._place(unit, village, spec, cells, noise)
        cells["_unit"] = unit
        self._extras(i, spec, cells, noise, src)
        assert usable or changes[0] >= 0
        ev = {"male": w.male[i], "fam": sfam, "mid": smid, "given": sgiven,
              "typo": "name_typo" in noise, "date": d_ev, "place": shown_place, "moved": moved,
              "changed": bool(IDENTITY_CHANGES.intersection(noise))}
        return cells, noise, ev

    def plain_row(self, i: int, spec, src: str, with_id: bool) -> tuple[dict, list[str]]:
        """Formatting-only rendering (non-registry people and their copies)."""
        w = self.w
        noise: list[str] = []
        cells: dict = {}
        if with_id and w.id12[i]:
            cells["so_dinh_danh"] = self._id_cell(w.id12[i], spec, noise)
        changes = [0]
        dval, _ = self._date(i, spec, noise, changes, 0, 9999, allow_change=False)
        text, _, _, _ = self._name(w.fam[i], w.mid[i], w.given[i], spec, ("accents",), noise,
                                   changes)
        cells["ho_ten"] = text
        self._birth_cells(cells, dval, w.male[i], spec, noise, usable=False)
        self._place(w.unit[i], w.village[i], spec, cells, noise, allow_new_name=False)
        cells["_unit"] = w.unit[i]
        self._extras(i, spec, cells, noise, src)
        return cells, noise

    def review_row(self, i: int, spec, src: str) -> tuple[dict, list[str]]:
        w, rng = self.w, self.rng
        noise = ["review_namesake"]
        cells: dict = {}
        b = w.birth[i]
        share_date = any(q != i and w.birth[q] == b for q in self._cluster_members(i))
        if share_date and not w.year_only[i] and not spec.year_only and rng.random() < 0.5:
            dval = self._full(b.day, b.month, b.year, spec)
        else:
            dval = self._year_cell(b.year, spec)
            noise.append("date_year_only")
        text = w.full_name(i)
        if rng.random() < 0.3:
            text = text.upper()
            noise.append("name_upper")
        cells["ho_ten"] = text
        self._birth_cells(cells, dval, w.male[i], spec, noise, usable=False)
        self._place(w.unit[i], w.village[i], spec, cells, noise, allow_new_name=False)
        cells["_unit"] = w.unit[i]
        if spec.has("ghi_chu"):
            cells["ghi_chu"] = rng.choice(GHI_CHU)
        if spec.has("doi_tuong"):
            cells["doi_tuong"] = rng.choice(DOI_TUONG_NCC if src == "nguoi_co_cong"
                                            else DOI_TUONG_BTXH)
        return cells, noise

    def _cluster_members(self, i):
        c = self.w.cluster[i]
        return self.conf.cluster_members.get(c, ()) if c >= 0 else ()

    def reject_row(self, kind: str, spec, src: str, lo: int, hi: int) -> tuple[dict, list[str]]:
        """no_name: birth, gender, place but no name; no_date: a name without ID or birth;
        stt_only: only the running number (a numbered line left empty)."""
        w, rng = self.w, self.rng
        cells: dict = {}
        if kind == "stt_only" and spec.has("stt"):
            cells["__stt_only__"] = True
            cells["_unit"] = rng.randrange(len(OLD_UNITS))
            return cells, ["stt_only"]
        if kind == "stt_only":
            kind = "no_name"
        male = rng.random() < 0.5
        unit = rng.randrange(len(OLD_UNITS))
        village = rng.choice(w.villages[unit])
        y = rng.randint(max(lo, 1925), min(hi, 2022))
        if kind == "no_name":
            d = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
            dval = self._full(d.day, d.month, d.year, spec) if not spec.year_only else str(y)
            self._birth_cells(cells, dval, male, spec, [])
            cells["ho_ten"] = ""
        else:
            fam = N.pick_family(rng)
            cells["ho_ten"] = " ".join((fam, (N.pick_mid_male if male else N.pick_mid_female)(rng),
                                        (N.pick_given_male if male else N.pick_given_female)(rng)))
            if spec.has("gioi_tinh"):
                cells["gioi_tinh"] = GENDER_STYLES[spec.gender_style][0 if male else 1]
        self._place(unit, village, spec, cells, [], allow_new_name=False)
        cells["_unit"] = unit
        if spec.has("ghi_chu"):
            cells["ghi_chu"] = rng.choice(["Chưa có thông tin", "Thiếu thông tin", "", "Chuyển đi"])
        return cells, ["no_name" if kind == "no_name" else "no_id_no_date"]
