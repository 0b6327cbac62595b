"""Fault catalogue, the scheduled run: a folder broken after a good run (a symbolic link appears)
fails its source naming the link, keeps its earlier result marked stale, and is never served
from the cache or published as fresh."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ducpho_etl.config import load_config
from tests.run_inputs import GOOD, write_input


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    return write_input(tmp_path / "input")


SPLIT_NAME = ("STT,Họ và tên,,Ngày sinh,Giới tính,Mã số thuế\n1,Nguyễn Văn,Hùng,12/03/1950,Nam,\n"
              "2,Trần Thị,Lan,01/01/1948,Nữ,\n")


def test_nightly_run_never_calls_a_broken_folder_fresh_or_cached(input_dir, tmp_path,
                                                                  prefect_harness):
    """The issue's case through the flow: a symlinked subfolder appears in bhxh after a good
    run. bhxh must fail naming the link (its earlier result kept, marked stale), not be served
    from the cache or published as fresh; thue's split name columns are read as whole names."""
    from flows.nightly import nightly, run_nightly

    (input_dir / "thue" / "thue.csv").write_text(SPLIT_NAME, encoding="utf-8")
    output = tmp_path / "out"
    first = nightly(load_config(input_dir, output, sources=["bhxh", "thue"]))
    assert first.failed == {}
    assert {k: e["state"] for k, e in first.sources.items()} == {"bhxh": "fresh",
                                                                  "thue": "fresh"}
    manifest = json.loads((Path(first.run_dir) / "manifest.json").read_text())
    thue_file = manifest["sources"]["thue"]["files"][0]
    assert thue_file["name_columns"] == ["B", "C"] and thue_file["ledger"]["data"] == 2

    elsewhere = input_dir / "bhxh_dot2"
    elsewhere.mkdir()
    (elsewhere / "dot2.csv").write_text(GOOD, encoding="utf-8")
    os.symlink(elsewhere, input_dir / "bhxh" / "dot2")
    second = run_nightly(load_config(input_dir, output, sources=["bhxh", "thue"]))  # partly failed
    assert list(second.failed) == ["bhxh"]
    assert "dot2: symbolic link, not followed" in second.failed["bhxh"]
    assert second.sources["bhxh"]["state"] == "stale"
    assert second.sources["thue"]["state"] == "cached"
