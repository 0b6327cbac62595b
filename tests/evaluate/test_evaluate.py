"""Evaluation measures on tiny hand-made run and truth frames."""

from __future__ import annotations

import polars as pl
import pytest

from ducpho_etl.evaluate import evaluate, evaluate_frames

TRUTH = [
    # source, row, expected_status, true_person_id, noise
    ("bhxh", 2, "matched", "P1", []),
    ("bhxh", 3, "matched", "P2", ["id_missing"]),
    ("bhxh", 4, "duplicate", "P1", ["name_typo"]),
    ("bhxh", 5, "review", None, ["id_missing"]),
    ("bhxh", 6, "not_found", None, []),
    ("bhxh", 7, "matched", "P3", ["id_typo", "name_typo"]),
    ("thue", 2, "matched", "P1", []),
    ("thue", 3, "rejected", None, []),
]
RUN = [
    # source, row, status, person_id, id12
    ("bhxh", 2, "matched", "P1", "P1"),
    ("bhxh", 3, "matched", "P2", None),
    ("bhxh", 4, "duplicate", "P1", None),
    ("bhxh", 5, "matched", "P9", None),  # a guess on a namesake row: counts against precision
    ("bhxh", 6, "not_found", None, None),
    ("bhxh", 7, "review", None, "P4"),  # missed: against recall
    ("thue", 2, "matched", "P1", "P1"),
    ("thue", 3, "rejected", None, None),
]


def _truth() -> pl.DataFrame:
    return pl.DataFrame(
        [{"source": s, "source_file": "a.csv", "sheet": None, "source_row": r,
          "expected_status": e, "true_person_id": p, "noise": n} for s, r, e, p, n in TRUTH],
        schema={"source": pl.Utf8, "source_file": pl.Utf8, "sheet": pl.Utf8, "source_row": pl.Int64,
                "expected_status": pl.Utf8, "true_person_id": pl.Utf8, "noise": pl.List(pl.Utf8)})


def _run(rows=RUN) -> pl.DataFrame:
    return pl.DataFrame(
        [{"source": s, "source_file": "a.csv", "sheet": None, "source_row": r, "status": st,
          "person_id": p, "id12": i} for s, r, st, p, i in rows],
        schema={"source": pl.Utf8, "source_file": pl.Utf8, "sheet": pl.Utf8, "source_row": pl.Int64,
                "status": pl.Utf8, "person_id": pl.Utf8, "id12": pl.Utf8})


def test_precision_recall_f1_and_review_rows():
    result = evaluate_frames(_run(), _truth())
    # links made: rows 2,3,4,5 of bhxh and thue 2 -> 5; correct 4; due: 2,3,4,7 + thue 2 -> 5
    assert (result["links_made"], result["links_correct"], result["links_due"]) == (5, 4, 5)
    assert result["precision"] == pytest.approx(4 / 5)
    assert result["recall"] == pytest.approx(4 / 5)
    assert result["f1"] == pytest.approx(0.8)
    assert result["review_truth_rows"] == 1 and result["review_truth_linked"] == 1
    assert result["rows_lost"] == 0 and result["rows_extra"] == 0


def test_review_rows_are_excluded_from_recall_only():
    run = [r if r[1] != 5 else ("bhxh", 5, "review", None, None) for r in RUN]
    result = evaluate_frames(_run(run), _truth())
    assert result["precision"] == 1.0
    assert result["recall"] == pytest.approx(4 / 5)  # unchanged: the review row was never due


def test_per_status_precision_and_recall():
    per = {r["status"]: r for r in evaluate_frames(_run(), _truth())["per_status"].iter_rows(named=True)}
    assert per["matched"]["predicted"] == 4 and per["matched"]["truth"] == 4
    assert per["matched"]["precision"] == pytest.approx(3 / 4)
    assert per["matched"]["recall"] == pytest.approx(3 / 4)
    assert per["review"]["precision"] == 0.0 and per["review"]["recall"] == 0.0
    assert per["rejected"]["precision"] == 1.0 and per["deceased"]["recall"] == 1.0


def test_recall_by_noise_and_without_usable_id():
    result = evaluate_frames(_run(), _truth())
    noise = {r["noise"]: r for r in result["by_noise"].iter_rows(named=True)}
    assert noise["name_typo"]["rows"] == 2 and noise["name_typo"]["recall"] == pytest.approx(0.5)
    assert noise["id_typo"]["recall"] == 0.0
    # without a usable ID and due a link: row 3 (id_missing), 4 (no id at all), 7 (id_typo)
    assert result["no_id_due"] == 3
    assert result["no_id_recall"] == pytest.approx(2 / 3)


def test_per_source_counts_and_persons_matched_twice():
    result = evaluate_frames(_run(), _truth())
    per = {r["source"]: r for r in result["per_source"].iter_rows(named=True)}
    assert (per["bhxh"]["cleaned"], per["bhxh"]["cleaned_truth"]) == (3, 3)
    assert (per["thue"]["cleaned"], per["thue"]["cleaned_diff"]) == (1, 0)
    assert result["persons_matched_twice"] == 0
    twice = [*RUN[:4], ("bhxh", 5, "matched", "P1", None), *RUN[5:]]
    assert evaluate_frames(_run(twice), _truth())["persons_matched_twice"] == 1
    counts = result["status_counts"].filter((pl.col("source") == "bhxh")
                                            & (pl.col("status") == "review"))
    assert counts.row(0, named=True)["run"] == 1 and counts.row(0, named=True)["truth"] == 1
    extra = [r if r[1] != 6 else ("bhxh", 6, "matched", "P8", None) for r in RUN]
    matched = evaluate_frames(_run(extra), _truth())["status_counts"].filter(
        (pl.col("source") == "bhxh") & (pl.col("status") == "matched")).row(0, named=True)
    assert (matched["run"], matched["truth"]) == (4, 3)  # fewer in truth: no unsigned wrap-around
    assert matched["rel_diff"] == pytest.approx(1 / 3)


def test_rows_lost_and_extra():
    result = evaluate_frames(_run(RUN[:-1] + [("thue", 9, "rejected", None, None)]), _truth())
    assert (result["rows_lost"], result["rows_extra"]) == (1, 1)


def test_evaluate_reads_published_files(tmp_path):
    run_dir, truth_dir = tmp_path / "run", tmp_path / "truth"
    (run_dir / "reconciliation").mkdir(parents=True)
    truth_dir.mkdir()
    run = _run()
    for source in ("bhxh", "thue"):
        run.filter(pl.col("source") == source).write_parquet(
            run_dir / "reconciliation" / f"{source}.parquet")
    _truth().write_parquet(truth_dir / "truth.parquet")
    assert evaluate(run_dir, truth_dir)["links_made"] == 5


def _foreign(tmp_path):
    """A labelled set in the foreign format: truth.parquet (file names without folders, no
    sheet) and truth_counts.json, with a run of reconciliation parquet beside it."""
    truth = pl.DataFrame({
        "source": ["bhxh"] * 6, "source_file": ["x.csv"] * 6, "source_row": [2, 3, 4, 5, 6, 7],
        "kind": ["clean", "clean", "outsider", "deceased", "garbage", "clean"],
        "is_dup": [False, True, False, False, False, False],
        "id_tag": ["id", "no_id", "id", "cmnd", None, "no_id"],
        "tags": ["id", "no_id,name_typo", "id", "cmnd", None, "no_id"],
        "person_id": ["P1", "P1", None, "P2", None, "P3"],
        "ambiguous": [False, False, False, False, False, True]})
    truth.write_parquet(tmp_path / "truth.parquet")
    (tmp_path / "truth_counts.json").write_text('{"bhxh": 2}')
    run = tmp_path / "run" / "reconciliation"
    run.mkdir(parents=True)
    pl.DataFrame({
        "source": ["bhxh"] * 5, "source_file": ["dot1/x.csv"] * 5, "sheet": [None] * 5,
        "source_row": [2, 3, 4, 5, 7],
        "status": ["matched", "duplicate", "matched", "deceased", "review"],
        "person_id": ["P1", "P1", "P9", "P2", None]},
        schema_overrides={"sheet": pl.Utf8}).write_parquet(run / "bhxh.parquet")
    return tmp_path / "run"


def test_foreign_truth_format(tmp_path):
    run = _foreign(tmp_path)
    result = evaluate(run, tmp_path / "truth.parquet")
    # an outsider linked to P9 is the one wrong link; the ambiguous row is due no link
    assert (result["links_made"], result["links_correct"], result["links_due"]) == (4, 3, 3)
    assert result["outsider_not_found"] == 0.0
    assert result["deceased_flagged"] == 1.0
    assert result["rows_lost"] == 0  # the blank (garbage) row may be skipped
    per_source = result["per_source"].row(0, named=True)
    # cleaned: two matched rows against the set's own count of 2 (not the expected statuses)
    assert (per_source["cleaned"], per_source["cleaned_truth"]) == (2, 2)
    assert result["worst_cleaned_err"] == 0.0
    assert evaluate(run, tmp_path)["links_correct"] == 3  # the folder works as well
