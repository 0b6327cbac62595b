"""Vietnamese name lists and the accent-free keys the generator reasons with."""

from __future__ import annotations

import random
import unicodedata

# (family name, weight) – domain.md shares; Huỳnh/Võ dominate in Quảng Ngãi.
FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Huỳnh", 3.5), ("Hoàng", 1.5),
    ("Phan", 4.5), ("Võ", 3.0), ("Vũ", 0.9), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
    ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Trương", 1.5), ("Đinh", 1.0),
    ("Đoàn", 0.8), ("Lương", 0.6), ("Mai", 0.5), ("Tạ", 0.4), ("Châu", 0.4), ("Cao", 0.5),
] + [(f, 0.35) for f in [
    "Thái", "Bá", "Kiều", "Khổng", "Tôn", "Âu", "Quách", "Mạc", "Từ", "Nghiêm", "Triệu",
    "Thân", "Phùng", "Chu", "Giang", "Tăng", "Khúc", "Lạc", "Doãn", "Kha", "Bạch", "Diệp",
    "Hứa", "Lục", "Mẫn", "Nông", "Quan", "Sầm", "Thạch", "Ung", "Viên", "Khương", "Lưu",
    "Tiêu", "Hàn", "Nhữ", "Ôn", "Văng", "Trịnh", "Đàm", "Đồng", "Ninh", "Phó", "Tống",
    "Vương", "Xa", "Yết", "Lã", "Mạnh", "Trà", "Thiều", "Đàng", "Nguyên"
]]
MID_MALE = [("Văn", 45), ("Đức", 6), ("Minh", 6), ("Quốc", 5), ("Thanh", 5), ("Hữu", 5),
            ("Công", 5), ("Ngọc", 4), ("Xuân", 3), ("Tấn", 5), ("Trung", 3), ("Đình", 4),
            ("Quang", 4), ("Anh", 2), ("Văn Minh", 1), ("Phú", 2)]
MID_FEMALE = [("Thị", 55), ("Thị Ngọc", 3), ("Thị Kim", 3), ("Ngọc", 6), ("Thu", 4), ("Kim", 4),
              ("Mỹ", 4), ("Thanh", 4), ("Phương", 3), ("Bích", 3), ("Hồng", 3), ("Minh", 3),
              ("Thùy", 3), ("Hoài", 2)]
GIVEN_MALE = [
    ("Hùng", 9), ("Dũng", 7), ("Tuấn", 6), ("Minh", 6), ("Nam", 5), ("Sơn", 5), ("Hải", 5),
    ("Long", 4), ("Phong", 3), ("Quang", 3), ("Thành", 4), ("Tâm", 3), ("Trung", 3), ("Việt", 2),
    ("Cường", 3), ("Đức", 3), ("Hòa", 3), ("Hiếu", 2), ("Khánh", 2), ("Lâm", 2), ("Lộc", 2),
    ("Phúc", 2), ("Tài", 2), ("Thắng", 2), ("Toàn", 2), ("Vinh", 2), ("Bình", 3), ("Chiến", 2),
    ("Danh", 1), ("Duy", 2), ("Huy", 3), ("Khoa", 2), ("Kiên", 1), ("Lực", 1), ("Mạnh", 2),
    ("Nghĩa", 2), ("Nhân", 2), ("Phát", 1), ("Quân", 2), ("Sang", 1), ("Tiến", 2), ("Trí", 2),
    ("Tú", 1), ("Xuân", 1), ("Bảo", 2), ("Đạt", 2), ("Hậu", 1), ("Lợi", 2), ("Sinh", 1),
    ("Thọ", 1), ("Tùng", 2), ("An", 2), ("Ba", 1), ("Bốn", 1), ("Sáu", 1), ("Bảy", 1),
    ("Tám", 1), ("Mười", 1), ("Phước", 2), ("Thạnh", 1), ("Trọng", 1), ("Được", 1), ("Em", 1),
] + [(g, 0.4) for g in [
    "Khiêm", "Luân", "Thiện", "Nguyên", "Quý", "Tuyền", "Uy", "Vĩ", "Hiển", "Khải", "Lĩnh",
    "Nhựt", "Quyết", "Sỹ", "Thuyết", "Triều", "Vượng", "Xướng", "Định", "Giáp", "Hoạch",
    "Khương", "Lũy", "Nhượng", "Phụng", "Quảng", "Sửu", "Thiều", "Tường", "Ưng", "Vịnh",
    "Đoan", "Hách", "Khôi", "Luyện", "Nghiệp", "Quỳ", "Thoại", "Tuệ", "Cẩn", "Chương",
    "Diệm", "Đảm", "Giới", "Hưởng", "Kỷ", "Lượng", "Mẫn", "Nhạn", "Oai", "Phiệt", "Quỹ",
    "Sĩ", "Thưởng", "Trịnh", "Ửng", "Vỹ", "Xuyến", "Yêm", "Bửu", "Cảnh", "Đệ", "Hỷ", "Kha",
    "Lễ", "Mừng", "Ngữ", "Pháp", "Thể"
]]
GIVEN_FEMALE = [
    ("Lan", 5), ("Hoa", 5), ("Hương", 5), ("Hạnh", 3), ("Hằng", 3), ("Hà", 3), ("Linh", 4),
    ("Mai", 4), ("Nga", 3), ("Ngọc", 3), ("Nhung", 3), ("Oanh", 2), ("Phương", 3), ("Thảo", 4),
    ("Thủy", 3), ("Trang", 4), ("Trinh", 2), ("Tuyết", 2), ("Vân", 3), ("Yến", 3), ("Anh", 3),
    ("Ánh", 2), ("Bích", 2), ("Châu", 2), ("Diệu", 1), ("Dung", 3), ("Giang", 2), ("Hiền", 3),
    ("Hồng", 3), ("Huyền", 2), ("Liên", 2), ("Loan", 2), ("Ly", 2), ("My", 2), ("Nguyệt", 2),
    ("Nhi", 3), ("Phượng", 2), ("Quyên", 1), ("Sương", 2), ("Tâm", 2), ("Thanh", 2), ("Thu", 2),
    ("Thúy", 2), ("Trâm", 2), ("Uyên", 2), ("Vy", 2), ("Xuân", 2), ("Lệ", 1), ("Lài", 1),
    ("Huệ", 1), ("Cúc", 2), ("Đào", 1), ("Mận", 1), ("Em", 1), ("Bé", 1), ("Tư", 1),
] + [(g, 0.4) for g in [
    "Diễm", "Duyên", "Kiều", "Lụa", "Nhàn", "Phấn", "Quế", "Thắm", "Xoan", "Ngoan", "Huỳnh",
    "Khuê", "Lựu", "Mến", "Nhạn", "Phụng", "Quỳnh", "Sen", "Thơm", "Tiên", "Tuyền", "Ưng",
    "Vẹn", "Yểng", "Bông", "Chúc", "Dịu", "Điểm", "Gấm", "Hợi", "Khéo", "Lắm", "Mùi", "Nở",
    "Phước", "Riêng", "Sáng", "Thiệp", "Tưởng", "Viễn", "Xiêm", "Ý", "Cẩm", "Đượm", "Hảo",
    "Kết", "Luyến", "Mỵ", "Nết", "Quới", "Son", "Thêu", "Trúc", "Uyển", "Vẻ"
]]
# Twins: same gender, given names one letter apart (accent-free Levenshtein <= 1).
TWINS_MALE = [("Tâm", "Tân"), ("Hùng", "Hưng"), ("Minh", "Mạnh"), ("Hải", "Hào"),
              ("Long", "Lang"), ("Tín", "Tính"), ("Phú", "Phúc"), ("Thành", "Thanh")]
TWINS_FEMALE = [("Vy", "Vi"), ("Hoa", "Hòa"), ("Hương", "Hường"), ("Thu", "Thư"),
                ("Hiền", "Hiên"), ("Lan", "Lân"), ("Trang", "Trâng"), ("Nhi", "Nhị")]
COMMON_MALE = ["Hùng", "Dũng", "Minh", "Hải", "Sơn", "Tuấn", "Nam"]
COMMON_FEMALE = ["Lan", "Hoa", "Hương", "Linh", "Mai", "Trang"]
COMMON_FAMILY = ["Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ"]
FAMILY_SWAP = {"Huỳnh": "Hoàng", "Hoàng": "Huỳnh", "Võ": "Vũ", "Vũ": "Võ"}


class Picker:
    """Weighted choice with precomputed cumulative weights (fast, deterministic)."""

    def __init__(self, items: list[tuple[str, float]]):
        self.values = [v for v, _ in items]
        self.cum = []
        total = 0.0
        for _, w in items:
            total += w
            self.cum.append(total)

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


pick_family = Picker(FAMILY)
pick_mid_male = Picker(MID_MALE)
pick_mid_female = Picker(MID_FEMALE)
pick_given_male = Picker(GIVEN_MALE)
pick_given_female = Picker(GIVEN_FEMALE)


def strip_accents(s: str) -> str:
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in s if not unicodedata.combining(c)))


_AF_CACHE: dict[str, str] = {}


def af(s: str) -> str:
    """Accent-free lower-case key (đ -> d), spaces collapsed."""
    r = _AF_CACHE.get(s)
    if r is None:
        r = " ".join(strip_accents(s).lower().split())
        _AF_CACHE[s] = r
    return r


_FAM_EQ = {"huynh": "hoang", "vu": "vo"}


def fam_key(family: str) -> str:
    k = af(family)
    return _FAM_EQ.get(k, k)


def lev1(a: str, b: str) -> bool:
    """Levenshtein distance <= 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def deletes(s: str) -> list[str]:
    out = [s]
    for i in range(len(s)):
        d = s[:i] + s[i + 1:]
        if d not in out:
            out.append(d)
    return out
