"""Peak memory of reading one hostile-sized extract: a 1,000,000-row CSV and an XLSX whose
shared strings expand to ~2 GB (the "shared-strings bomb", ~5 MB on disk).

Each case runs in a fresh Python process (so one case's peak does not hide another's) and
prints its peak resident memory (getrusage ru_maxrss of that child), seconds, and the outcome:
the rows read and the ledger for the CSV, the clear refusal for the bomb. Target: under 1.5 GB
each.

    .venv/bin/python benchmarks/ingest_memory.py [--rows 1000000] [--bomb-gb 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

LIMIT_GB = 1.5

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE = ["Văn", "Thị", "Ngọc", "Minh", "Thanh", "Hữu", "Đức"]
_GIVEN = ["Hùng", "Lan", "Anh", "Dũng", "Hoa", "Tâm", "Phúc", "Hạnh", "Sơn", "Trang"]
_PLACES = ["Phổ An", "Phổ Thạnh", "Phổ Ninh", "Nguyễn Nghiêm", "Phổ Khánh", "Phổ Cường"]


def write_big_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A BHXH-like UTF-8 CSV: header, `rows` data rows, a few quoted multi-line addresses."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("STT,Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số thẻ BHYT,Địa chỉ\n")
        for i in range(1, rows + 1):
            name = f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
            place = rng.choice(_PLACES)
            address = f'"Thôn {i % 9 + 1}\nxã {place}"' if i % 1000 == 0 else f"xã {place}"
            out.write(f"{i},{5100000000 + i},{name},{rng.randint(1, 28):02d}/"
                      f"{rng.randint(1, 12):02d}/{rng.randint(1930, 2020)},"
                      f"{rng.choice(['Nam', 'Nữ'])},051{rng.randint(0, 999999999):09d},"
                      f"DN4515{5100000000 + i},{address}\n")


def write_bomb(path: Path, gigabytes: float) -> None:
    """A valid-looking XLSX whose sharedStrings.xml is `gigabytes` of one repeated string."""
    ws = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
          '.org/spreadsheetml/2006/main"><dimension ref="A1:B2"/><sheetData>'
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
          '</sheetData></worksheet>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
        'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="DS" sheetId="1" r:id="rId1"/></sheets>'
        '</workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>',
        "xl/worksheets/sheet1.xml": ws,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                      b'spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>'
                      + "Họ và tên".encode() + b"</t></si><si><t>")
            block = b"A" * (64 << 20)
            for _ in range(int(gigabytes * 1024 / 64)):
                out.write(block)
            out.write(b"</t></si></sst>")


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest.source import IngestError, read_file
t0 = time.perf_counter()
try:
    frame, reports = read_file(Path(sys.argv[1]), load_sources()["bhxh"])
    outcome = {"rows": frame.height, "ledger": reports[0].get("ledger")}
except IngestError as exc:
    outcome = {"refused": str(exc)}
outcome["seconds"] = round(time.perf_counter() - t0, 1)
outcome["peak_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 3)
print(json.dumps(outcome, ensure_ascii=False))
"""


def measure(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bomb-gb", type=float, default=2.0)
    parser.add_argument("--keep", type=Path, help="folder for the generated files (kept)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ingest-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, bomb_path = folder / "bhxh_1m.csv", folder / "bomb.xlsx"
    t0 = time.perf_counter()
    if not (args.keep and csv_path.exists() and bomb_path.exists()):  # --keep: reused next time
        write_big_csv(csv_path, args.rows)
        write_bomb(bomb_path, args.bomb_gb)
    print(f"files written in {time.perf_counter() - t0:.0f} s: {csv_path.name} "
          f"{csv_path.stat().st_size / 1e6:.0f} MB, {bomb_path.name} "
          f"{bomb_path.stat().st_size / 1e6:.1f} MB (expands to {args.bomb_gb:g} GB)")
    worst = 0.0
    for label, path in (("csv", csv_path), ("bomb", bomb_path)):
        result = measure(path)
        worst = max(worst, result["peak_gb"])
        print(f"{label:5s} peak {result['peak_gb']:.3f} GB  {result['seconds']:6.1f} s  "
              + json.dumps({k: v for k, v in result.items() if k not in ("peak_gb", "seconds")},
                           ensure_ascii=False))
    print(f"worst peak {worst:.3f} GB (target < {LIMIT_GB} GB): "
          f"{'OK' if worst < LIMIT_GB else 'OVER'}")
    if not args.keep:
        for path in (csv_path, bomb_path):
            path.unlink(missing_ok=True)
        folder.rmdir()


if __name__ == "__main__":
    main()
