"""What an XLSX holds, read from its zip parts without the spreadsheet reader.

Two jobs: refuse a file before the reader expands it (encrypted, not a zip, members larger than
the cap: the "shared-strings bomb"), and count each sheet's rows from the sheet XML itself, so
the ledger (ledger.py) can check the reader's rows against the file. Also the merged cells (a
"Họ và tên" header merged over the family and given name columns) and hidden sheets.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from ducpho_etl.ingest.errors import IngestError
from ducpho_etl.ingest.limits import Limits, over_limit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Compound-file header: a legacy .xls, or an XLSX encrypted with a password."""

_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_R_ATTR = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>|<(?:\w+:)?v\s")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class SheetPart:
    """One sheet as its XML describes it."""

    name: str
    state: str = "visible"
    used_range: str | None = None
    content_rows: list[int] = field(default_factory=list)
    """Row numbers (1-based) holding at least one value, ascending."""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first row, first column, last row, last column), 0-based columns."""


def column_index(letters: bytes | str) -> int:
    """'A' -> 0, 'Z' -> 25, 'AA' -> 26."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    n = 0
    for ch in text:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def check_container(path: Path, name: str) -> None:
    """Fail clearly on a file that is not an XLSX zip (encrypted, legacy .xls renamed, other)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise IngestError(name, "the workbook is encrypted (password-protected) or is an old "
                                ".xls saved as .xlsx: save it again as an unprotected .xlsx "
                                "(tệp được đặt mật khẩu hoặc không phải XLSX)")
    if not zipfile.is_zipfile(path):
        raise IngestError(name, "not a readable XLSX workbook (not a zip archive: truncated or "
                                "another kind of file)")


def _sheet_targets(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(sheet name, state, zip member of its XML) in workbook order."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target_of = {r.get("Id"): r.get("Target", "") for r in rels}
    out = []
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet") and sheet.tag != "sheet":
            continue
        target = target_of.get(sheet.get(f"{{{_REL_NS}}}id") or "", "")
        member = target.lstrip("/") if target.startswith("/") else \
            str(PurePosixPath("xl") / target)
        out.append((sheet.get("name") or "", sheet.get("state") or "visible", member))
    return out


def inspect_xlsx(path: Path, name: str, limits: Limits) -> dict[str, SheetPart]:
    """Sheet name -> SheetPart; raises IngestError for an unsafe or unreadable container."""
    check_container(path, name)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > limits.max_xlsx_uncompressed_bytes:
                biggest = max(members, key=lambda m: m.file_size)
                raise IngestError(name, over_limit(
                    "uncompressed size (bytes)", total, "max_xlsx_uncompressed_bytes",
                    limits.max_xlsx_uncompressed_bytes)
                    + f"; largest part {biggest.filename}: {biggest.file_size:,} bytes "
                      "(refused before reading)")
            parts: dict[str, SheetPart] = {}
            for sheet_name, state, member in _sheet_targets(archive):
                parts[sheet_name] = _scan_sheet(archive.read(member), sheet_name, state)
    except IngestError:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, EOFError) as exc:
        raise IngestError(name, f"not a readable XLSX workbook ({type(exc).__name__}: "
                                f"{str(exc)[:120]})") from exc
    return parts


def _scan_sheet(xml: bytes, sheet_name: str, state: str) -> SheetPart:
    part = SheetPart(name=sheet_name, state=state)
    if m := _DIMENSION.search(xml, 0, 4096):
        part.used_range = m.group(1).decode()
    previous = 0
    for match in _ROW.finditer(xml):
        r = _R_ATTR.search(match.group(1))
        number = int(r.group(1)) if r else previous + 1
        previous = number
        body = match.group(2)
        if body and _HAS_VALUE.search(body):
            part.content_rows.append(number)
    for m in _MERGE.finditer(xml):
        part.merges.append((int(m.group(2)), column_index(m.group(1)),
                            int(m.group(4)), column_index(m.group(3))))
    return part
