"""`ducpho-etl run` as an officer sees it: a real terminal (a pty, 100 columns), a real process
with Prefect's embedded server. No Prefect log line on the screen (they are in OUTPUT/logs/),
progress advancing inside a source by files and rows, the Vietnamese table with its label column,
a last line that says what needs action and where, and a handled source failure as one line
without a traceback (the traceback is in the log file)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from ducpho_etl.sample import generate_sample

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
PREFECT_LINE = re.compile(r"\|\s*(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s*\||Flow run|Task run|"
                          r"Finished in state|prefect\.(flow_runs|task_runs)")


def run_in_pty(args: list[str], columns: int, env: dict[str, str], timeout: float = 480
               ) -> tuple[str, int]:
    """Run a command in a pseudo-terminal of the given width; (everything it drew, exit code)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of `columns` x 50, the usual umask of a shell
        os.umask(0o022)
        os.environ.clear()
        os.environ.update(env)
        os.execv(args[0], args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)


@pytest.fixture(scope="module")
def terminal_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pty")
    generate_sample(root, scale=0.01, seed=11)
    # a damaged workbook in one source: a handled failure of that source alone
    (root / "input" / "thue" / "hong.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    output = root / "output"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLUMNS", "LINES"))}
    env.update({"TERM": "xterm-256color", "PYTHONUNBUFFERED": "1",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_HOME": env.get("PREFECT_HOME", str(Path.cwd() / ".prefect")),
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240"})
    exe = shutil.which("ducpho-etl", path=str(Path(sys.executable).parent))
    assert exe, "the ducpho-etl entry point is installed next to the interpreter"
    screen, code = run_in_pty([exe, "run", "--input", str(root / "input"), "--output", str(output)],
                              100, env)
    return ANSI.sub("", screen).replace("\r", "\n"), code, output


def test_no_prefect_log_line_on_the_screen(terminal_run):
    screen, code, output = terminal_run
    assert "Kết quả lần chạy" in screen, screen[-3000:]
    assert not [ln for ln in screen.splitlines() if PREFECT_LINE.search(ln)], screen[-3000:]
    logs = list((output / "logs").glob("run-*.log"))
    assert len(logs) == 1
    text = logs[0].read_text(encoding="utf-8")
    assert "Beginning flow run" in text and "prefect.flow_runs" in text  # they went here instead


def test_what_the_run_writes_is_owner_only(terminal_run):
    """The process started with the usual umask 022: outputs, cache, logs are still 0600/0700."""
    _, _, output = terminal_run
    import stat

    paths = [p for p in output.rglob("*") if not p.is_symlink()]
    assert any(p.suffix == ".parquet" for p in paths) and any(".cache" in p.parts for p in paths)
    assert any(p.suffix == ".log" for p in paths) and any(p.suffix == ".xlsx" for p in paths)
    loose = [(str(p), oct(stat.S_IMODE(p.stat().st_mode))) for p in [output, *paths]
             if stat.S_IMODE(p.stat().st_mode) not in ((0o700,) if p.is_dir() else (0o600,))]
    assert not loose


def test_progress_advances_inside_a_source_by_files_and_rows(terminal_run):
    screen, _, _ = terminal_run
    steps = re.findall(r"Bảo hiểm xã hội: đọc tệp (\d+)/(\d+), ([\d.]+) dòng", screen)
    files = sorted({(int(done), int(total), int(rows.replace(".", ""))) for done, total, rows in steps})
    assert len(files) >= 2, steps  # at least two distinct steps inside bhxh before it finished
    assert [f[0] for f in files] == sorted({f[0] for f in files})
    rows = [f[2] for f in files]
    assert rows == sorted(rows) and rows[0] < rows[-1]
    assert re.search(r"Bảo hiểm xã hội: [\d.]+ dòng, đang đối chiếu CSDL", screen)


def test_table_in_vietnamese_with_its_label_column_at_100_columns(terminal_run):
    screen, _, output = terminal_run
    table = screen[screen.rindex("Kết quả lần chạy"):]
    lines = table.splitlines()
    assert all(len(ln) <= 100 for ln in lines)
    for header in ("Nguồn dữ liệu", "Dòng", "Sạch", "Trùng", "Tình", "Loại"):
        assert header in table
    for english in ("raw_rows", "not_found", "cleaned", "failed)", "stale"):
        assert english not in table  # English keys only with --verbose
    # the Vietnamese label column is there, beside its figures (8 of them: state LỖI for thue)
    assert re.search(r"^ Bảo hiểm xã hội\s+[\d.]+(\s+[\d.]+){6}\s*$", table, re.M), table
    assert re.search(r"^ Thuế\s+LỖI(\s+0){7}\s*$", table, re.M), table
    assert re.search(r"^ Tổng cộng\s+\d\.\d{3}(\s+[\d.]+){6}\s*$", table, re.M), table
    # Vietnamese number format: thousands with a dot, in the table and on the progress lines
    assert re.search(r"Bảo hiểm xã hội: \d\.\d{3} dòng", screen)
    assert not re.search(r"\d,\d{3} (dòng|rows)", screen)


def test_last_line_says_what_needs_action_and_where(terminal_run):
    screen, _, output = terminal_run
    last = " ".join(screen[screen.rindex("Cần xử lý:"):].split())  # wrapped: long temp paths
    assert re.fullmatch(r"Cần xử lý: [\d.]+ dòng của \d cơ quan – xem \S+/latest/report\.html và "
                        r"danh sách trả về trong \S+/latest/returns/", last), last
    assert "1 nguồn lỗi;" in screen[screen.rindex("Cần xử lý:") - 20:]  # the failed source first


def test_a_handled_source_failure_is_one_line_and_no_traceback(terminal_run):
    screen, code, output = terminal_run
    assert code == 1  # a source failed: the exit code says so
    assert "Traceback" not in screen and 'File "' not in screen
    failed = [ln for ln in screen.splitlines() if "✗ Thuế: lỗi / failed" in ln]
    assert failed and "hong.xlsx" in failed[-1] and "tệp Excel hỏng" in screen
    flat = " ".join(screen.split())  # the terminal wraps long lines
    assert "damaged or protected workbook" in flat  # the English beside it
    assert flat.count("✗ Thuế: lỗi / failed – hong.xlsx: tệp Excel hỏng") >= 1
    assert "Chi tiết kỹ thuật / technical details:" in screen
    log = next((output / "logs").glob("run-*.log")).read_text(encoding="utf-8")
    assert "hong.xlsx" in log and "Traceback" in log


def test_explain_names_a_1_january_stand_in_and_masks_the_person(terminal_run, tmp_path):
    """`ducpho-etl explain` in a terminal, on a row whose agency wrote 01/01 for a day the
    registry knows: the birth level says so in Vietnamese; the person's ID shows masked."""
    import polars as pl

    _, _, output = terminal_run
    frames = [pl.read_parquet(p) for p in (output / "latest" / "reconciliation").glob("*.parquet")]
    stand_ins = pl.concat(frames, how="diagonal_relaxed").filter(
        pl.col("evidence").str.contains('"birth":"jan1"', literal=True)
        & pl.col("sheet").is_null() & pl.col("person_id").is_not_null())
    assert stand_ins.height, "the sample holds 01/01 stand-ins on rows with an ID"
    row = stand_ins.row(0, named=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLUMNS", "LINES"))}
    # a wide terminal (COLUMNS too: the width the pty is given may come after the program asks)
    env.update({"TERM": "xterm-256color", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    exe = shutil.which("ducpho-etl", path=str(Path(sys.executable).parent))
    screen, code = run_in_pty([exe, "explain", "--output", str(output), "--source",
                               row["source"], "--file", Path(row["source_file"]).name,
                               "--row", str(row["source_row"])], 200, env, timeout=120)
    flat = " ".join(ANSI.sub("", screen).split())
    assert code == 0, flat[-2000:]
    assert "một bên 01/01" in flat  # the level's Vietnamese label, in the candidate's row
    person = row["person_id"]
    assert f"{person[:3]}******{person[-3:]}" in flat and person not in flat
    assert " ".join(str(row["raw_ho_ten"]).split()) not in flat  # initials only
