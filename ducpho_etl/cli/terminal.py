"""What an officer's terminal shows: Vietnamese headers and states, Vietnamese numbers, a label
column that survives any width, plain-language errors, and Prefect's own log lines kept in a log
file (they still reach the Prefect API) instead of on the screen."""

from __future__ import annotations

import atexit
import contextlib
import difflib
import logging
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
from rich import box
from rich.table import Table

from ducpho_etl.clock import VN_TZ
from ducpho_etl.privacy import owner_only_dir, restrict, scrub
from ducpho_etl.report.numbers import fmt_int

# summary.csv column -> (Vietnamese header, English key shown beside it with --verbose)
HEADERS = {"source": "Mã nguồn", "label": "Nguồn dữ liệu", "state": "Tình trạng",
           "raw_rows": "Dòng đọc", "cleaned": "Sạch", "duplicate": "Trùng", "deceased": "Đã chết",
           "review": "Cần xác minh", "not_found": "Không có trong CSDL", "rejected": "Loại bỏ"}
# manifest state -> Vietnamese (fresh: computed now, nothing to say)
STATES = {"fresh": "", "cached": "dùng lại", "carried_over": "giữ nguyên", "stale": "CŨ",
          "failed": "LỖI"}
STATE_HELP = ("dùng lại = tệp không đổi, lấy kết quả đã tính; giữ nguyên = lần này không chạy "
              "nguồn này; CŨ = nguồn lỗi, giữ số liệu lần trước; LỖI = nguồn lỗi, không có số liệu; "
              "THIẾU CỘT = có cột nhận dạng chưa xác định, số liệu chưa đầy đủ")


def header(key: str, verbose: bool = False) -> str:
    text = HEADERS.get(key, key)
    return f"{text}\n({key})" if verbose and text != key else text


def state_text(entry: dict | None, verbose: bool = False) -> str:
    if not entry:
        return ""
    state = entry.get("state", "")
    text = STATES.get(state, state)
    text = f"{text} ({state})" if verbose and text and text != state else text
    if entry.get("identity_complete") is False:  # an identity column could not be mapped
        text = f"{text} THIẾU CỘT{' (incomplete)' if verbose else ''}".strip()
    return text


def summary_table(summary: pl.DataFrame, title: str, sources: dict | None = None,
                  verbose: bool = False, width: int = 100) -> Table:
    """Counts in Vietnamese number format (219.497) that never wrap; the Vietnamese label column
    stays at any width: the count columns get exactly their width (headers wrap by word), the
    label the rest, wrapped; the source key and English keys only with --verbose."""
    states = [state_text((sources or {}).get(k), verbose) for k in summary["source"]]
    counts = [c for c in HEADERS if c not in ("source", "label", "state") and c in summary.columns]
    fixed: list[tuple[str, int, list[str]]] = []  # (header, width, cells)
    if verbose:
        fixed.append((header("source", verbose), max(len(k) for k in summary["source"]),
                      summary["source"].to_list()))
    if any(states):
        fixed.append((header("state", verbose), max([len(t) for t in states] + [5]), states))
    for column in counts:
        cells = [fmt_int(v) for v in summary[column]]
        words = header(column, verbose).replace("\n", " ").split()
        fixed.append((header(column, verbose), max([len(c) for c in cells] + [len(w) for w in words]),
                      cells))
    # a column's width counts its padding and the blank rule between columns
    fixed = [(text, w + 3, cells) for text, w, cells in fixed]
    label_width = max(14, width - sum(w for _, w, _ in fixed) - 1)
    table = Table(title=title, show_lines=False, expand=False, box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column(header("label", verbose), width=label_width, overflow="fold")
    for i, (text, column_width, _) in enumerate(fixed):
        numeric = i >= len(fixed) - len(counts)
        table.add_column(text, width=column_width, justify="right" if numeric else "left",
                         overflow="fold", style=None if numeric else "bold red")
    keys = summary["source"].to_list()
    for i, row in enumerate(summary.iter_rows(named=True)):
        label = row.get("label") or row["source"]
        table.add_row(label, *[cells[i] for _, _, cells in fixed],
                      end_section=i + 1 < len(keys) and keys[i + 1] == "total")
    return table


# --- plain-language errors --------------------------------------------------------------------
# (pattern in the technical message, what the officer reads)
PLAIN_ERRORS: list[tuple[str, str]] = [
    (r"EOCD|zip file|BadZip|not a zip|CalamineError|Zip error|password|encrypt",
     "tệp Excel hỏng hoặc có mật khẩu: hãy mở bằng Excel, bỏ mật khẩu nếu có, rồi lưu lại "
     "(File > Save As, dạng .xlsx) / damaged or protected workbook: open it in Excel and save it again"),
    (r"not an extract file type",
     "không phải tệp danh sách (.csv, .txt, .xlsx, .xls) / not an extract file type"),
    (r"no header row|required column",
     "không tìm thấy dòng tiêu đề có cột Họ và tên hoặc thiếu cột bắt buộc: kiểm tra tiêu đề cột "
     "/ no header with the required columns"),
    (r"decode|encoding|codec", "không đọc được bảng mã của tệp: hãy lưu lại dạng CSV UTF-8 "
     "/ unreadable text encoding: save it again as CSV UTF-8"),
    (r"source folder (is )?missing|thư mục nguồn không có",
     "thiếu thư mục của nguồn / source folder missing"),
    (r"no extract files", "thư mục nguồn không có tệp danh sách / no extract file in the folder"),
    (r"Permission denied|PermissionError", "không có quyền đọc hoặc ghi / permission denied"),
    (r"No space left", "hết dung lượng đĩa / no space left on the disk"),
    (r"no registry file", "thiếu tệp CSDL dân cư trong thư mục registry/ / no registry file"),
]


def plain_error(message: str | None) -> str:
    """The officer's sentence for a technical error message (Vietnamese / English), with the
    file it names; the technical text itself goes to the log file."""
    text = scrub(str(message or ""))
    file = _named_file(text)
    for pattern, plain in PLAIN_ERRORS:
        if re.search(pattern, text, re.IGNORECASE):
            return f"{file}: {plain}" if file else plain
    short = text.split("\n", 1)[0]
    return short[:200] + ("…" if len(short) > 200 else "")


def _named_file(text: str) -> str | None:
    match = re.search(r"([^\s:'\"(]+\.(?:csv|txt|xlsx|xls|parquet))", text, re.IGNORECASE)
    return match.group(1) if match else None


def did_you_mean(name: str, known: list[str]) -> str | None:
    """The known source key closest to a misnamed folder ('bhxh_2023' -> 'bhxh'), if any."""
    folded = name.lower().replace("-", "_").replace(" ", "_")
    for key in known:
        if folded.startswith(key) or key.startswith(folded):
            return key
    close = difflib.get_close_matches(folded, known, n=1, cutoff=0.6)
    return close[0] if close else None


# --- Prefect's logs to a file -----------------------------------------------------------------
def log_path(output: Path, command: str = "run") -> Path:
    """OUTPUT/logs/<command>-<Việt Nam time>.log, in an owner-only folder."""
    folder = owner_only_dir(output / "logs")
    stamp = datetime.now(VN_TZ).strftime("%Y%m%d-%H%M%S")
    return folder / f"{command}-{stamp}.log"


def _is_screen_handler(handler: logging.Handler) -> bool:
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    stream = getattr(handler, "stream", None)
    return stream in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__) or \
        getattr(stream, "isatty", lambda: False)() or "Console" in type(handler).__name__


@contextlib.contextmanager
def logs_to_file(path: Path, on_screen: bool = False) -> Iterator[logging.Handler]:
    """Every log line (Prefect's flow and task logs, warnings, the server's) goes to `path`;
    the handlers that print on the screen are set aside for the duration, unless `on_screen`
    (--debug). Handlers that send to the Prefect API are untouched."""
    import prefect.logging.configuration  # noqa: F401 - Prefect sets its handlers up on import

    file_handler = logging.FileHandler(path, encoding="utf-8", delay=False)
    restrict(path)
    file_handler.setFormatter(logging.Formatter(
        "%(asctime)s | %(levelname)-7s | %(name)s | %(message)s"))
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in
                                       list(logging.Logger.manager.loggerDict)]
    removed: list[tuple[logging.Logger, logging.Handler]] = []
    added: list[logging.Logger] = []
    for logger in loggers:
        screen = [h for h in logger.handlers if _is_screen_handler(h)]
        if not screen and logger is not logging.getLogger():
            continue
        if not on_screen:
            for handler in screen:
                logger.removeHandler(handler)
                removed.append((logger, handler))
        if screen or logger is logging.getLogger():
            logger.addHandler(file_handler)
            added.append(logger)
    logging.captureWarnings(True)
    try:
        yield file_handler
    finally:
        logging.captureWarnings(False)
        for logger in added:
            logger.removeHandler(file_handler)
        for logger, handler in removed:
            logger.addHandler(handler)
        file_handler.close()
        if not on_screen:  # the embedded server says goodbye at exit: into the file as well
            if not _AT_EXIT:
                atexit.register(_quiet_at_exit)
            _AT_EXIT[:] = [path, [h for _, h in removed]]


_AT_EXIT: list = []  # [log file, screen handlers] of the last run in this process


def _quiet_at_exit() -> None:
    """At process exit (after the run, before Prefect stops its temporary server), the screen
    handlers set aside during the last run write to its log file instead."""
    path, handlers = _AT_EXIT
    if not Path(path).parent.is_dir():
        return
    file_handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    for logger in [logging.getLogger()] + [logging.getLogger(n) for n in
                                           list(logging.Logger.manager.loggerDict)]:
        for handler in [h for h in logger.handlers if h in handlers]:
            logger.removeHandler(handler)
            logger.addHandler(file_handler)
