"""generate_sample: registry + 7 source extracts + truth, deterministic for a seed."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path, PurePosixPath

from . import names as N
from .habits import cell_habits, legacy_habit, reword_headers
from .layouts import (
    FileSpec,
    footer_rows,
    specs_for,
    split_sheets,
    total_row,
    with_repeated_header,
    write_csv,
    write_xlsx,
)
from .linkage_phenomena import NAMESAKE_WITH_ID_RATE, NAMESAKE_WITHOUT_ID_RATE, resident_namesakes
from .noise import Noiser
from .people import (
    AmbiguityIndex,
    ConfusableIndex,
    World,
    build_registry,
    new_bhxh,
    new_id12,
    registry_rows,
)
from .places import OLD_UNITS, UNIT_WEIGHTS
from .truth import assign_statuses, write_truth

# key: (matched count at scale 1, deceased share of rows, (lo, hi) birth-year bounds, old share)
SOURCES: dict[str, tuple[int, float, tuple[int, int], float]] = {
    "hoi_nong_dan": (14_740, 0.005, (1920, 2004), 0.0),
    "bhxh": (147_978, 0.005, (1900, 2023), 0.0),
    "thue": (1_415, 0.005, (1959, 2004), 0.0),
    "tre_em": (18_889, 0.0, (2008, 2023), 0.0),
    "nguoi_cao_tuoi": (23_932, 0.025, (1900, 1962), 1.0),
    "bao_tro_xa_hoi": (8_890, 0.025, (1900, 2023), 0.75),
    "nguoi_co_cong": (3_653, 0.025, (1900, 2023), 0.85),
}
DUP, NOT_FOUND, REVIEW, REJECTED = 0.015, 0.02, 0.003, 0.005
# duplicates: supplementary lists ("bổ sung") repeat people of the main list more often
DUP_RATE = {"hoi_nong_dan": 0.02, "bhxh": 0.015, "thue": 0.015, "tre_em": 0.02,
            "nguoi_cao_tuoi": 0.03, "bao_tro_xa_hoi": 0.021, "nguoi_co_cong": 0.018}


def matched_target(source: str, scale: float) -> int:
    return max(5, round(SOURCES[source][0] * scale))


def _sorted_specs(specs: list[FileSpec]) -> list[FileSpec]:
    out = sorted(specs, key=lambda s: s.path)
    # the reading order must not depend on how a reader sorts (str, case-folded, Path parts)
    assert [s.path for s in out] == [s.path for s in sorted(specs, key=lambda s: s.path.lower())]
    assert [s.path for s in out] == [s.path for s in sorted(
        specs, key=lambda s: PurePosixPath(s.path).parts)]
    return out


def _make_nonreg(w: World, conf: ConfusableIndex, rng: random.Random, lo: int, hi: int,
                 namesake: bool, taken: set[tuple]) -> int | None:
    """A person outside the registry, confusable neither with a resident nor with another
    outsider of the same source (two such rows would be indistinguishable)."""
    hi = min(hi, 2023)
    for _ in range(60):
        if namesake:
            r = rng.randrange(w.n_reg)
            fam, mid, given, male = w.fam[r], w.mid[r], w.given[r], w.male[r]
            unit = w.unit[r] if rng.random() < 0.5 else None
        else:
            male = rng.random() < 0.5
            fam = N.pick_family(rng)
            mid = (N.pick_mid_male if male else N.pick_mid_female)(rng)
            given = (N.pick_given_male if male else N.pick_given_female)(rng)
            unit = None
        y = rng.randint(lo, hi)
        if conf.any_person(male, fam, given, y):
            continue
        key = (male, N.af(fam), N.af(given))
        if any((*key, y + d) in taken for d in range(-2, 3)):
            continue
        taken.add((*key, y))
        if unit is None:
            unit = rng.choices(range(len(OLD_UNITS)), weights=UNIT_WEIGHTS)[0]
        from .people import REF, _birth_for_age
        b = _birth_for_age(rng, 0)
        import datetime as dt
        b = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
        if b > REF:
            b = dt.date(y, 1, rng.randint(1, 28))
        i = w.add(fam, mid, given, male, b, unit, rng.choice(w.villages[unit]), -1)
        if rng.random() < 0.4:
            w.id12[i] = new_id12(w, rng, male, y, "051")
        w.bhxh[i] = new_bhxh(w, rng)
        return i
    return None


def _plan(source: str, w: World, conf: ConfusableIndex, scale: float, rng: random.Random,
          used_review: set[int]) -> list[tuple[str, int | None]]:
    count, dec_rate, (lo, hi), old_share = SOURCES[source]
    m = matched_target(source, scale)
    dup = DUP_RATE.get(source, DUP)
    total = m / (1 - dup - dec_rate - NOT_FOUND - REVIEW - REJECTED)
    n_dec = round(total * dec_rate)
    n_nf = max(1, round(total * NOT_FOUND))
    n_rev = round(total * REVIEW)
    n_dup = max(1, round(total * dup))
    n_rej = max(2, round(total * REJECTED))

    def elig(i: int) -> bool:
        return lo <= w.birth[i].year <= hi

    # review: alive namesake-cluster members (one row each, never elsewhere in this source)
    rev_pool = [i for i in range(w.n_reg) if w.cluster[i] >= 0 and w.alive[i] and elig(i)
                and (old_share < 1 or w.birth[i].year <= 1962)]
    review = rng.sample(rev_pool, min(n_rev, len(rev_pool)))
    rev_set = set(review)
    used_review.update(review)
    alive = [i for i in range(w.n_reg) if w.alive[i] and elig(i) and i not in rev_set]
    if old_share > 0:
        old = [i for i in alive if w.birth[i].year <= 1962]
        young = [i for i in alive if w.birth[i].year > 1962]
        n_old = min(len(old), round(m * old_share))
        if m - n_old > len(young):
            n_old = m - len(young)
        matched = rng.sample(old, n_old) + rng.sample(young, m - n_old)
    else:
        if len(alive) < m:
            raise ValueError(f"{source}: {len(alive)} eligible residents for {m} matches")
        matched = rng.sample(alive, m)
    dead = [i for i in range(w.n_reg) if not w.alive[i] and elig(i)]
    deceased = rng.sample(dead, min(n_dec, len(dead)))
    nonreg = []
    taken: set[tuple] = set()
    for k in range(n_nf):
        i = _make_nonreg(w, conf, rng, lo, hi, namesake=(k % 3 == 0), taken=taken)
        if i is not None:
            nonreg.append(i)
    entries: list[tuple[str, int | None]] = [("reg", i) for i in matched + deceased]
    entries += [("nonreg", i) for i in nonreg]
    entries += [("review", i) for i in review]
    people = matched + deceased
    for _ in range(n_dup):
        if nonreg and rng.random() < 0.15:
            entries.append(("nonreg", rng.choice(nonreg)))
        else:
            entries.append(("reg", rng.choice(people)))
    specs = specs_for(source)
    n_totals = sum((15 if s.sheets == "per_commune" else 2 if s.sheets == "chunks2" else 1)
                   for s in specs if s.total)
    n_rej_rows = max(3, n_rej - n_totals)
    for k in range(n_rej_rows):
        entries.append((("rej_no_name", "rej_no_date", "rej_stt_only")[k % 3], None))
    rng.shuffle(entries)
    return entries


def _split(entries: list, specs: list[FileSpec]) -> list[list]:
    out, start, acc = [], 0, 0.0
    tot = sum(s.share for s in specs)
    for k, s in enumerate(specs):
        acc += s.share / tot
        end = len(entries) if k == len(specs) - 1 else round(acc * len(entries))
        out.append(entries[start:end])
        start = end
    return out


def _with_blanks(rows: list, rate: float, rng: random.Random) -> list:
    out = []
    for r in rows:
        if rng.random() < rate:
            out.append(None)
        out.append(r)
    return out


def _with_habits(specs: list[FileSpec], seed: int, source: str,
                 header_variant: int | None) -> list[FileSpec]:
    """Header wordings and TCVN3 variants of real forms (habits.py), from their own streams."""
    hrng = random.Random(f"{seed}:{source}:headers")
    lrng = random.Random(f"{seed}:{source}:legacy")
    return [legacy_habit(reword_headers(s, hrng, variant=header_variant), lrng) for s in specs]


def generate_sample(output: Path, scale: float = 1.0, seed: int = 20230601,
                    keep_cells: bool = False, header_variant: int | None = None) -> dict:
    """Write output/input/{registry,<source>}/..., output/truth/{truth.parquet,summary.csv}.

    keep_cells: also return, in info["cells"], the cells written for each truth row (same
    order as truth.parquet), for tests that check what a row shows.
    header_variant: word every header with that wording of habits.HEADER_WORDINGS (the data
    stay the same: headers and cell habits draw from their own random streams).
    """
    t0 = time.perf_counter()
    output = Path(output)
    rng = random.Random(seed)
    w = build_registry(rng, round(170_000 * scale))
    conf = ConfusableIndex(w)
    members: dict[int, list[int]] = {}
    for i in range(w.n_reg):
        if w.cluster[i] >= 0:
            members.setdefault(w.cluster[i], []).append(i)
    conf.cluster_members = members
    amb = AmbiguityIndex(w)
    reg_dir = output / "input" / "registry"
    reg_dir.mkdir(parents=True, exist_ok=True)
    cols = registry_rows(w)
    with (reg_dir / "registry.csv").open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(list(cols))
        wr.writerows(zip(*cols.values(), strict=True))
    truth: list[dict] = []
    used_review: set[int] = set()
    files: dict[str, list[str]] = {}
    cells_out: list[dict] = []
    stats: dict[str, dict] = {}
    for source in SOURCES:
        srng = random.Random(f"{seed}:{source}")
        noiser = Noiser(w, conf, amb, srng, source,
                        slip_rng=random.Random(f"{seed}:{source}:slips"),
                        date_rng=random.Random(f"{seed}:{source}:dates"))
        lo, hi = SOURCES[source][2]
        entries = _plan(source, w, conf, scale, srng, used_review)
        specs = _with_habits(_sorted_specs(specs_for(source)), seed, source, header_variant)
        crng = random.Random(f"{seed}:{source}:cells")
        src_rows: list[dict] = []
        files[source] = [s.path for s in specs]
        chunks = _split(entries, specs)
        # namesakes from elsewhere with IDs of their own: their own random streams, rows at the
        # end of the last file (the other rows and their noise stay as they were)
        namesake_rng = random.Random(f"{seed}:{source}:namesakes")
        namesake_noiser = Noiser(w, conf, amb, namesake_rng, source)
        taken: set[tuple] = set()
        chunks[-1] = chunks[-1] + [("nonreg_id", i) for i in resident_namesakes(
            w, namesake_rng, lo, hi, round(len(entries) * NAMESAKE_WITH_ID_RATE), taken)]
        # ... and without any ID, where the last file shows a full birth date (a year-only form
        # would show nothing that is not the resident's)
        if not specs[-1].year_only:
            chunks[-1] = chunks[-1] + [("nonreg_no_id", i) for i in resident_namesakes(
                w, random.Random(f"{seed}:{source}:namesakes_no_id"), lo, hi,
                round(len(entries) * NAMESAKE_WITHOUT_ID_RATE), taken, with_id=False,
                conf=conf)]
        for spec, chunk in zip(specs, chunks, strict=True):
            rows = []
            for kind, i in chunk:
                if kind == "reg":
                    cells, noise = noiser.person_row(i, spec, source, lo, hi)
                    cell_habits(cells, noise, spec, crng, cmnd=w.cmnd[i] or None)
                    status = None
                elif kind == "nonreg":
                    cells, noise = noiser.plain_row(i, spec, source,
                                                    with_id=srng.random() < 0.7)
                    cell_habits(cells, noise, spec, crng)
                    noise.append("not_registered")
                    status = None
                elif kind in ("nonreg_id", "nonreg_no_id"):
                    with_id = kind == "nonreg_id"
                    cells, noise = namesake_noiser.plain_row(i, spec, source, with_id=with_id)
                    noise += ["not_registered",
                              "namesake_own_id" if with_id else "namesake_no_id"]
                    status = None
                elif kind == "review":
                    cells, noise = noiser.review_row(i, spec, source)
                    status = "review"
                else:
                    cells, noise = noiser.reject_row(kind[4:], spec, source, lo, hi)
                    status, i = "rejected", None
                cells["_meta"] = (i, status, noise + spec.file_noise())
                rows.append(cells)
            fdir = output / "input" / source
            if spec.fmt == "csv":
                srows = _with_blanks(rows, spec.blank_rate, srng)
                if spec.repeat_header:
                    srows = with_repeated_header(srows, srng)
                if spec.total:
                    n = sum(1 for r in rows if r.get("ho_ten"))
                    srows.append({**total_row(spec, n, srng), "__total__": True})
                if spec.footer:
                    srows += footer_rows(spec, srng)
                sheets = [(None, srows)]
                numbers = [write_csv(fdir / spec.path, spec, srows, srng)]
            else:
                sheets = []
                for k, (name, srows) in enumerate(split_sheets(spec, rows)):
                    srows = _with_blanks(srows, max(spec.blank_rate, 0.004), srng)
                    if spec.repeat_header and k == 1:
                        srows = with_repeated_header(srows, srng)
                    if spec.total:
                        n = sum(1 for r in srows if r and r.get("ho_ten"))
                        srows.append({**total_row(spec, n, srng), "__total__": True})
                    if spec.footer:
                        srows += footer_rows(spec, srng)
                    sheets.append((name, srows))
                numbers = write_xlsx(fdir / spec.path, spec, sheets, srng)
            for (sname, srows), nums in zip(sheets, numbers, strict=True):
                for row, num in zip(srows, nums, strict=True):
                    if row is None or num == -1:  # blank, repeated header, footer labels
                        continue
                    if "__total__" in row:
                        meta = (None, "rejected", ["total_row", *spec.file_noise()])
                    elif "__signer__" in row:
                        meta = (None, "rejected", ["footer_signer", *spec.file_noise()])
                    else:
                        meta = row["_meta"]
                    if keep_cells:
                        cells_out.append({k: v for k, v in row.items() if k != "_meta"})
                    src_rows.append({
                        "source": source, "source_file": spec.path, "source_row": num,
                        "sheet": sname, "expected_status": meta[1], "true_person_id": None,
                        "noise": meta[2], "_person": meta[0],
                    })
        assign_statuses(w, src_rows)
        truth.extend(src_rows)
        stats[source] = dict(noiser.stats)
    summary = write_truth(output / "truth", truth, list(SOURCES), {})
    info = {"output": str(output), "seed": seed, "scale": scale, "registry_rows": w.n_reg,
            "files": files, "summary": summary, "noid_stats": stats,
            "seconds": round(time.perf_counter() - t0, 2)}
    if keep_cells:
        info["cells"] = cells_out
    return info
