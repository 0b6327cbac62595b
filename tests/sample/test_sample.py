"""Tests of the synthetic-data generator (small scale, into tmp dirs)."""

from __future__ import annotations

import csv
import io
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
LINK = ("matched", "deceased", "duplicate")
PLACE_CHANGE = {"place_moved"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    info = generate_sample(out, scale=SCALE, seed=SEED, keep_cells=True)
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


# ---------------------------------------------------------------- the ID-less row rule (brief)
# Re-derived here from what each row SHOWS (the cells written), by brute force over the registry.
def _as_typed(text: str) -> str:
    """A cell without what habits.py adds around its meaning: fullwidth forms, invisible
    characters, notes in brackets, a " - CB" tail, stray symbols."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"[\u00ad\u200b-\u200f\u2060\ufeff]", "", t).replace("\u00a0", " ")
    t = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", t)
    t = re.sub(r"\s+-\s+\S+$", "", t.strip())
    return re.sub(r"[*#\"']", " ", t).strip()


def _row_name(text: str) -> tuple[str, str, str]:
    words = _af(_as_typed(text).rstrip(". ")).split()
    return _fam(words[0]), " ".join(words[1:-1]), words[-1]


def _row_birth(cells: dict):
    v = cells.get("ngay_sinh") or cells.get("ngay_sinh_nam") or cells.get("ngay_sinh_nu")
    if isinstance(v, tuple):
        if v[0] == "num" and v[1] < 10_000:
            return ("year", v[1])
        if v[0] == "num":  # an Excel serial without its date format
            import datetime as dt
            v = ("date", dt.date(1899, 12, 30) + dt.timedelta(days=v[1]))
        d = v[1]
        full = (d.day, d.month, d.year)
    else:
        v = _as_typed(v).strip()
        if m := re.fullmatch(r"(?i)ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})", v):
            v = f"{m[1]}/{m[2]}/{m[3]}"
        if re.fullmatch(r"\d{4}", v) or re.fullmatch(r"0?0/0?0/\d{4}", v):
            return ("year", int(v[-4:]))
        if re.fullmatch(r"\d{5}", v):  # Excel serial as text
            import datetime as dt
            d = dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
            full = (d.day, d.month, d.year)
        elif m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", v):
            full = (int(m[3]), int(m[2]), int(m[1]))
        elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})", v):
            y = int(m[3])
            if len(m[3]) == 2:  # two-digit year: pivot on the extracts' year (2023)
                y += 2000 if y <= 23 else 1900
            full = (int(m[1]), int(m[2]), y)
        else:
            raise AssertionError(v)
    if full[:2] == (1, 1):  # the usual stand-in for an unknown day
        return ("year", full[2])
    return ("full", *full)


def _place_codes() -> dict[str, str]:
    from ducpho_etl.sample.places import NEW_UNITS, OLD_STYLES, OLD_UNITS, render_unit

    out = {}
    for u, (_code, kind, name, new) in enumerate(OLD_UNITS):
        for style in [*OLD_STYLES, "new_full"]:
            out.setdefault(render_unit(u, style), new)
        out[f"{kind.lower()} {name}"] = new
    for new, (kind, name) in NEW_UNITS.items():
        out[f"{kind} {name}"] = new
    return out


def _row_place(cells: dict, codes: dict[str, str]) -> str | None:
    if "xa" in cells:
        return codes[cells["xa"]]
    if "dia_chi" in cells:
        return codes[re.split(r",\s+", cells["dia_chi"])[1]]  # "..., xã Y" or ",\nxã Y"
    return None


def _reg_person(r: dict) -> dict:
    words = r["ho_ten"].split()
    nb = r["ngay_sinh"]
    return {"id": r["so_dinh_danh"], "fam": _fam(words[0]), "mid": _af(" ".join(words[1:-1])),
            "given": _af(words[-1]), "sex": r["gioi_tinh"], "xa": r["ma_xa"],
            "date": None if len(nb) == 4 else (int(nb[:2]), int(nb[3:5]), int(nb[6:])),
            "year": int(nb[-4:])}


def _indistinguishable(ev: dict, q: dict) -> bool:
    """Does resident q match everything the row shows (the brief's rule)?"""
    if q["sex"] != ev["sex"] or q["fam"] != ev["fam"]:
        return False
    qm = q["mid"].split()
    if not (ev["mid"] in ("", q["mid"]) or (qm and qm[0] in ("van", "thi")
                                            and " ".join(qm[1:]) == ev["mid"])):
        return False
    given_ok = q["given"] == ev["given"] or (ev["typo"] and _lev(q["given"], ev["given"]) <= 1)
    if not given_ok and not (ev["changed"] and _lev(q["given"], ev["given"]) <= 1):
        return False
    b = ev["birth"]
    if b[0] == "year" or q["date"] is None:
        if abs(q["year"] - b[-1]) > 1:
            return False
    else:
        _, d, m, y = b
        qd, qm_, qy = q["date"]
        if not (((qd, qm_) == (d, m) and abs(qy - y) <= 1) or (qd, qm_, qy) == (m, d, y)):
            return False
    place_ok = ev["moved"] or ev["xa"] is None or q["xa"] == ev["xa"]
    # a row that departs from its person by one change: a Q one change away is as good
    return (given_ok and place_ok) or (ev["changed"] and (given_ok or place_ok))


def test_idless_rows_unambiguous_and_review_rows_ambiguous(sample, truth, registry):
    cells_of = sample[1]["cells"]
    assert len(cells_of) == truth.height
    people = [_reg_person(r) for r in registry]
    by_id = {p["id"]: p for p in people}
    by_key: dict[tuple, list[dict]] = {}
    for p in people:
        by_key.setdefault((p["sex"], p["fam"]), []).append(p)
    codes = _place_codes()
    n_idless = n_review = 0
    rows = truth.select("expected_status", "true_person_id", "noise").iter_rows()
    for (st, tid, noise), cells in zip(rows, cells_of, strict=True):
        kinds = set(noise)
        idless = st in LINK and tid is not None and bool(kinds & NO_USABLE_ID)
        if not idless and st != "review":
            continue
        me = by_id[tid]
        fam, mid, given = _row_name(cells["ho_ten"])
        ev = {"sex": me["sex"], "fam": fam, "mid": mid, "given": given,
              "typo": "name_typo" in kinds, "birth": _row_birth(cells),
              "xa": _row_place(cells, codes), "moved": "place_moved" in kinds,
              "changed": bool(kinds & (NAME_CHANGE | DATE_CHANGE | PLACE_CHANGE))}
        assert _indistinguishable(ev, me), (noise, cells)  # the row does show its person
        others = [q["id"] for q in by_key[(me["sex"], fam)]
                  if q["id"] != tid and _indistinguishable(ev, q)]
        if st == "review":
            n_review += 1
            assert others, ("review row that the evidence settles", noise, cells)
            continue
        n_idless += 1
        assert not others, ("ID-less row that the evidence cannot settle", noise, cells, others)
        n_changes = sum(bool(kinds & g) for g in (NAME_CHANGE, DATE_CHANGE, PLACE_CHANGE))
        assert n_changes <= 1 and len(kinds & NAME_CHANGE) <= 1, noise
    assert n_idless > 300 and n_review > 0


def test_idless_shares_per_source(truth):
    t = truth.filter(pl.col("expected_status").is_in(LINK))
    t = t.with_columns(noid=pl.col("noise").list.eval(
        pl.element().is_in(list(NO_USABLE_ID))).list.any())
    got = {s: (m, n) for s, m, n in t.group_by("source").agg(
        pl.col("noid").mean(), pl.len()).iter_rows()}
    high = ("tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi", "nguoi_co_cong")
    for src, (share, n) in got.items():  # small sources at this scale: too few rows to test
        lo, hi = (0.15, 0.36) if src in high else (0.06, 0.16)
        margin = 2 * (share * (1 - share) / n) ** 0.5  # two standard errors of a draw of n rows
        assert n < 150 or lo - margin < share < hi + margin, (src, share, n)
    pooled = t.filter(pl.col("source").is_in(high))["noid"].mean()
    assert 0.18 < pooled < 0.35, pooled  # aim ~0.25; a small sample varies
    relative = t.filter(pl.col("source") == "tre_em").select(
        pl.col("noise").list.contains("id_relative").mean()).item()
    assert 0.02 < relative < 0.09


def test_new_noise_kinds_present(truth):
    kinds = set(truth["noise"].explode().drop_nulls())
    assert {"id_apostrophe", "id_scientific", "date_serial_text", "date_zero", "date_yy",
            "name_trailing_dot", "gender_odd", "stt_only", "footer_signer", "dup_other_file",
            "place_new_name", "place_moved", "id_cmnd_unknown"} <= kinds


def test_layout_habits(sample, truth):
    out = sample[0]
    text = _decode(out / "input/bhxh/bhxh_ducpho_2023_phan1.csv")
    lines = text.splitlines()
    # row numbers as a spreadsheet program shows them: records (an address typed over two
    # lines is one quoted cell, one row)
    records = list(csv.reader(text.splitlines(keepends=True)))
    assert len(records) < len(lines)
    header = [k for k, record in enumerate(records, 1) if record[:2] == ["STT", "Mã số BHXH"]]
    assert len(header) == 2  # pasted exports: the header again inside the data
    t = truth.filter(pl.col("source_file") == "bhxh_ducpho_2023_phan1.csv")
    assert not set(t["source_row"]) & set(header)
    broken = t.filter(pl.col("noise").list.contains("address_line_break"))["source_row"]
    assert broken.len() and all("\n" in "".join(records[k - 1]) for k in broken)
    sci = [c for line in lines for c in line.split(",") if re.fullmatch(r"\d\.\d*E\+1[01]", c)]
    assert any(c.endswith("E+11") for c in sci) and any(c.endswith("E+10") for c in sci)
    assert lines[0].split(",")[-2] == "Mã thẻ BHYT"
    assert any(c.startswith("'0") for line in lines for c in line.split(","))
    # footer: label rows are not data rows; the signers' names row is a rejected data row
    ncc = _decode(out / "input/nguoi_co_cong/ncc_bo_sung.csv").splitlines()
    label = [k for k, line in enumerate(ncc, 1) if "Người lập biểu" in line]
    assert label
    t = truth.filter(pl.col("source_file") == "ncc_bo_sung.csv")
    assert not set(t["source_row"]) & set(label)
    signers = t.filter(pl.col("noise").list.contains("footer_signer"))
    assert set(signers["expected_status"]) <= {"rejected"}
    # only a running number: rejected
    stt = truth.filter(pl.col("noise").list.contains("stt_only"))
    assert stt.height and set(stt["expected_status"]) == {"rejected"}
    # a second sheet without the title rows, a blank column
    sheets = _xlsx_rows(out / "input/bao_tro_xa_hoi/bao_tro_xa_hoi_2023.xlsx")
    first, second = list(sheets.values())[:2]
    assert first[1][0].startswith("UBND") and second[1][0] == "STT"
    assert sum(1 for r in second.values() if r[0] == "STT") == 2
    vni = _decode(out / "input/nguoi_cao_tuoi/nct_vni.csv").splitlines()[0]
    assert ",," in vni


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


def _csv_records(path: Path) -> list[list[str]]:
    """A CSV/TXT file's records: the rows a spreadsheet program shows (a quoted cell may hold a
    line break), split on the file's delimiter."""
    text = _decode(path)
    delimiter = max(",;\t", key=text.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


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
            records = _csv_records(path)

            def cells(sheet, row, records=records):
                return [c for c in records[row - 1] if c.strip()] or None
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


def test_indexed_lookups_equal_full_scans():
    """AmbiguityIndex.matches reads birth-year buckets and ConfusableIndex.any_person stops at
    the first hit (so generation stays linear); both must answer as full scans do."""
    import random

    from ducpho_etl.sample import names as N
    from ducpho_etl.sample.people import (
        AmbiguityIndex,
        ConfusableIndex,
        build_registry,
        date_compatible,
        mid_compatible,
        new_code,
    )

    w = build_registry(random.Random(3), 6000)
    amb, conf = AmbiguityIndex(w), ConfusableIndex(w)

    def brute(p: int, ev: dict) -> list[int]:
        fk, gk, mk = N.fam_key(ev["fam"]), N.af(ev["given"]), N.af(ev["mid"])
        loose = bool(ev["typo"] or ev["changed"])
        out = []
        for q in range(w.n_reg):
            g = N.af(w.given[q])
            if q == p or w.male[q] != ev["male"] or N.fam_key(w.fam[q]) != fk:
                continue
            if not (g == gk or (loose and N.lev1(g, gk))):
                continue
            if not mid_compatible(mk, N.af(w.mid[q])):
                continue
            if not date_compatible(ev["date"], w.birth[q], w.year_only[q]):
                continue
            given_ok = g == gk or ev["typo"]
            place_ok = ev["place"] is None or ev["moved"] or new_code(w.unit[q]) == ev["place"]
            if (given_ok and place_ok) or (ev["changed"] and (given_ok or place_ok)):
                out.append(q)
        return sorted(out)

    rng = random.Random(5)
    hits = 0
    for _ in range(400):
        p = rng.randrange(w.n_reg)
        b = w.birth[p]
        y = b.year + rng.choice((-1, 0, 0, 1))
        date = rng.choice((("year", y), ("full", b.day, b.month, y), ("full", b.month, b.day, y),
                           None))
        ev = {"male": w.male[p], "fam": w.fam[p], "mid": rng.choice((w.mid[p], "")),
              "given": w.given[p], "typo": rng.random() < 0.3, "date": date,
              "place": rng.choice((new_code(w.unit[p]), None)), "moved": rng.random() < 0.2,
              "changed": rng.random() < 0.4}
        got = amb.matches(p, ev)
        assert sorted(got) == brute(p, ev)
        hits += bool(got)
        assert conf.any_person(w.male[p], w.fam[p], w.given[p], y) == bool(
            conf.people(w.male[p], w.fam[p], w.given[p], y))
    assert hits > 0
