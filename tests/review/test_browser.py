"""The workbench in real headless Chromium (Debian's chromium + chromedriver via Selenium), as an
officer meets it: `ducpho-etl review add-user`, `ducpho-etl review --output OUT --port P`,
log in, open the queue, settle three rows with the keyboard, re-run the flow, and read the
published reconciliation: those rows are `matched` with link_stage `officer`.

Measured, not timed: each row is settled with one key press and one page load (a counter the
page keeps in sessionStorage); the seconds are printed. Screenshots of the queue and of a row
page are kept in the test's tmp folder (and copied to $DUCPHO_SCREENS_DIR when set)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from ducpho_etl.privacy import mask_id
from ducpho_etl.publish import latest_run
from ducpho_etl.review.store import open_review_store

BIN = Path(sys.executable).parent
PASSWORD = "mật-khẩu-đủ-dài"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000"]


def _need_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    message = ("chromium and chromedriver are needed (Debian: apt-get install chromium "
               "chromium-driver; .ci/run installs them)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


@pytest.fixture
def workbench(output, tmp_path):
    """The CLI as an officer starts it: an account, then the server on a free loopback port."""
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("DUCPHO_DB_URL", None)
    made = subprocess.run([str(BIN / "ducpho-etl"), "review", "add-user", "lan", "--output",
                           str(output), "--password-stdin"], input=PASSWORD + "\n", text=True,
                          capture_output=True, env=env, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    port = _free_port()
    log = tmp_path / "review-server.log"
    process = subprocess.Popen([str(BIN / "ducpho-etl"), "review", "--output", str(output),
                                "--port", str(port)], stdout=log.open("wb"),
                               stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/login", timeout=5)
                break
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the workbench did not start"
            time.sleep(0.5)
        yield url, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _ready(driver, *pages: str) -> None:
    """Wait until one of these pages (body data-page) is loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 120).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && document.body "
        "&& document.body.dataset.page") in pages)


def _loads(driver) -> int:
    return int(driver.execute_script("return Number(sessionStorage.getItem('loads') || 0)"))


def _keep(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    target = os.environ.get("DUCPHO_SCREENS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def _press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def _taken(output: Path) -> dict[str, set[str]]:
    """Per source, the masked IDs of registry people some row is already linked to (choosing
    one of them again would make a duplicate, not a match)."""
    taken: dict[str, set[str]] = {}
    for path in (latest_run(output) / "reconciliation").glob("*.parquet"):
        people = pl.read_parquet(path, columns=["person_id"])["person_id"].drop_nulls()
        taken[path.stem] = {mask_id(p) for p in people.to_list()}
    return taken


def test_three_rows_settled_by_keyboard_are_matched_after_the_rerun(
        workbench, browser, output, review_sample, tmp_path, prefect_harness):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, server_log = workbench
    driver = browser
    driver.get(url + "/")
    _ready(driver, "login")
    driver.find_element(By.ID, "user").send_keys("lan")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    _ready(driver, "queue")
    driver.get(url + "/?status=review")
    _ready(driver, "queue")
    queued = int(driver.find_element(By.ID, "open-count").text)
    assert queued >= 3
    _keep(driver, tmp_path, "17-review-queue.png")
    _press(driver, "\ue007")  # Enter: the first row of the queue
    _ready(driver, "row")
    _keep(driver, tmp_path, "17-review-row.png")
    _press(driver, "v")  # full values once (logged), then back to masked
    _ready(driver, "row")
    assert driver.find_elements(By.ID, "mask")
    _press(driver, "v")
    _ready(driver, "row")

    taken, decided, seconds = _taken(output), [], []
    published = latest_run(output)
    for _ in range(queued):
        if len(decided) == 3:
            break
        source, pos = driver.current_url.split("/row/")[1].split("?")[0].split("/")
        choice = None
        for k, card in enumerate(driver.find_elements(By.CSS_SELECTOR, "article.candidate"), 1):
            masked = card.find_element(By.CSS_SELECTOR, ".pid").text
            pickable = driver.find_elements(By.CSS_SELECTOR, f'button[data-candidate="{k}"]')
            if k <= 9 and pickable and "dead" not in card.get_attribute("class") \
                    and masked not in taken.get(source, set()):
                choice = (str(k), masked)
                break
        before, here = _loads(driver), driver.current_url
        started = time.perf_counter()
        _press(driver, choice[0] if choice else "s")
        WebDriverWait(driver, 120).until(lambda d, here=here: d.current_url != here)
        _ready(driver, "row", "queue")  # the next row, or the queue when none is left
        if choice:
            seconds.append(time.perf_counter() - started)
            assert _loads(driver) - before == 1  # one key press, one page load
            decided.append((source, int(pos), choice[1]))
            taken.setdefault(source, set()).add(choice[1])
    assert len(decided) == 3, decided
    print(f"\nsettling a row: 1 key press + 1 page load; seconds from key press to the next "
          f"row shown: {', '.join(f'{s:.3f}' for s in seconds)}")

    store = open_review_store(output)
    current = {(d.source, d.evidence["source_row"], d.evidence["source_file"]): d
               for d in store.current() if d.author == "lan"}
    assert len(current) == 3 and all(d.verdict == "match" for d in current.values())
    assert [a for a in store.access_log(10) if a[4] == "view_full"]

    from ducpho_etl.config import load_config
    from flows.nightly import nightly

    outcome = nightly(load_config(review_sample / "input", output))
    assert outcome.failed == {}
    assert latest_run(output) != published
    for source, pos, masked in decided:
        before = pl.read_parquet(published / "reconciliation" / f"{source}.parquet").row(
            pos, named=True)
        after = pl.read_parquet(latest_run(output) / "reconciliation" / f"{source}.parquet")
        row = after.filter((pl.col("source_file") == before["source_file"])
                           & (pl.col("source_row") == before["source_row"])
                           & (pl.col("sheet").eq_missing(before["sheet"]))).row(0, named=True)
        decision = current[(source, before["source_row"], before["source_file"])]
        assert row["status"] == "matched", (source, before["source_row"], row["reason_codes"])
        assert row["link_stage"] == "officer"
        assert row["person_id"] == decision.person_id
        assert mask_id(row["person_id"]) == masked  # the person whose card the key chose
        assert decision.decision_id in row["evidence"]
        assert before["status"] == "review"

    # the server's log: requests and statuses, no names or ID numbers
    text = server_log.read_text(errors="replace")
    assert "GET /row/" in text and "POST /row/" in text
    for source, pos, _ in decided:
        before = pl.read_parquet(published / "reconciliation" / f"{source}.parquet").row(
            pos, named=True)
        assert before["name"] not in text and before["raw_ho_ten"] not in text
        assert current[(source, before["source_row"], before["source_file"])].person_id not in text
