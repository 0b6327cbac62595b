"""A small INPUT folder for the fault tests of whole runs (publish, the command line, the flow):
a two-person registry, a good bhxh extract and a thue extract with a quote never closed; and one
source's result through the stage functions. Built in code, never from files on disk."""

from __future__ import annotations

from pathlib import Path

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.pipeline import shared_registry
from tests.stages import stage_result

REGISTRY = ("so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,ma_xa,dia_chi,trang_thai\n"
            "051050001234,,Nguyễn Văn Hùng,12/03/1950,Nam,21439,,Còn sống\n"
            "051148000123,,Trần Thị Lan,01/01/1948,Nữ,21439,,Còn sống\n")
GOOD = ("STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD\n1,Nguyễn Văn Hùng,12/03/1950,Nam,051050001234\n"
        "2,Trần Thị Lan,01/01/1948,Nữ,051148000123\n")
OPEN_QUOTE = GOOD + '3,"Lê Văn Tám,1945,Nam,\n4,Phạm Văn Đồng,1906,Nam,\n'


def write_input(root: Path) -> Path:
    """INPUT under `root`: registry/ (REGISTRY), bhxh/ (GOOD) and thue/ (OPEN_QUOTE)."""
    (root / "registry").mkdir(parents=True)
    (root / "registry" / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    for key, text in (("bhxh", GOOD), ("thue", OPEN_QUOTE)):
        (root / key).mkdir()
        (root / key / f"{key}.csv").write_text(text, encoding="utf-8")
    return root


def results(input_dir: Path, keys=("bhxh",)):
    raw, index = shared_registry(input_dir, REGISTRY_REFERENCE_YEAR)
    sources = load_sources()
    return [stage_result(input_dir, sources[k], index, raw) for k in keys]
