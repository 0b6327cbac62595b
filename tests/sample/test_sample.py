"""Tests of the synthetic-data generator (small scale, into tmp dirs)."""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import polars as pl
import pytest
import yaml

from ducpho_etl.sample import SOURCES, generate_sample, matched_target

SCALE = 0.01
SEED = 7
ROOT = Path(__file__).resolve().parents[2]
NO_USABLE_ID = {"id_missing", "id_typo", "id_typo_real", "id_relative", "id_cmnd_unknown",
                "id_scientific"}
NAME_CHANGE = {"name_family_variant", "name_no_middle", "name_typo"}
DATE_CHANGE = {"date_year_only", "date_zero", "date_swap", "date_lunar", "date_yy"}
PLACE_CHANGE = {"place_moved"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    info = generate_sample(out, scale=SCALE, seed=SEED)
    return out, info


@pytest.fixture(scope="module")
def truth(sample):
    return pl.read_parquet(sample[0] / "truth" / "truth.parquet")


@pytest.fixture(scope="module")
def registry(sample):
    with (sample[0] / "input" / "registry" / "registry.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _af(s: str) -> str:
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _fam(s: str) -> str:
    k = _af(s)
    return {"huynh": "hoang", "vu": "vo"}.get(k, k)


def test_deterministic(sample, tmp_path):
    out, _ = sample
    generate_sample(tmp_path, scale=SCALE, seed=SEED)
    a = sorted(p.relative_to(out) for p in (out / "input").rglob("*") if p.is_file())
    b = sorted(p.relative_to(tmp_path) for p in (tmp_path / "input").rglob("*") if p.is_file())
    assert a == b
    for rel in a:
        assert (out / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
    assert pl.read_parquet(out / "truth/truth.parquet").equals(
        pl.read_parquet(tmp_path / "truth/truth.parquet"))
    assert (out / "truth/summary.csv").read_bytes() == (tmp_path / "truth/summary.csv").read_bytes()


def test_other_seed_differs(sample, tmp_path):
    generate_sample(tmp_path, scale=SCALE, seed=SEED + 1)
    assert (tmp_path / "input/registry/registry.csv").read_bytes() != (
        sample[0] / "input/registry/registry.csv").read_bytes()


def test_matched_counts_follow_scale(truth):
    got = dict(truth.filter(pl.col("expected_status") == "matched")
               .group_by("source").len().iter_rows())
    assert got == {s: matched_target(s, SCALE) for s in SOURCES}
    assert matched_target("bhxh", 1.0) == 147_978
    assert sum(matched_target(s, 1.0) for s in SOURCES) == 219_497


def test_all_statuses_and_shares(truth):
    statuses = set(truth["expected_status"].unique())
    assert statuses <= {"matched", "duplicate", "deceased", "review", "not_found", "rejected"}
    assert statuses == {"matched", "duplicate", "deceased", "review", "not_found", "rejected"}
    bhxh = truth.filter(pl.col("source") == "bhxh")
    share = bhxh["expected_status"].value_counts(normalize=True)
    shares = dict(share.iter_rows())
    assert shares["matched"] > 0.9
    assert 0.005 < shares["not_found"] < 0.04


def test_truth_keys_unique_and_columns(truth):
    assert truth.columns == ["source", "source_file", "source_row", "sheet", "expected_status",
                             "true_person_id", "noise"]
    assert truth.schema["noise"] == pl.List(pl.Utf8)
    keys = truth.select("source", "source_file", "sheet", "source_row")
    assert keys.n_unique() == truth.height
    csv_rows = truth.filter(~pl.col("source_file").str.ends_with(".xlsx"))
    assert csv_rows["sheet"].null_count() == csv_rows.height
    assert truth.filter(pl.col("source_file").str.ends_with(".xlsx"))["sheet"].null_count() == 0


def test_person_ids_consistent_with_registry(truth, registry):
    status = {r["so_dinh_danh"]: r["trang_thai"] for r in registry}
    for st, tid in truth.select("expected_status", "true_person_id").iter_rows():
        if st == "matched":
            assert status[tid] == "Còn sống"
        elif st == "deceased":
            assert status[tid] == "Đã chết"
        elif st in ("not_found", "rejected"):
            assert tid is None
        elif st == "review":
            assert status[tid] == "Còn sống"
    # each registry person at most once matched/deceased per source
    firsts = truth.filter(pl.col("expected_status").is_in(["matched", "deceased"]))
    assert firsts.select("source", "true_person_id").n_unique() == firsts.height


def test_duplicates_follow_a_first_row(truth):
    for src in SOURCES:
        t = truth.filter(pl.col("source") == src)
        ids = t.filter(pl.col("expected_status") == "duplicate")["true_person_id"].drop_nulls()
        firsts = set(t.filter(pl.col("expected_status").is_in(["matched", "deceased"]))
                     ["true_person_id"])
        assert set(ids) <= firsts


def test_confusable_rule(truth, registry):
    people = [(r["so_dinh_danh"], _fam(r["ho_ten"].split()[0]), _af(r["ho_ten"].split()[-1]),
               r["gioi_tinh"], int(r["ngay_sinh"][-4:])) for r in registry]
    by_id = {p[0]: p for p in people}
    checked = 0
    for st, tid, noise in truth.select("expected_status", "true_person_id", "noise").iter_rows():
        if tid is None or st == "review" or not (set(noise) & NO_USABLE_ID):
            continue
        checked += 1
        _, fam, given, sex, year = by_id[tid]
        for q in people:
            if q[0] == tid or q[3] != sex or abs(q[4] - year) > 2:
                continue
            assert not ((q[1] == fam and _lev(q[2], given) <= 1)
                        or (q[2] == given and _lev(q[1], fam) <= 1)), (tid, q)
        kinds = set(noise)
        n_changes = sum(bool(kinds & g) for g in (NAME_CHANGE, DATE_CHANGE, PLACE_CHANGE))
        assert n_changes <= 1 and len(kinds & NAME_CHANGE) <= 1, noise
    assert checked > 0


def test_review_rows_have_a_namesake(truth, registry):
    by_id = {r["so_dinh_danh"]: r for r in registry}
    rows = truth.filter(pl.col("expected_status") == "review")
    assert rows.height > 0
    for tid in rows["true_person_id"]:
        p = by_id[tid]
        twins = [r for r in registry if r["ho_ten"] == p["ho_ten"] and r is not p
                 and r["gioi_tinh"] == p["gioi_tinh"] and r["ma_xa"] == p["ma_xa"]
                 and r["ngay_sinh"][-4:] == p["ngay_sinh"][-4:]]
        assert twins


def test_registry_contract(registry, sample):
    contract = yaml.safe_load((ROOT / "schemas/registry.yaml").read_text(encoding="utf-8"))
    assert list(registry[0]) == list(contract["columns"])
    n = len(registry)
    assert n >= round(170_000 * SCALE)
    for col, spec in contract["columns"].items():
        for r in registry:
            v = r[col]
            if v == "" and spec.get("nullable"):
                continue
            if "pattern" in spec:
                assert re.fullmatch(spec["pattern"], v), (col, v)
            if "isin" in spec:
                assert v in spec["isin"], (col, v)
    assert len({r["so_dinh_danh"] for r in registry}) == n
    cmnd = [r["so_cmnd"] for r in registry if r["so_cmnd"]]
    assert len(set(cmnd)) == len(cmnd) and all(c.startswith("21") for c in cmnd)
    assert {r["ma_xa"] for r in registry} == {"21439", "21451", "21478", "21457", "21472"}
    for r in registry:  # PPP G YY RRRRRR
        y = int(r["ngay_sinh"][-4:])
        g = int(r["so_dinh_danh"][3])
        assert g == (0 if y < 2000 else 2) + (r["gioi_tinh"] == "Nữ")
        assert r["so_dinh_danh"][4:6] == f"{y % 100:02d}"
    young = sum(1 for r in registry if int(r["ngay_sinh"][-4:]) >= 2008)
    old = sum(1 for r in registry if int(r["ngay_sinh"][-4:]) <= 1962)
    assert young >= 0.17 * n and old >= 0.17 * n
    dead = sum(r["trang_thai"] == "Đã chết" for r in registry)
    assert 0.02 * n <= dead <= 0.04 * n


def test_summary_matches_truth(sample, truth):
    with (sample[0] / "truth/summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["source"] for r in rows] == [*SOURCES, "total"]
    for r in rows[:-1]:
        t = truth.filter(pl.col("source") == r["source"])
        assert int(r["raw_rows"]) == t.height
        assert int(r["cleaned"]) == t.filter(pl.col("expected_status") == "matched").height
        parts = sum(int(r[k]) for k in ("cleaned", "duplicate", "deceased", "review",
                                         "not_found", "rejected"))
        assert parts == int(r["raw_rows"])
    assert int(rows[-1]["raw_rows"]) == truth.height


def _decode(path: Path) -> str:
    from ducpho_etl.ingest.encodings import decode_bytes

    return decode_bytes(path.read_bytes())[0]


def _xlsx_rows(path: Path) -> dict[str, dict[int, list[str]]]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        names = [s.get("name") for s in wb.find("m:sheets", ns)]
        out = {}
        for k, name in enumerate(names, 1):
            sheet = ET.fromstring(z.read(f"xl/worksheets/sheet{k}.xml"))
            rows = {}
            for row in sheet.iter(f"{{{ns['m']}}}row"):
                vals = []
                for c in row.findall("m:c", ns):
                    v = c.find("m:v", ns)
                    if v is None:
                        continue
                    vals.append(shared[int(v.text)] if c.get("t") == "s" else v.text)
                if vals:
                    rows[int(row.get("r"))] = vals
            out[name] = rows
    return out


def test_row_numbers_point_at_the_rows(sample, truth, registry):
    out = sample[0]
    cmnd = {r["so_dinh_danh"]: r["so_cmnd"] for r in registry}
    n_checked = 0
    for (src, rel), t in truth.group_by("source", "source_file", maintain_order=True):
        path = out / "input" / src / rel
        if rel.endswith(".xlsx"):
            sheets = _xlsx_rows(path)

            def cells(sheet, row, sheets=sheets):
                return sheets[sheet].get(row)
        else:
            lines = _decode(path).splitlines()

            def cells(sheet, row, lines=lines):
                line = lines[row - 1]
                return [c for c in re.split(r"[,;\t]", line) if c.strip()] or None
        for sheet, row, st, tid, noise in t.select(
                "sheet", "source_row", "expected_status", "true_person_id", "noise").iter_rows():
            got = cells(sheet, row)
            assert got, (rel, sheet, row)
            if st == "matched" and not any(k.startswith("id_") for k in noise):
                joined = " ".join(got)
                assert tid in joined or tid[1:] in joined or (cmnd[tid] and cmnd[tid] in joined), (
                    rel, sheet, row, got)
                n_checked += 1
    assert n_checked > 1000


def test_tax_codes_valid(sample):
    from stdnum.vn import mst

    text = _decode(sample[0] / "input/thue/thue_bo_sung.csv")
    codes = [line.split(",")[0] for line in text.splitlines()[1:] if line.split(",")[0]]
    assert codes and all(mst.is_valid(c) for c in codes if c.isdigit())
