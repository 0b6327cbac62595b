"""How fast the review workbench opens its queue of review rows (figures, not assertions).

Usage: python benchmarks/review_queue.py [OUTPUT] [--runs N]   (default: output/, from `make run`)

Starts the workbench on a free loopback port over OUTPUT's latest run (its own throw-away user
store, so OUTPUT/decisions.sqlite is not touched), logs in and times GET /?status=review: the
first open (reads the run's reconciliation files) and N more, each the whole HTTP answer; with
Debian's chromium and chromedriver present, also the page in the browser (navigation start to
the load event). The full sample has 704 review rows (the truth's 696 namesakes and more).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from ducpho_etl.decisions import open_store
from ducpho_etl.review.app import create_app
from ducpho_etl.review.passwords import hash_password

PASSWORD = "benchmark-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_seconds(url: str, runs: int) -> list[list[float]] | None:
    """Per run: seconds from navigation start to the page received, to DOMContentLoaded (the
    table is there, keys work) and to the load event."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        driver.get(url + "/login")
        driver.find_element(By.ID, "user").send_keys("bench")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        found = []
        for _ in range(runs):
            driver.get(url + "/?status=review")
            found.append(driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return [n.responseEnd / 1000, n.domContentLoadedEventEnd / 1000, "
                "n.loadEventEnd / 1000];"))
        return found
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output", nargs="?", default="output")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    output = Path(args.output)
    scratch = Path(tempfile.mkdtemp())
    store = open_store(output, f"sqlite:///{scratch / 'bench.sqlite'}")
    store.add_user("bench", hash_password(PASSWORD))
    port = free_port()
    started = time.perf_counter()
    web = create_app(output, store)
    loaded = time.perf_counter() - started
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            client.post("/login", data={"user": "bench", "password": PASSWORD, "next": "/login"})
            times, rows = [], 0
            for run in range(args.runs + 1):
                started = time.perf_counter()
                page = client.get("/", params={"status": "review"})
                times.append(time.perf_counter() - started)
                rows = int(re.search(r'id="shown-count">(\d+)<', page.text).group(1))
                if run == 0:  # then let the registry candidates finish building (a thread)
                    started = time.perf_counter()
                    web.state.bench.candidates().ready.wait()
                    built = time.perf_counter() - started
        print(f"review rows in the queue: {rows:,}")
        print(f"server start (reads the run's queued rows): {loaded:.3f} s")
        print(f"first open: {times[0]:.3f} s; registry "
              f"candidates of the queue ready {built:.1f} s later (a background thread)")
        print(f"next {args.runs} opens: median {statistics.median(times[1:]):.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in times[1:])})")
        in_browser = browser_seconds(url, args.runs)
        if in_browser is None:
            print("in the browser: skipped (no chromium/chromedriver)")
        else:
            for i, what in enumerate(["page received", "DOMContentLoaded", "load event"]):
                values = [run[i] for run in in_browser]
                print(f"in headless Chromium, navigation start to {what}: median "
                      f"{statistics.median(values):.3f} s "
                      f"(runs: {', '.join(f'{t:.3f}' for t in values)})")
    finally:
        server.should_exit = True
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
