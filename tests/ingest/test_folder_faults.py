"""Fault catalogue, source folders: what cannot be listed is an error naming it, never a
silently smaller source, and the cache key sees it (a broken folder is never "unchanged")."""

from __future__ import annotations

import os

import pytest

from ducpho_etl.cache import cache_key, source_fingerprint
from ducpho_etl.ingest.errors import SourceMissing
from ducpho_etl.ingest.listing import list_extracts
from ducpho_etl.pipeline import read_stage


def test_missing_source_folder(source):
    with pytest.raises(SourceMissing, match=r"^khong_co: .*source folder missing"):
        read_stage(source.folder.parent, source.contract.__class__(
            **{**source.contract.__dict__, "key": "khong_co"}))


def test_empty_source_folder(source):
    source.fails(r"^bhxh: source folder has no extract files")


def test_unreadable_subfolder(source, people, monkeypatch):
    """Root reads everything, so the refusal is simulated where the listing meets it."""
    source.csv("a.csv", people)
    source.csv("dot2/b.csv", people)
    real = os.scandir

    def scandir(path):
        if str(path).endswith("dot2"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    source.fails(r"^bhxh: 1 entry of the source folder cannot be read: dot2: folder cannot be "
                 r"read \(PermissionError: Permission denied\)")
    before = cache_key("bhxh", [{"file": "a.csv", "sha256": "x"}], [], 2023, code="c")
    after = cache_key("bhxh", source_fingerprint(source.folder), [], 2023, code="c")
    assert before != after


def test_unreadable_file(source, people, monkeypatch):
    source.csv("a.csv", people)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p).endswith("a.csv")
                        else real(p, mode))
    source.fails(r"a\.csv: file cannot be read \(permission denied\)")


def _linked_subfolder(source, people) -> None:
    """a.csv, and dot2 -> ../bhxh_dot2 (inside the input folder) holding b.csv."""
    elsewhere = source.folder.parent / "bhxh_dot2"
    elsewhere.mkdir()
    (elsewhere / "b.csv").write_text("\n".join(",".join(r) for r in people), encoding="utf-8")
    source.csv("a.csv", people)
    os.symlink(elsewhere, source.folder / "dot2")


def test_symlinked_subfolder_is_an_error_by_default(source, people):
    _linked_subfolder(source, people)
    source.fails(r"dot2: symbolic link, not followed \(set DUCPHO_FOLLOW_SYMLINKS=1")
    fingerprint = source_fingerprint(source.folder)
    assert [f["file"] for f in fingerprint] == ["a.csv", "dot2"] and "error" in fingerprint[1]


def test_symlinked_subfolder_followed_on_request(source, people, monkeypatch):
    _linked_subfolder(source, people)
    monkeypatch.setenv("DUCPHO_FOLLOW_SYMLINKS", "1")
    frame, reports = source.ok()
    assert frame["source_file"].unique(maintain_order=True).to_list() == ["a.csv", "dot2/b.csv"]


def test_symlink_outside_the_input_folder_refused(source, people, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.csv").write_text("\n".join(",".join(r) for r in people), encoding="utf-8")
    os.symlink(outside / "b.csv", source.folder / "b.csv")
    monkeypatch.setenv("DUCPHO_FOLLOW_SYMLINKS", "1")
    source.fails(r"b\.csv: symbolic link pointing outside the input folder")


def test_broken_symlink(source, people, monkeypatch):
    source.csv("a.csv", people)
    os.symlink(source.folder / "gone.csv", source.folder / "b.csv")
    monkeypatch.setenv("DUCPHO_FOLLOW_SYMLINKS", "1")
    source.fails(r"b\.csv: broken symbolic link")


def test_symlink_loop(source, people, monkeypatch):
    source.csv("a.csv", people)
    os.symlink(source.folder, source.folder / "again")
    monkeypatch.setenv("DUCPHO_FOLLOW_SYMLINKS", "1")
    source.fails(r"again: symbolic link loop")


def test_fifo_in_the_folder(source, people):
    source.csv("a.csv", people)
    os.mkfifo(source.folder / "pipe.csv")
    source.fails(r"pipe\.csv: neither a file nor a folder")


def test_hidden_lock_and_other_files(source, people):
    source.csv("a.csv", people)
    source.text(".~lock.a.csv#", "x")
    source.text("~$a.xlsx", "x")
    source.text("ghi_chu.docx", "x")
    frame, reports = source.ok()
    assert frame.height == 3
    assert [r["file"] for r in reports] == ["a.csv", "ghi_chu.docx"]
    assert "not an extract file type" in reports[1]["skipped"]


def test_two_thousand_files(source):
    for i in range(2000):
        source.text(f"xa_{i // 100:02d}/ds_{i:04d}.csv", f"Họ và tên,Năm sinh\nNgười {i},1950\n")
    frame, reports = source.ok()
    assert frame.height == 2000 and len(reports) == 2000
    assert sum(r["ledger"]["physical_rows"] for r in reports) == 4000
    assert len(list_extracts(source.folder).files) == 2000
