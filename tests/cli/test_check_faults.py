"""Fault catalogue through the command line the officer uses: `ducpho-etl check` names an
unterminated quote, reads Excel's "Unicode Text" and refuses an encrypted workbook, without a
traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.run_inputs import GOOD, write_input

BIN = Path(sys.executable).parent


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    return write_input(tmp_path / "input")


def _check(path: Path, source: str = "bhxh") -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([str(BIN / "ducpho-etl"), "check", str(path), "--source", source],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_check_names_the_unterminated_quote(input_dir):
    done = _check(input_dir / "thue" / "thue.csv", "thue")
    assert done.returncode == 1
    assert "thue.csv, row 4: a quote" in " ".join(done.stdout.split())
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_check_reads_utf16_unicode_text(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(GOOD.replace(",", "\t").encode("utf-16"))
    done = _check(path)
    assert done.returncode == 0, done.stdout
    assert "utf-16-le" in done.stdout


def test_cli_check_refuses_an_encrypted_workbook(tmp_path):
    path = tmp_path / "khoa.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    done = _check(path)
    assert done.returncode == 1
    assert "encrypted (password-protected)" in " ".join(done.stdout.split())
