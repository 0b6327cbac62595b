"""Source, registry and output contracts, loaded from the declarative files in schemas/.

A contract is data, not code: adding a source is one YAML file in schemas/sources/ (see
schemas/README.md for the keys).

The schemas folder is the package's own `schemas/` unless the environment variable
DUCPHO_SCHEMAS_DIR names another one. It is read at every call (never cached across values), so a
test or a deployment can point at its own folder. The shared files `fields.yaml`, `registry.yaml`
and `outputs.yaml` fall back to the package's copies when the override folder does not have them:
an override folder may hold just `sources/<key>.yaml`. Sources are always those of the folder in
use (no merging with the package's sources).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import polars as pl
import yaml

from ducpho_etl import config

PACKAGE_SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS_ENV = config.SCHEMAS_ENV
SOURCE_KEYS = {"key", "label", "label_en", "required", "identity_any", "unique", "min_age",
               "max_age", "aliases", "description", "skip_unrecognised_sheets"}


class ContractError(ValueError):
    """A contract file is malformed."""


def schemas_dir() -> Path:
    """The schemas folder in use: $DUCPHO_SCHEMAS_DIR when set (read now), else the package's."""
    override = config.schemas_override()
    if not override:
        return PACKAGE_SCHEMAS_DIR
    path = Path(override).expanduser().resolve()
    if not path.is_dir():
        raise ContractError(f"{SCHEMAS_ENV}={override}: not a folder")
    return path


def shared_file(name: str, folder: Path | None = None) -> Path:
    """A shared contract file (fields.yaml, registry.yaml, outputs.yaml): the folder's own copy,
    else the package's."""
    folder = folder or schemas_dir()
    own = folder / name
    return own if own.is_file() else PACKAGE_SCHEMAS_DIR / name


def _fold_slowly(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NOT_FOLDED.sub("", text.lower())


_NOT_FOLDED = re.compile(r"[^0-9a-z]")
_FOLD_TABLE_END = 0x2500
"""Characters below this are folded by one str.translate table (Latin, Vietnamese, general
punctuation); rarer ones (fullwidth forms, ...) the slow way. Per character the two agree: NFKD
decomposes each character on its own and the marks it reorders are dropped anyway."""


@cache
def _fold_table() -> dict[int, str | None]:
    return {code: _fold_slowly(chr(code)) or None for code in range(_FOLD_TABLE_END)}


def fold_header(text: str) -> str:
    """Fold a header for comparison: no accents, case, spaces or punctuation.

    "Họ và tên" == "HO VA TEN" == "họ  và tên:" -> "hovaten". đ has no decomposition: mapped by hand.
    Called on every cell of a table's first columns (repeated headers, signature lines): one
    str.translate, not a normalisation per cell.
    """
    text = str(text)
    if text and ord(max(text)) >= _FOLD_TABLE_END:
        return _fold_slowly(text)
    return text.translate(_fold_table())


def fold_series(texts: pl.Series) -> pl.Series:
    """fold_header of every text of a column, in polars (null stays null): NFKD, then lower
    case, đ by hand, and only ASCII letters and digits kept (the marks NFKD splits off go with
    the rest)."""
    return texts.str.normalize("NFKD").str.to_lowercase() \
        .str.replace_all("đ", "d", literal=True).str.replace_all(r"[^0-9a-z]", "")


@dataclass(frozen=True, eq=False)
class SourceContract:
    key: str
    label: str
    label_en: str
    required: tuple[str, ...]
    identity_any: tuple[str, ...]
    unique: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: Path | None = None
    skip_unrecognised_sheets: bool = False
    """A sheet or file whose header is not recognised is skipped and reported (its rows counted
    as skipped in the ledger) instead of failing the source."""
    fields_path: Path | None = None
    """The fields.yaml this contract was checked against (None: the folder in use at call time)."""

    @cached_property
    def header_map(self) -> dict[str, str]:
        """Folded header -> canonical field, the source's own aliases first."""
        mapping: dict[str, str] = {}
        for name, extra in self.aliases.items():
            for alias in extra:
                mapping.setdefault(fold_header(alias), name)
        for name, spec in _fields_of(self.fields_path or shared_file("fields.yaml")).items():
            for alias in (*spec["aliases"], name):
                mapping.setdefault(fold_header(alias), name)
        return mapping

    def field_for(self, header: str) -> str | None:
        """The canonical field a header names, or None when it is not known."""
        return self.header_map.get(fold_header(header))


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML ({exc})") from exc
    except OSError as exc:
        raise ContractError(f"{path}: cannot be read ({exc.strerror})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ContractError(f"{path}: expected a mapping of keys at the top level")
    return data


def _fields_of(path: Path) -> dict[str, dict]:
    stat = path.stat()
    return _load_fields_file(path, stat.st_mtime_ns, stat.st_size)


@cache
def _load_fields_file(path: Path, _mtime_ns: int, _size: int) -> dict[str, dict]:
    fields = _read_yaml(path).get("fields") or {}
    for name, spec in fields.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("aliases"), list):
            raise ContractError(f"{path}: field {name!r} needs a list of aliases")
    return fields


def load_fields(folder: Path | None = None) -> dict[str, dict]:
    """Canonical raw fields -> {label, aliases} (fields.yaml of the folder in use)."""
    return _fields_of(shared_file("fields.yaml", folder))


PART_FIELDS = ("stt", "ngay_sinh_nam", "ngay_sinh_nu", "ngay_sinh_dd", "ngay_sinh_mm",
               "ngay_sinh_yyyy")
"""Fields of columns that only feed others (the Nam/Nữ pair, a split birth date): not in a frame."""


def canonical_fields(folder: Path | None = None) -> list[str]:
    """Every raw field a source frame carries (missing ones are null columns)."""
    return [f for f in load_fields(folder) if f not in PART_FIELDS]


def _age(data: dict, name: str, path: Path) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130:
        raise ContractError(f"{path}: {name} must be a whole number of years (0-130)")
    return value


def _names(data: dict, name: str, path: Path) -> tuple[str, ...]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(f"{path}: {name!r} must be a list of field names")
    return tuple(value)


def _flag(data: dict, name: str, path: Path) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ContractError(f"{path}: {name} must be true or false")
    return value


def _parse_source(path: Path, fields_path: Path | None = None) -> SourceContract:
    fields_path = fields_path or shared_file("fields.yaml", path.parent.parent)
    data = _read_yaml(path)
    known = set(_fields_of(fields_path))
    for needed in ("key", "label", "required"):
        if needed not in data:
            raise ContractError(f"{path}: missing {needed!r}")
    if data["key"] != path.stem:
        raise ContractError(f"{path}: key {data['key']!r} must equal the file name {path.stem!r}")
    unknown_keys = sorted(set(data) - SOURCE_KEYS)
    if unknown_keys:
        raise ContractError(f"{path}: unknown key(s) {unknown_keys}; known: {sorted(SOURCE_KEYS)}")
    raw_aliases = data.get("aliases") or {}
    if not isinstance(raw_aliases, dict):
        raise ContractError(f"{path}: 'aliases' must map a field to a list of headers")
    aliases = {k: tuple(v) for k, v in raw_aliases.items()}
    required, identity, unique = (_names(data, n, path) for n in ("required", "identity_any", "unique"))
    for name in [*required, *identity, *unique, *aliases]:
        if name not in known:
            raise ContractError(f"{path}: unknown field {name!r} (see schemas/fields.yaml)")
    if "ho_ten" not in required:
        raise ContractError(f"{path}: 'required' must include ho_ten (a list of people has names)")
    min_age, max_age = _age(data, "min_age", path), _age(data, "max_age", path)
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ContractError(f"{path}: min_age {min_age} is above max_age {max_age}")
    return SourceContract(
        key=data["key"],
        label=data["label"],
        label_en=data.get("label_en", ""),
        required=required,
        identity_any=identity,
        unique=unique,
        min_age=min_age,
        max_age=max_age,
        aliases=aliases,
        path=path,
        skip_unrecognised_sheets=_flag(data, "skip_unrecognised_sheets", path),
        fields_path=fields_path,
    )


REPORT_ORDER = ["hoi_nong_dan", "bhxh", "thue", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi",
                "nguoi_co_cong"]


def run_contracts(run: config.RunConfig) -> dict[str, SourceContract]:
    """The run's source contracts (those of its schemas folder), parsed once per RunConfig."""
    if run._contracts is None:
        run._contracts = load_sources(run.schemas_dir or PACKAGE_SCHEMAS_DIR)
    return run._contracts


def load_sources(folder: Path | None = None) -> dict[str, SourceContract]:
    """All source contracts, by key, in a stable order (the report's order first)."""
    folder = folder or schemas_dir()
    fields_path = shared_file("fields.yaml", folder)
    found = {p.stem: _parse_source(p, fields_path)
             for p in sorted((folder / "sources").glob("*.yaml"))}
    ordered = [k for k in REPORT_ORDER if k in found] + [k for k in found if k not in REPORT_ORDER]
    return {k: found[k] for k in ordered}


def _load_shared(name: str, section: str, what: str, folder: Path | None) -> tuple[Path, dict]:
    """A shared contract file whose `section` must be a non-empty mapping."""
    path = shared_file(name, folder)
    data = _read_yaml(path)
    if not isinstance(data.get(section), dict) or not data[section]:
        raise ContractError(f"{path}: '{section}' must map {what}")
    return path, data


def load_registry_contract(folder: Path | None = None) -> dict:
    """registry.yaml: {key, label, columns: {name: {required, nullable, pattern, isin, unique}}}."""
    path, data = _load_shared("registry.yaml", "columns", "each registry column to its rules", folder)
    allowed = {"required", "nullable", "pattern", "isin", "unique", "description"}
    for name, spec in data["columns"].items():
        if not isinstance(spec, dict) or set(spec) - allowed:
            raise ContractError(f"{path}: column {name!r}: rules must be among {sorted(allowed)}")
    return {**data, "path": path}


def load_output_contracts(folder: Path | None = None) -> dict:
    """outputs.yaml: the published tables' contracts (see ducpho_etl.output_contracts)."""
    path, data = _load_shared("outputs.yaml", "tables", "each published table to its columns", folder)
    return {**data, "path": path}
