"""Throughput of ``normalize_frame`` on synthetic raw extract rows.

Usage: python benchmarks/normalize_throughput.py [n_rows]   (default 1,000,000)
"""

from __future__ import annotations

import random
import sys
import time
import unicodedata

import polars as pl

from ducpho_etl.normalize import normalize_frame

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Phan",
    "Võ",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Ngọc", "Minh", "Thanh", "Hữu", "Đức", "Thị Ngọc", "", "Công"]
GIVEN = [
    "Hùng",
    "Anh",
    "Mai",
    "Tâm",
    "Lan",
    "Dũng",
    "Hoa",
    "Quỳnh",
    "Phượng",
    "Tuấn",
    "Hải",
    "Thủy",
    "Đào",
    "Sơn",
    "Nam",
    "Hà",
    "Long",
    "Yến",
    "Trang",
    "Bình",
]
PLACES = [
    "Phường Nguyễn Nghiêm",
    "P. Phổ Thạnh",
    "phổ thạnh",
    "Pho Thanh",
    "xã Phổ An",
    "Xã Phổ An, thị xã Đức Phổ",
    "21460",
    "Nguyễn Nghiêm",
    "Phổ Cường",
    "Trà Câu",
    "",
    "?",
]
ADDR = [
    "Thôn {n}, Phổ Cường, Đức Phổ, Quảng Ngãi",
    "Tổ {n}, P. Phổ Vinh, TX Đức Phổ",
    "Số {n} đường Nguyễn Nghiêm",
    "Thôn {n}",
    "",
]
GENDERS = ["Nam", "nam", "NAM", "M", "Nữ", "Nu", "nữ", "F", "Female", "", "1"]


def _name(r: random.Random) -> str:
    s = " ".join(w for w in (r.choice(FAMILY), r.choice(MIDDLE), r.choice(GIVEN)) if w)
    k = r.random()
    if k < 0.1:
        return s.upper()
    if k < 0.2:
        return unicodedata.normalize("NFD", s)
    if k < 0.25:
        return "  " + s.lower().replace(" ", "  ")
    return s


def _date(r: random.Random) -> str:
    y, m, d = r.randint(1925, 2022), r.randint(1, 12), r.randint(1, 28)
    k = r.randrange(9)
    return [
        f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y}",
        f"{d:02d}-{m:02d}-{y}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m:02d}-{d:02d} 00:00:00",
        str((y - 1900) * 365 + m * 30 + d),
        str(y),
        f"00/00/{y}",
        f"{d:02d}/{m:02d}/{y % 100:02d}",
    ][k]


def _id(r: random.Random, gender_digit: int, yy: int) -> str:
    v = f"051{gender_digit}{yy:02d}{r.randrange(10**6):06d}"
    k = r.random()
    if k < 0.1:
        return v[1:]
    if k < 0.13:
        return f"{int(v):.5E}"
    if k < 0.16:
        return f"21{r.randrange(10**7):07d}"
    if k < 0.2:
        return f"{v[:3]}.{v[3:6]}.{v[6:9]}.{v[9:]}"
    return v


def build(n: int, seed: int = 1) -> pl.DataFrame:
    r = random.Random(seed)
    cols: dict[str, list] = {
        k: []
        for k in [
            "ho_ten",
            "ngay_sinh",
            "gioi_tinh",
            "so_dinh_danh",
            "so_cmnd",
            "ma_bhxh",
            "the_bhyt",
            "mst",
            "xa",
            "dia_chi",
        ]
    }
    for _ in range(n):
        cols["ho_ten"].append(_name(r))
        cols["ngay_sinh"].append(_date(r))
        cols["gioi_tinh"].append(r.choice(GENDERS))
        cols["so_dinh_danh"].append(_id(r, r.randrange(2), r.randrange(100)))
        cols["so_cmnd"].append(f"2{r.randrange(10**8):08d}" if r.random() < 0.3 else None)
        b = f"{r.randrange(10**10):010d}"
        cols["ma_bhxh"].append(b.lstrip("0") if r.random() < 0.7 else None)
        cols["the_bhyt"].append(f"GD451{b}" if r.random() < 0.5 else None)
        cols["mst"].append(f"43{r.randrange(10**8):08d}" if r.random() < 0.05 else None)
        cols["xa"].append(r.choice(PLACES))
        cols["dia_chi"].append(r.choice(ADDR).format(n=r.randint(1, 300)))
    df = pl.DataFrame(cols, schema={k: pl.String for k in cols})
    return df.with_columns(
        reference_year=pl.Series([r.choice([2023, 2024, 2025]) for _ in range(n)], dtype=pl.Int32)
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    df = build(n)
    t1 = time.perf_counter()
    out = normalize_frame(df)
    t2 = time.perf_counter()
    print(f"built {n:,} rows in {t1 - t0:.1f} s")
    print(f"normalize_frame: {t2 - t1:.2f} s -> {n / (t2 - t1):,.0f} rows/s ({out.width} columns)")


if __name__ == "__main__":
    main()
