"""Failure notices for operators: one JSON record appended to a file and/or POSTed to a webhook.

Where they go is configuration, not code: DUCPHO_NOTIFY_FILE (a JSON-lines file) and
DUCPHO_NOTIFY_URL (any endpoint taking a JSON POST: a chat webhook, a mail relay, a test
receiver). A notice carries run names, state and masked error text, never personal data.
"""

import json
import urllib.request
from pathlib import Path

from ducpho_etl import config

FILE_ENV = config.NOTIFY_FILE_ENV
URL_ENV = config.NOTIFY_URL_ENV
TIMEOUT_S = 10


def destinations() -> tuple[Path | None, str | None]:
    """(file, url) from the environment; either may be unset."""
    return config.notify_destinations()


def send(record: dict, file: Path | None, url: str | None) -> list[str]:
    """Deliver the record to every configured place; returns the problems (never raises: a
    notice that cannot be sent must not hide the failure it reports)."""
    problems = []
    body = json.dumps(record, ensure_ascii=False)
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            with file.open("a", encoding="utf-8") as handle:
                handle.write(body + "\n")
        except OSError as exc:
            problems.append(f"{file}: {exc}")
    if url is not None:
        request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                response.read()
        except (OSError, ValueError) as exc:
            problems.append(f"{url}: {exc}")
    return problems
