"""Progress inside a source (files read, rows so far, stage), for whoever shows it: the CLI's
progress bar listens; the pipeline only emits. No Prefect, no personal data (counts and file
names only). Listeners are called from the worker threads that run the sources."""

from __future__ import annotations

from collections.abc import Callable

# (source key, event) -> None; event: {"stage": "read"|"link", "file": str, "files_done": int,
# "files_total": int, "rows": int}
Listener = Callable[[str, dict], None]
LISTENERS: list[Listener] = []


def emit(source: str, **event) -> None:
    """Tell every listener; a listener's error never stops the pipeline."""
    for listener in list(LISTENERS):
        try:
            listener(source, event)
        except Exception:  # noqa: BLE001 - showing progress must not fail a run
            continue


def file_reporter(source: str) -> Callable[[str, int, int, int], None]:
    """The callback read_source calls after each file: (file, files done, files total, rows)."""
    def report(file: str, done: int, total: int, rows: int) -> None:
        emit(source, stage="read", file=file, files_done=done, files_total=total, rows=rows)
    return report
