"""Đức Phổ units before and after 1 July 2025 (domain.md crosswalk) and how people write them."""

from __future__ import annotations

import random

from .names import strip_accents

# old units: (code, kind, name, new code)
OLD_UNITS = [
    ("21439", "Phường", "Nguyễn Nghiêm", "21439"),
    ("21451", "Phường", "Phổ Văn", "21451"),
    ("21454", "Phường", "Phổ Quang", "21451"),
    ("21460", "Phường", "Phổ Ninh", "21439"),
    ("21463", "Phường", "Phổ Minh", "21439"),
    ("21466", "Phường", "Phổ Vinh", "21439"),
    ("21469", "Phường", "Phổ Hòa", "21439"),
    ("21478", "Phường", "Phổ Thạnh", "21478"),
    ("21442", "Xã", "Phổ An", "21451"),
    ("21445", "Xã", "Phổ Phong", "21457"),
    ("21448", "Xã", "Phổ Thuận", "21451"),
    ("21457", "Xã", "Phổ Nhơn", "21457"),
    ("21472", "Xã", "Phổ Cường", "21472"),
    ("21475", "Xã", "Phổ Khánh", "21472"),
    ("21481", "Xã", "Phổ Châu", "21478"),
]
UNIT_WEIGHTS = [14, 7, 6, 7, 6, 6, 6, 8, 7, 7, 6, 6, 7, 5, 5]
NEW_UNITS = {
    "21439": ("Phường", "Đức Phổ"),
    "21451": ("Phường", "Trà Câu"),
    "21478": ("Phường", "Sa Huỳnh"),
    "21457": ("Xã", "Nguyễn Nghiêm"),
    "21472": ("Xã", "Khánh Cường"),
}
_VILLAGE_NAMES = [
    "An Thạch", "Hưng Long", "Trung Sơn", "Đông Quang", "Tân Bình", "Thạch Bi", "Vĩnh Bình",
    "Hải Tân", "Long Thạnh", "Phước Hòa", "Thủy Thạch", "Mỹ Trang", "Liên Trì", "Diêm Điền",
    "Châu Me", "Hòa Thạnh", "Lâm Bình", "An Lợi", "Vĩnh An", "Trung Hải", "Đông Thuận",
    "Tây Phước", "Nam Sơn", "Bắc Sơn", "Thượng Hòa", "Phú Long", "Hàm Long", "Quy Thiện",
    "Vĩnh Tuy", "Nga Mân", "Thanh Lâm", "Khánh Bình", "Sa Huỳnh", "Thạnh Đức", "Hội An",
]


def villages(rng: random.Random) -> list[list[str]]:
    """Villages (Thôn / Tổ dân phố) per old unit."""
    out = []
    for _code, kind, _name, _new in OLD_UNITS:
        if kind == "Phường":
            n = rng.randint(6, 10)
            out.append([f"Tổ dân phố {k}" for k in range(1, n + 1)])
        else:
            out.append([f"Thôn {v}" for v in rng.sample(_VILLAGE_NAMES, rng.randint(5, 8))])
    return out


def new_code(unit: int) -> str:
    return OLD_UNITS[unit][3]


def render_unit(unit: int, style: str) -> str:
    code, kind, name, new = OLD_UNITS[unit]
    nkind, nname = NEW_UNITS[new]
    # the ward Nguyễn Nghiêm always keeps a ward marker: the bare name now means the 2025 xã
    bare = name if name != "Nguyễn Nghiêm" else "P. Nguyễn Nghiêm"
    if style == "old_full":
        return f"{kind} {name}"
    if style == "old_short":
        return f"{'P.' if kind == 'Phường' else 'X.'} {name}"
    if style == "old_lower":
        return bare.lower()
    if style == "old_ascii":
        return strip_accents(bare)
    if style == "old_code":
        return code
    if style == "old_long":
        return f"{kind.lower()} {name}, thị xã Đức Phổ"
    if style == "new_full":
        return f"{nkind} {nname}"
    if style == "new_code":
        return new
    raise ValueError(style)


OLD_STYLES = ["old_full", "old_short", "old_lower", "old_ascii", "old_code", "old_long"]


def address(unit: int, village: str, new: bool) -> str:
    code, kind, name, newc = OLD_UNITS[unit]
    if new:
        nkind, nname = NEW_UNITS[newc]
        return f"{village}, {nkind} {nname}, tỉnh Quảng Ngãi"
    return f"{village}, {kind.lower()} {name}, thị xã Đức Phổ, tỉnh Quảng Ngãi"


def sheet_name(unit: int) -> str:
    _code, kind, name, _new = OLD_UNITS[unit]
    return f"{'P' if kind == 'Phường' else 'Xa'} {name}"[:31]
