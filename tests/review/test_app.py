"""The workbench's pages through HTTP (in-process client): login, queue counts and filters,
masked IDs with logged full views, decisions recorded with masked evidence, next row."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from fastapi.testclient import TestClient

from ducpho_etl.privacy import mask_id
from ducpho_etl.publish import latest_run
from ducpho_etl.review.app import create_app
from ducpho_etl.review.passwords import hash_password
from ducpho_etl.review.sessions import Sessions
from ducpho_etl.review.store import open_review_store

PASSWORD = "mật-khẩu-đủ-dài"


def queued(output) -> pl.DataFrame:
    """The rows the workbench should queue, in its order (the run's sources, then file order)."""
    run = latest_run(output)
    order = json.loads((run / "manifest.json").read_text())["selected_sources"]
    frames = [pl.read_parquet(run / "reconciliation" / f"{key}.parquet").with_row_index("pos")
              for key in order]
    rows = pl.concat(frames, how="diagonal_relaxed")
    return rows.filter(pl.col("status").is_in(["review", "not_found"])
                       & (pl.col("row_kind") == "data"))


class Clock:
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def bench(output):
    store = open_review_store(output)
    store.add_user("lan", hash_password(PASSWORD))
    clock = Clock()
    client = TestClient(create_app(output, store, Sessions(now=clock)))
    return client, store, clock


def login(client, password=PASSWORD):
    return client.post("/login", data={"user": "lan", "password": password, "next": "/"})


def form_of(html: str) -> dict[str, str]:
    return {name: value for name, value in
            re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html)}


def test_every_page_needs_a_login(bench):
    client, _, _ = bench
    for path in ["/", "/log", "/row/bhxh/0"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
    assert "login-failed" in login(client, "wrong password").text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert "Hàng chờ xác minh" in login(client).text


def test_queue_counts_match_the_published_rows(bench, output):
    client, _, _ = bench
    login(client)
    rows = queued(output)
    page = client.get("/").text
    assert re.search(r'id="open-count">(\d+)<', page).group(1) == str(rows.height)
    review = rows.filter(pl.col("status") == "review")
    assert review.height >= 3
    assert f"Cần xác minh ({review.height})" in page
    filtered = client.get("/", params={"status": "review"}).text
    assert re.search(r'id="shown-count">(\d+)<', filtered).group(1) == str(review.height)
    source = review["source"][0]
    both = client.get("/", params={"status": "review", "source": source}).text
    expected = review.filter(pl.col("source") == source).height
    assert re.search(r'id="shown-count">(\d+)<', both).group(1) == str(expected)
    assert both.count('<tr data-href="/row/') == expected


def test_ids_masked_unless_asked_and_every_full_view_logged(bench, output):
    client, store, _ = bench
    login(client)
    rows = queued(output).filter(pl.col("raw_so_dinh_danh").str.len_chars() >= 9)
    assert rows.height
    row = rows.row(0, named=True)
    path = f"/row/{row['source']}/{row['pos']}"
    masked = client.get(path).text
    assert row["raw_so_dinh_danh"] not in masked
    assert mask_id(row["raw_so_dinh_danh"]) in masked
    assert store.access_log(10) == []
    full = client.get(path, params={"full": 1}).text
    assert row["raw_so_dinh_danh"] in full
    entries = store.access_log(10)
    assert len(entries) == 1
    assert "view_full" in [str(cell) for cell in entries[0]]
    log = client.get("/log").text
    assert "xem đầy đủ (full values)" in log and row["raw_so_dinh_danh"] not in log


def test_decision_recorded_with_masked_evidence_then_next_row(bench, output):
    client, store, _ = bench
    login(client)
    review = queued(output).filter(pl.col("status") == "review")
    first = review.row(0, named=True)
    path = f"/row/{first['source']}/{first['pos']}"
    page = client.get(path, params={"status": "review"}).text
    evidence = json.loads(first["evidence"])
    assert evidence["candidates"][0]["id"] in page  # the first candidate, masked
    response = client.post(path + "/decide", data={**form_of(page), "verdict": "match",
                                                    "candidate": "1", "note": "hỏi tổ trưởng"},
                           follow_redirects=False)
    assert response.status_code == 303
    second = review.row(1, named=True)
    assert response.headers["location"] == f"/row/{second['source']}/{second['pos']}?status=review"
    [decision] = store.current()
    assert decision.verdict == "match" and decision.author == "lan"
    assert re.fullmatch(r"\d{12}", decision.person_id)
    assert mask_id(decision.person_id) == evidence["candidates"][0]["id"]
    assert decision.note == "hỏi tổ trưởng"
    text = json.dumps(decision.evidence, ensure_ascii=False)
    assert decision.person_id not in text and first["name"] not in text
    assert decision.evidence["chosen"] == evidence["candidates"][0]["id"]
    # decided rows leave the open queue; the log shows the decision in Việt Nam time
    assert f'href="{path}' not in client.get("/", params={"status": "review"}).text
    log = client.get("/log").text
    local = decision.decided_utc.astimezone(UTC) + timedelta(hours=7)
    assert local.strftime("%d/%m/%Y %H:%M") + " (giờ Việt Nam)" in log
    assert "hỏi tổ trưởng" in log


def test_forged_form_and_expired_session_refused(bench, output):
    client, store, clock = bench
    login(client)
    row = queued(output).row(0, named=True)
    path = f"/row/{row['source']}/{row['pos']}"
    form = form_of(client.get(path).text)
    bad = client.post(path + "/decide", data={**form, "csrf": "forged", "verdict": "new_resident"},
                      follow_redirects=False)
    assert bad.status_code == 403
    clock.now += timedelta(hours=1)
    late = client.post(path + "/decide", data={**form, "verdict": "new_resident"},
                       follow_redirects=False)
    assert late.status_code == 303 and late.headers["location"].startswith("/login")
    assert store.current() == []
