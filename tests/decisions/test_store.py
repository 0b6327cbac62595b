"""The decision store: the same tests on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import sqlalchemy as sa

from ducpho_etl.decisions import Decision, DecisionError, new_decision, open_store, row_content_key

PERSON = "051085123456"


def _decision(row_key: str = "k1", verdict: str = "match", person_id: str | None = PERSON,
              **kw) -> Decision:
    return new_decision(source=kw.pop("source", "bhxh"), row_key=row_key, verdict=verdict,
                        person_id=person_id, author=kw.pop("author", "lan"),
                        author_kind=kw.pop("author_kind", "officer"), note=kw.pop("note", ""),
                        evidence=kw.pop("evidence", {"status": "review", "candidates": [
                            {"id": "051******456", "posterior": 0.5}]}))


def test_migrations_create_the_tables_and_reopening_keeps_the_data(store_url, tmp_path):
    store = open_store(tmp_path, store_url)
    assert store.revision() == "0001"
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"decisions", "users", "access_log", "alembic_version"} <= tables
    decision = _decision(note="gặp trực tiếp (met in person)")
    store.record(decision)
    store.close()

    again = open_store(tmp_path, store_url)  # migrations run again: a no-op
    assert again.revision() == "0001"
    [back] = again.current()
    assert back == decision  # every field, the aware UTC time and the evidence included
    assert back.decided_utc.tzinfo is not None
    again.close()


def test_the_latest_decision_per_row_is_current_and_history_keeps_all(store_url, tmp_path):
    store = open_store(tmp_path, store_url)
    first = _decision("k1", "match")
    second = _decision("k1", "not_in_registry", None, author="hoa")
    other = _decision("k2", "new_resident", None, source="thue")
    for d in (first, second, other):
        store.record(d)
    current = {(d.source, d.row_key): d for d in store.current()}
    assert current == {("bhxh", "k1"): second, ("thue", "k2"): other}
    assert [d.decision_id for d in store.current("bhxh")] == [second.decision_id]
    assert [d.decision_id for d in store.history()] == [other.decision_id, second.decision_id,
                                                        first.decision_id]
    assert [d.decision_id for d in store.history(limit=5, source="bhxh")] == [
        second.decision_id, first.decision_id]
    assert len(store.history(limit=1)) == 1
    store.close()


def test_a_batch_is_stored_whole_or_not_at_all(store_url, tmp_path):
    store = open_store(tmp_path, store_url)
    good = _decision("k1")
    with pytest.raises(sa.exc.IntegrityError):  # the same decision_id twice
        store.record_many([good, _decision("k2"), good])
    assert store.current() == []
    store.close()


def test_the_database_refuses_an_unknown_verdict_even_past_the_dataclass(store_url, tmp_path):
    store = open_store(tmp_path, store_url)
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO decisions (decision_id, source, row_key, verdict, author, author_kind,"
            " note, decided_utc, evidence) VALUES ('x', 's', 'k', 'skip', 'a', 'officer', '',"
            " :t, '{}')"), {"t": datetime.now(UTC)})
    store.close()


def test_users_and_the_access_log(store_url, tmp_path):
    store = open_store(tmp_path, store_url)
    assert store.get_user("lan") is None
    store.add_user("lan", "scrypt$abc")
    assert store.get_user("lan") == ("lan", "scrypt$abc", True)
    store.set_user_active("lan", False)
    assert store.get_user("lan") == ("lan", "scrypt$abc", False)
    store.add_user("lan", "scrypt$new")  # a new password re-activates
    assert store.get_user("lan") == ("lan", "scrypt$new", True)
    store.log_access("lan", "bhxh", "k1", "view_full")
    store.log_access("lan", None, None, "login")
    log = store.access_log(10)
    assert [entry[1:] for entry in log] == [("lan", None, None, "login"),
                                           ("lan", "bhxh", "k1", "view_full")]
    assert abs(log[0][0] - datetime.now(UTC)) < timedelta(minutes=5)
    store.close()


def test_the_sqlite_store_is_one_owner_only_file_under_output(tmp_path, monkeypatch):
    monkeypatch.delenv("DUCPHO_DB_URL", raising=False)
    store = open_store(tmp_path)
    store.record(_decision())
    path = tmp_path / "decisions.sqlite"
    assert path.is_file() and path.stat().st_mode & 0o077 == 0
    store.close()


def test_ducpho_db_url_points_the_store_elsewhere(tmp_path, monkeypatch):
    elsewhere = tmp_path / "shared" / "d.sqlite"
    monkeypatch.setenv("DUCPHO_DB_URL", f"sqlite:///{elsewhere}")
    open_store(tmp_path / "out").close()
    assert elsewhere.is_file() and not (tmp_path / "out" / "decisions.sqlite").exists()


@pytest.mark.parametrize("bad", [
    {"verdict": "skip"},
    {"verdict": "match", "person_id": None},
    {"verdict": "match", "person_id": "51085123456"},
    {"verdict": "not_in_registry", "person_id": PERSON},
    {"author_kind": "robot"},
    {"evidence": {"candidates": [{"id": PERSON}]}},  # a full ID never goes into evidence
])
def test_a_decision_that_breaks_the_rules_is_refused(bad):
    fields = {"verdict": "match", "person_id": PERSON, **bad}
    with pytest.raises(DecisionError) as info:
        _decision(**fields)
    assert PERSON not in str(info.value)


def test_a_naive_time_is_refused():
    decision = _decision()
    with pytest.raises(DecisionError):
        Decision(**{**decision.__dict__, "decided_utc": datetime(2026, 1, 1)})


def test_the_content_key_ignores_file_row_number_and_order():
    rows = pl.DataFrame({
        "source": ["bhxh", "bhxh", "bhxh"], "source_file": ["a.xlsx", "a.xlsx", "a.xlsx"],
        "source_row": [2, 3, 4], "name": ["Nguyễn Văn An", "Trần Thị Bé", "Nguyễn Văn An"],
        "birth_year": [1980, 1990, 1981], "raw_ho_ten": ["nguyen van an", "Trần Thị Bé", "x"],
        "raw_ngay_sinh": ["1980", "01/02/1990", "1981"]})
    keys = row_content_key(rows)
    assert keys.n_unique() == 3 and keys.str.len_chars().to_list() == [64] * 3
    moved = rows.reverse().with_columns(source_file=pl.lit("b_resent.xlsx"),
                                        source_row=pl.Series([9, 8, 7]))
    assert row_content_key(moved).reverse().to_list() == keys.to_list()
    # the working frame of reconcile holds the raw values under their own names: same keys
    working = rows.rename({"raw_ho_ten": "ho_ten", "raw_ngay_sinh": "ngay_sinh"})
    assert row_content_key(working).to_list() == keys.to_list()
    # NFD text (a re-save through another program) is the same content
    nfd = rows.with_columns(pl.col("raw_ho_ten").str.normalize("NFD"),
                            pl.col("name").str.normalize("NFD"))
    assert row_content_key(nfd).to_list() == keys.to_list()
    # one changed value, one changed source: other keys
    changed = rows.with_columns(raw_ngay_sinh=pl.Series(["1980", "02/01/1990", "1981"]))
    assert row_content_key(changed).to_list()[1] != keys[1]
    other_source = rows.with_columns(source=pl.lit("thue"))
    assert set(row_content_key(other_source).to_list()).isdisjoint(keys.to_list())


def test_the_decisions_in_force_of_a_source_as_the_run_reads_them(store_url, tmp_path):
    from ducpho_etl.decisions.apply import decisions_in_force

    store = open_store(tmp_path, store_url)
    store.record(_decision("k1", "match", evidence={"source_file": "a.xlsx", "sheet": "S1",
                                                    "source_row": 7, "person_alive": False}))
    store.record(_decision("k1", "duplicate"))
    store.record(_decision("k2", "new_resident", None))
    store.record(_decision("k3", "match", source="thue"))
    store.close()
    frame = decisions_in_force(tmp_path, "bhxh", store_url)
    assert sorted(frame.select("row_key", "verdict").rows()) == [("k1", "duplicate"),
                                                                 ("k2", "new_resident")]


def test_no_store_yet_means_no_decisions_and_no_file(tmp_path, monkeypatch):
    from ducpho_etl.decisions.apply import decisions_in_force

    monkeypatch.delenv("DUCPHO_DB_URL", raising=False)
    assert decisions_in_force(tmp_path, "bhxh").height == 0
    assert not (tmp_path / "decisions.sqlite").exists()
