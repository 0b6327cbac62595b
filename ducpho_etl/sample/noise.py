"""Row rendering with noise. Every applied kind is recorded (truth column `noise`).

RULE (brief): a registry person's row may lose its usable ID only when nobody in the registry
is confusable with that person (ConfusableIndex), and such a row then carries at most ONE
identity change among {name change, birth-date change, moved commune}; the name as shown must
not be confusable with anyone else either.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from . import names as N
from .people import World, names_agree_loose
from .places import OLD_STYLES, OLD_UNITS, address, new_code, render_unit

GENDER_STYLES = {
    "Nam/Nữ": ("Nam", "Nữ"), "nam/nữ": ("nam", "nữ"), "NAM/NỮ": ("NAM", "NỮ"),
    "Nam/Nu": ("Nam", "Nu"), "M/F": ("M", "F"),
}
DOI_TUONG_BTXH = ["Người cao tuổi từ đủ 80 tuổi", "Người khuyết tật nặng",
                  "Người khuyết tật đặc biệt nặng", "Trẻ em mồ côi", "Người đơn thân nghèo",
                  "Người cao tuổi cô đơn", "Hộ nghèo có người cao tuổi"]
DOI_TUONG_NCC = ["Thương binh", "Bệnh binh", "Thân nhân liệt sĩ", "Bà mẹ Việt Nam anh hùng",
                 "Người HĐKC bị nhiễm chất độc hóa học", "Người có công giúp đỡ cách mạng",
                 "Người hoạt động kháng chiến"]
GHI_CHU = ["", "", "", "", "", "", "Chuyển đến", "Bổ sung", "Hộ nghèo", "Đã cấp thẻ", "Mới"]
TYPO_LETTERS = "abcdeghiklmnopqrstuvxy"


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


class Noiser:
    def __init__(self, w: World, conf, conf_flag: list[bool], rng: random.Random):
        self.w = w
        self.conf = conf
        self.conf_flag = conf_flag
        self.rng = rng
        self.p_noid = 0.6  # for non-confusable people (the only ones allowed to lose the ID)

    # ---------------------------------------------------------------- pieces
    def _name(self, fam, mid, given, spec, kinds, noise, changes) -> tuple[str, str, str]:
        """Returns (shown text, shown family, shown given); `changes` is a 1-item budget list."""
        rng = self.rng
        if "name_change" in kinds:
            if fam in N.FAMILY_SWAP and rng.random() < 0.3 and changes[0] > 0:
                fam = N.FAMILY_SWAP[fam]
                changes[0] -= 1
                noise.append("name_family_variant")
            if (mid in ("Văn", "Thị") or mid.startswith("Thị ")) and rng.random() < 0.04 \
                    and changes[0] > 0:
                mid = "" if mid in ("Văn", "Thị") else mid[4:]
                changes[0] -= 1
                noise.append("name_no_middle")
            if rng.random() < 0.02 and changes[0] > 0:
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
            else:
                text = text.replace(" ", "   ", 1)
        if spec.unicode_text and rng.random() < 0.05:
            text = unicodedata.normalize("NFD", text)
            noise.append("name_nfd")
        return text, fam, given

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
        """Returns (cell value, shown year)."""
        w, rng = self.w, self.rng
        b = w.birth[i]
        y, m, d = b.year, b.month, b.day
        if spec.year_only:
            if w.year_only[i]:
                return self._year_cell(y, spec), y
            changes[0] -= 1
            noise.append("date_year_only")
            return self._year_cell(y, spec), y
        if w.year_only[i]:  # the registry itself knows only the year
            noise.append("date_unknown_day")
            c = rng.random()
            if c < 0.4:
                return f"00/00/{y}", y
            if c < 0.7:
                return self._full(1, 1, y, spec), y
            return self._year_cell(y, spec), y
        if allow_change and changes[0] > 0:
            r = rng.random()
            if r < 0.05:
                changes[0] -= 1
                noise.append("date_year_only")
                return self._year_cell(y, spec), y
            if r < 0.06:
                changes[0] -= 1
                noise.append("date_zero")
                return f"00/00/{y}", y
            if r < 0.07 and d <= 12 and d != m:
                changes[0] -= 1
                noise.append("date_swap")
                return self._full(m, d, y, spec), y
            if r < 0.08:
                y2 = y + rng.choice((-1, 1))
                if lo <= y2 <= hi:
                    changes[0] -= 1
                    noise.append("date_lunar")
                    return self._full(d, m, y2, spec), y2
            if r < 0.083 and 1950 <= y <= 1999 and spec.date_fmt != "excel":
                changes[0] -= 1
                noise.append("date_yy")
                return f"{d:02d}/{m:02d}/{y % 100:02d}", y
        return self._full(d, m, y, spec), y

    def _full(self, d, m, y, spec):
        if spec.date_fmt == "excel":
            return ("date", _safe_date(y, m, d))
        return _fmt_date(d, m, y, spec.date_fmt)

    def _year_cell(self, y, spec):
        if spec.fmt == "xlsx" and self.rng.random() < 0.5:
            return ("num", y)
        return str(y)

    def _gender(self, male: bool, spec, noise) -> str:
        style = spec.gender_style
        if self.rng.random() < 0.03:
            style = self.rng.choice(list(GENDER_STYLES))
            if style != spec.gender_style:
                noise.append("gender_variant")
        return GENDER_STYLES[style][0 if male else 1]

    def _place(self, unit, village, spec, cells, noise):
        if spec.has("xa"):
            style = spec.place_style
            if style in OLD_STYLES and self.rng.random() < 0.05:
                style2 = self.rng.choice(OLD_STYLES)
                if style2 != style:
                    style = style2
                    noise.append("place_variant")
            cells["xa"] = render_unit(unit, style)
        if spec.has("dia_chi"):
            cells["dia_chi"] = address(unit, village, new=spec.new_places)
        if spec.has("thon"):
            cells["thon"] = village

    def _id_cell(self, value: str, spec, noise):
        if (spec.fmt == "xlsx" and len(value) == 12 and value.isdigit()
                and self.rng.random() < spec.numeric_rate):
            noise.append("id_numeric11")
            return ("num", int(value))
        return value

    def _birth_cells(self, cells, value, male, spec, noise):
        if spec.has("namnu"):
            cells["ngay_sinh_nam" if male else "ngay_sinh_nu"] = value
        else:
            cells["ngay_sinh"] = value
            if spec.has("gioi_tinh"):
                cells["gioi_tinh"] = self._gender(male, spec, noise)

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
        w = self.w
        cands = [w.mother[i], w.father[i]] if src == "tre_em" else [w.spouse[i]]
        for r in cands:
            if 0 <= r < w.n_reg and not names_agree_loose(w, i, r):
                return w.id12[r]
        return ""

    def _unknown_cmnd(self) -> str:
        while True:
            s = f"21{self.rng.randrange(10_000_000):07d}"
            if s not in self.w.cmnd_set:
                return s

    # ---------------------------------------------------------------- rows
    def person_row(self, i: int, spec, src: str, lo: int, hi: int) -> tuple[dict, list[str]]:
        rng, w = self.rng, self.w
        scen = "ok"
        if not self.conf_flag[i] and rng.random() < self.p_noid:
            opts = ["missing", "typo", "relative", "cmnd_unknown", "sci"]
            wts = [8, 3, 2, 1 if spec.cmnd_slot else 0, 3 if spec.fmt == "csv" else 0]
            scen = rng.choices(opts, weights=wts)[0]
        else:
            u = rng.random()
            if u < 0.02:
                scen = "spaced"
            elif u < 0.06 and w.cmnd[i] and spec.cmnd_slot:
                scen = "cmnd"
        for _attempt in range(2):
            cells, noise = self._person_cells(i, spec, src, lo, hi, scen)
            if cells is not None:
                return cells, noise
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
            idv = f"{int(idv):.5E}"
            noise.append("id_scientific")
        elif scen == "spaced":
            sep = rng.choice((" ", ".", " "))
            idv = (f"{idv[:3]}{sep}{idv[3:6]}{sep}{idv[6:9]}{sep}{idv[9:]}" if rng.random() < 0.7
                   else f"{idv[:4]} {idv[4:8]} {idv[8:]}")
            noise.append("id_spaced")
        elif scen == "cmnd":
            idv, cm = "", w.cmnd[i]
            noise.append("id_cmnd")
        usable = scen in ("ok", "spaced", "cmnd")
        if cm:
            if spec.has("so_cmnd") and (not spec.combined_id or rng.random() < 0.5):
                cells["so_cmnd"] = cm
            else:
                cells["so_dinh_danh"] = cm
        elif scen == "ok" and spec.has("so_cmnd") and w.cmnd[i] and rng.random() < 0.4:
            cells["so_cmnd"] = w.cmnd[i]
        if idv:
            cells["so_dinh_danh"] = self._id_cell(idv, spec, noise) if scen != "sci" else idv
        changes = [99 if usable else 1]
        # --- date (first: a year-only form uses the one allowed change)
        dval, shown_year = self._date(i, spec, noise, changes, lo, hi)
        # --- name
        text, sfam, sgiven = self._name(w.fam[i], w.mid[i], w.given[i], spec,
                                         ("name_change", "accents"), noise, changes)
        cells["ho_ten"] = text
        self._birth_cells(cells, dval, w.male[i], spec, noise)
        # --- place
        unit, village = w.unit[i], w.village[i]
        if changes[0] > 0 and rng.random() < 0.03:
            changes[0] -= 1
            noise.append("place_moved")
            unit = rng.choice([u for u in range(len(OLD_UNITS))
                               if new_code(u) != new_code(w.unit[i])])
            village = rng.choice(w.villages[unit])
        self._place(unit, village, spec, cells, noise)
        cells["_unit"] = unit
        self._extras(i, spec, cells, noise, src)
        if not usable:
            assert changes[0] >= 0
            if self.conf.others(w, i, family=sfam, given=sgiven, year=shown_year):
                return None, None
        return cells, noise

    def plain_row(self, i: int, spec, src: str, with_id: bool) -> tuple[dict, list[str]]:
        """Formatting-only rendering (non-registry people, their copies, review rows)."""
        w, _rng = self.w, self.rng
        noise: list[str] = []
        cells: dict = {}
        if with_id and w.id12[i]:
            cells["so_dinh_danh"] = self._id_cell(w.id12[i], spec, noise)
        changes = [0]
        dval, _ = self._date(i, spec, noise, changes, 0, 9999, allow_change=False)
        text, _, _ = self._name(w.fam[i], w.mid[i], w.given[i], spec, ("accents",), noise,
                                changes)
        cells["ho_ten"] = text
        self._birth_cells(cells, dval, w.male[i], spec, noise)
        self._place(w.unit[i], w.village[i], spec, cells, noise)
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
        self._birth_cells(cells, dval, w.male[i], spec, noise)
        self._place(w.unit[i], w.village[i], spec, cells, noise)
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
        w, rng = self.w, self.rng
        cells: dict = {}
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
        self._place(unit, village, spec, cells, [])
        cells["_unit"] = unit
        if spec.has("ghi_chu"):
            cells["ghi_chu"] = rng.choice(["Chưa có thông tin", "Thiếu thông tin", "", "Chuyển đi"])
        return cells, ["no_name" if kind == "no_name" else "no_id_no_date"]
