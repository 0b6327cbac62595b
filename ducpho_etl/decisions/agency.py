"""Agencies' answers read back: the "Kết quả xử lý của cơ quan" column of returns/<source>.xlsx.

Each answer is one of: a corrected 12-digit ID (the row is that registry person), "đúng" (the
suggestion is right: the person shown for a dead or duplicate row, the only best candidate of a
row to check, or, for a row not in the registry, that its details are right: a new resident to
register), "không phải" (not that person: not in the registry), each optionally followed by a
note; any other text is a note kept in the import report, not a decision.

Each answer is checked: the row of the return list must still be the row of the run it came from
(same values as sent) and that content must still be in the latest run (its content key); an ID
must have 12 digits, a known province code, the century/gender digit and the year digits of the
row's birth year and gender (domain.md), and be in the registry. A file with any bad answer
stores nothing (never half-applied); its bad answers are listed with sheet and row. Messages
carry masked IDs only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ducpho_etl.decisions.evidence import evidence_of_row
from ducpho_etl.decisions.keys import row_content_key
from ducpho_etl.decisions.model import Decision, new_decision
from ducpho_etl.normalize.ids import PROVINCE_CODES
from ducpho_etl.privacy import mask_id, scrub
from ducpho_etl.report.returns import ACTION_SHEETS, RAW_COLUMNS

ANSWER_TITLE = "Kết quả xử lý của cơ quan"
SHEET_STATUS = {name: status for status, (name, _todo) in ACTION_SHEETS.items()}
HEADER_SEARCH_ROWS = 10
YES = ("đúng", "dung", "đúng người", "xác nhận", "đ")
NO = ("không phải", "khong phai", "không đúng", "khong dung", "sai người", "không")
_ID_RUN = re.compile(r"(?<![\d])\d[\d .\-]{7,16}\d(?![\d])")
_SCIENTIFIC = re.compile(r"\d[.,]\d+e\+?\d+", re.IGNORECASE)


@dataclass
class Problem:
    sheet: str
    row: int  # the row of the return list as Excel shows it
    where: str  # the original file:row (sheet)
    text: str  # Vietnamese (English)


@dataclass
class FileImport:
    """What importing one returned file did: decisions stored (or none at all when `problems`),
    answers that were notes only, answers already in force."""
    path: Path
    source: str | None = None
    answers: int = 0
    decisions: list[Decision] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None

    @property
    def stored(self) -> int:
        return 0 if (self.problems or self.error) else len(self.decisions)


class ReturnFileError(ValueError):
    """A file that is not a return list of this pipeline (or cannot be read)."""


# --- reading the workbook ------------------------------------------------------------------
def _clean(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value)).strip()


def _cell(line: list[str], col: dict[str, int], title: str) -> str | None:
    i = col.get(title)
    return (line[i] or None) if i is not None and i < len(line) else None


def read_answers(path: Path) -> tuple[str | None, pl.DataFrame]:
    """(run_id from the cover sheet, one row per filled answer): sheet, row (Excel's number),
    status, source_file, sheet_orig, source_row, answer and the values as sent shown there."""
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own types
        raise ReturnFileError(f"{path.name}: không đọc được tệp Excel (cannot read the workbook): "
                              f"{scrub(str(exc))[:200]}") from None
    run_id, rows = None, []
    titles = {title: key for key, (title, _w) in RAW_COLUMNS.items()}
    for sheet in reader.sheet_names:
        grid = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
        cells = [[_clean(v) for v in row] for row in grid.iter_rows()]
        if sheet not in SHEET_STATUS:
            for line in cells[:3]:
                found = re.search(r"lần chạy (\S+)", " ".join(line))
                run_id = run_id or (found.group(1) if found else None)
            continue
        header_at = next((i for i, line in enumerate(cells[:HEADER_SEARCH_ROWS])
                          if ANSWER_TITLE in line and "Dòng" in line), None)
        if header_at is None:
            raise ReturnFileError(f"{path.name}: trang tính '{sheet}' không có cột "
                                  f"\"{ANSWER_TITLE}\" (sheet has no answer column)")
        header = cells[header_at]
        col = {title: header.index(title) for title in header if title}
        for offset, line in enumerate(cells[header_at + 1:], start=header_at + 2):
            answer = line[col[ANSWER_TITLE]] if col[ANSWER_TITLE] < len(line) else ""
            if not answer:
                continue
            row_number = _cell(line, col, "Dòng")
            rows.append({"sheet": sheet, "row": offset, "status": SHEET_STATUS[sheet],
                         "source_file": _cell(line, col, "Tệp"),
                         "sheet_orig": _cell(line, col, "Trang tính"),
                         "source_row": re.sub(r"\.0+$", "", row_number or ""), "answer": answer,
                         "shown": {titles[t]: _cell(line, col, t) for t in titles if t in col}})
    return run_id, pl.DataFrame(rows, schema={
        "sheet": pl.Utf8, "row": pl.Int64, "status": pl.Utf8, "source_file": pl.Utf8,
        "sheet_orig": pl.Utf8, "source_row": pl.Utf8, "answer": pl.Utf8,
        "shown": pl.Object})


# --- understanding one answer ----------------------------------------------------------------
@dataclass
class Answer:
    kind: str  # "id" | "yes" | "no" | "note" | "bad"
    person_id: str | None = None
    note: str = ""
    problem: str | None = None


def parse_answer(text: str) -> Answer:
    """What an agency wrote, as data. An ID anywhere in the text wins over a yes/no word."""
    folded = text.casefold().strip()
    if _SCIENTIFIC.search(folded):
        return Answer("bad", problem="số bị Excel đổi sang dạng khoa học (1,2E+11): nhập lại số dưới "
                                     "dạng văn bản (a number turned into scientific notation)")
    found = _ID_RUN.search(text)
    if found:
        digits = re.sub(r"\D", "", found.group(0))
        if len(digits) == 11:  # Excel dropped the leading zero of a number cell
            digits = "0" + digits
        note = " ".join((text[:found.start()] + text[found.end():]).split()).strip(" -–:;,.")
        if len(digits) != 12:
            return Answer("bad", problem=f"số định danh phải có 12 chữ số, ở đây có {len(digits)} "
                                         f"(a personal ID has 12 digits, this has {len(digits)})")
        return Answer("id", person_id=digits, note=note)
    for kind, words in (("no", NO), ("yes", YES)):  # "không đúng" before "đúng"
        for word in sorted(words, key=len, reverse=True):
            if folded == word or re.match(rf"^{re.escape(word)}(?:[\s\-–:;,.!(]|$)", folded):
                return Answer(kind, note=text[len(word):].strip(" -–:;,.!"))
    return Answer("note", note=text)


def check_id(person_id: str, birth_year, gender) -> str | None:
    """Why an ID cannot be this row's person (domain.md: 12 digits, province, century/gender
    digit, year digits), or None."""
    masked = mask_id(person_id)
    if person_id[:3] not in PROVINCE_CODES:
        return f"số {masked}: mã tỉnh {person_id[:3]} không tồn tại (unknown province code)"
    digit = int(person_id[3])
    if birth_year is not None and (digit // 2 != (int(birth_year) - 1900) // 100
                                   or int(person_id[4:6]) != int(birth_year) % 100):
        return (f"số {masked} không khớp năm sinh {birth_year} của dòng "
                    f"(ID digits disagree with the row's birth year)")
    if gender in ("Nam", "Nữ") and digit % 2 != (gender == "Nữ"):
        return f"số {masked} không khớp giới tính {gender} (ID digit disagrees with the gender)"
    return None


# --- one file ------------------------------------------------------------------------------
class Registry:
    """The registry people the answers name, loaded only when an answer needs it."""

    def __init__(self, loader) -> None:
        self._loader, self._frame, self.error = loader, None, None

    def frame(self) -> pl.DataFrame | None:
        if self._frame is None and self.error is None:
            try:
                self._frame = self._loader()
            except Exception as exc:  # noqa: BLE001 - reported with each answer that needs it
                self.error = scrub(f"{type(exc).__name__}: {exc}")[:200]
        return self._frame


def import_file(path: Path, answers: pl.DataFrame, recon_of_run: pl.DataFrame,
                recon_latest: pl.DataFrame, registry: Registry, source: str, author: str,
                current: dict[str, Decision]) -> FileImport:
    """Check every answer (read_answers) of one returned file against the run it came from and
    the latest run; the decisions to store (all or none: see FileImport.stored)."""
    result = FileImport(path=path, source=source)
    result.answers = answers.height
    if not answers.height:
        return result
    places = answers.select("source_file", pl.col("sheet_orig").alias("sheet"),
                            pl.col("source_row").cast(pl.Int64, strict=False)).unique()
    answered_rows = recon_of_run.join(places.with_columns(pl.col("source_row").cast(
        recon_of_run.schema["source_row"])), on=["source_file", "sheet", "source_row"],
        how="semi", nulls_equal=True)
    answered_rows = answered_rows.with_columns(row_content_key(answered_rows))
    latest_keys = set(row_content_key(recon_latest).to_list())
    by_place = {(r["source_file"], r["sheet"], str(r["source_row"])): r
                for r in answered_rows.iter_rows(named=True)}
    for a in answers.iter_rows(named=True):
        where = f"{a['source_file']}:{a['source_row']}" + (f" ({a['sheet_orig']})" if a["sheet_orig"] else "")

        def bad(text: str, a=a, where=where) -> None:
            result.problems.append(Problem(a["sheet"], a["row"], where, scrub(text)))

        row = by_place.get((a["source_file"], a["sheet_orig"], a["source_row"]))
        if row is None:
            bad("không tìm thấy dòng này trong lần chạy đã gửi danh sách (row not in that run)")
            continue
        edited = [k for k, v in (a["shown"] or {}).items()
                  if v is not None and _clean(row.get(k)) != v]
        if edited:
            bad("giá trị của dòng trong danh sách trả về đã bị sửa (" + ", ".join(
                RAW_COLUMNS[k][0] for k in edited) + "): hãy sửa trong tệp gốc và gửi lại tệp gốc "
                "(values of the row were edited in the return list: fix the original file)")
            continue
        if row["row_key"] not in latest_keys:
            bad("dòng này không còn trong lần chạy mới nhất (tệp gốc đã đổi) "
                "(the row is no longer in the latest run: the original file changed)")
            continue
        answer = parse_answer(a["answer"])
        if answer.kind == "note":
            result.notes.append(Problem(a["sheet"], a["row"], where, scrub(answer.note)[:200]))
            continue
        decided = _decide(answer, row, a["status"], registry)
        if isinstance(decided, str):
            bad(decided)
            continue
        verdict, person_id, extra = decided
        in_force = current.get(row["row_key"])
        if in_force is not None and (in_force.verdict, in_force.person_id) == (verdict, person_id):
            result.unchanged += 1
            continue
        evidence = {**evidence_of_row(row), **extra, "return_file": path.name,
                    "return_sheet": a["sheet"], "return_row": a["row"]}
        result.decisions.append(new_decision(source, row["row_key"], verdict, person_id, author,
                                             "agency", note=answer.note, evidence=evidence))
    return result


def _decide(answer: Answer, row: dict, status: str,
            registry: Registry) -> tuple[str, str | None, dict] | str:
    """(verdict, person_id, extra evidence) for an answer on a row of a status sheet, or why not."""
    if status == "rejected":
        return ("dòng bị loại không nhận quyết định: hãy bổ sung trong tệp gốc và gửi lại "
                "(a rejected row takes no decision: complete the original file)")
    if answer.kind == "bad":
        return answer.problem or "câu trả lời không hợp lệ (invalid answer)"
    if answer.kind == "id":
        problem = check_id(answer.person_id, row.get("birth_year"), row.get("gender"))
        if problem:
            return problem
        people = registry.frame()
        if people is None:
            return f"không đọc được CSDL dân cư để kiểm tra số (registry unreadable): {registry.error}"
        person = people.filter(pl.col("person_id") == answer.person_id)
        if not person.height:
            return (f"số {mask_id(answer.person_id)} không có trong CSDL dân cư "
                    f"(the ID is not in the registry)")
        return "match", answer.person_id, {"person_alive": bool(person["alive"][0])}
    if answer.kind == "no":
        if status == "not_found":
            return ("dòng này không gợi ý người nào để trả lời \"không phải\" "
                    "(this row suggests no person to say \"not that one\" to)")
        return "not_in_registry", None, {}
    # "đúng"
    if status == "not_found":
        return "new_resident", None, {}
    if status == "deceased":
        return "match", row["person_id"], {"person_alive": False}
    if status == "duplicate":
        return "duplicate", row["person_id"], {}
    return _best_candidate(row, registry)


def _best_candidate(row: dict, registry: Registry) -> tuple[str, str | None, dict] | str:
    """"đúng" on a row to check: its one best candidate, found in the registry by its masked ID,
    name and birth year. Several equally good candidates: the agency must write the ID."""
    candidates = sorted(evidence_of_row(row)["candidates"], key=lambda c: -(c["posterior"] or 0))
    tie = len(candidates) > 1 and candidates[0]["posterior"] == candidates[1]["posterior"]
    if not candidates or tie:
        return ("nhiều người trong CSDL khớp như nhau: ghi số định danh (12 số) của đúng người "
                "(several registry people fit equally: write the right person's 12-digit ID)")
    people = registry.frame()
    if people is None:
        return f"không đọc được CSDL dân cư (registry unreadable): {registry.error}"
    masked = candidates[0]["id"]
    found = people.filter((pl.col("person_id").str.slice(0, 3) == masked[:3])
                          & (pl.col("person_id").str.slice(-3) == masked[-3:])
                          & (pl.col("name_key") == row.get("name_key")))
    if found.height != 1:
        return ("không xác định được người gợi ý: ghi số định danh (12 số) "
                "(the suggested person cannot be told: write the 12-digit ID)")
    return "match", found["person_id"][0], {"person_alive": bool(found["alive"][0])}


# --- several files against an output folder -------------------------------------------------
def source_of(path: Path, labels: dict[str, str], cover_label: str | None = None) -> str | None:
    """The source a returned file answers for: its name (bhxh.xlsx, "bhxh (1).xlsx",
    bhxh_tra_loi.xlsx) or the label in its cover title."""
    stem = path.stem.casefold()
    for key in sorted(labels, key=len, reverse=True):
        if stem == key or stem.startswith((f"{key} ", f"{key}_", f"{key}-", f"{key}(")):
            return key
    if cover_label:
        wanted = cover_label.casefold()
        return next((k for k, label in labels.items() if label.casefold() == wanted), None)
    return None


def _cover_label(path: Path) -> str | None:
    try:
        reader = fastexcel.read_excel(path)
        first = reader.load_sheet(reader.sheet_names[0], header_row=None, skip_rows=0,
                                  dtypes="string").to_polars()
    except Exception:  # noqa: BLE001 - the caller reports the unreadable file
        return None
    title = _clean(first.item(0, 0)) if first.height and first.width else ""
    return title.split("–", 1)[1].strip() if "–" in title else None


def import_returns(paths: list[Path], output_dir: Path, url: str | None = None,
                   input_dir: Path | None = None, source: str | None = None) -> list[FileImport]:
    """Import each returned file into the decision store of `output_dir` (or `url` /
    $DUCPHO_DB_URL); each file all or nothing."""
    from ducpho_etl.contracts import load_sources
    from ducpho_etl.decisions.store import open_store
    from ducpho_etl.publish import latest_run, read_manifest, registry_year_of
    from ducpho_etl.registry import load_prepared_registry

    latest = latest_run(Path(output_dir))
    if latest is None:
        raise ReturnFileError(f"{output_dir}: chưa có lần chạy nào được công bố (no published run)")
    manifest = read_manifest(latest)
    registry_dir = Path(input_dir or manifest.get("input") or ".") / "registry"
    year = registry_year_of(manifest)
    registry = Registry(lambda: load_prepared_registry(registry_dir, year)[1])
    labels = {k: c.label for k, c in load_sources().items()}
    results = []
    store = open_store(Path(output_dir), url)
    try:
        for path in paths:
            path = Path(path)
            key = source or source_of(path, labels, _cover_label(path))
            if key is None:
                results.append(FileImport(path=path, error=(
                    "không nhận ra nguồn của tệp: đặt tên tệp theo nguồn (vd. bhxh.xlsx) hoặc dùng "
                    "--source (cannot tell the source: name the file after it or use --source)")))
                continue
            try:
                run_id, answers = read_answers(path)
                run_dir = latest.parent / run_id if run_id and (latest.parent / run_id).is_dir() \
                    else latest
                recon_path = f"reconciliation/{key}.parquet"
                of_run, now = pl.read_parquet(run_dir / recon_path), pl.read_parquet(latest / recon_path)
                current = {d.row_key: d for d in store.current(key)}
                result = import_file(path, answers, of_run, now, registry, key,
                                     labels.get(key, key), current)
            except (ReturnFileError, OSError) as exc:
                results.append(FileImport(path=path, source=key, error=scrub(str(exc))))
                continue
            if result.stored:
                store.record_many(result.decisions)
            results.append(result)
    finally:
        store.close()
    return results
