"""Source and registry contracts, loaded from the declarative files in schemas/.

A contract is data, not code: adding a source is one YAML file in schemas/sources/.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


class ContractError(ValueError):
    """A contract file is malformed."""


def fold_header(text: str) -> str:
    """Fold a header for comparison: no accents, case, spaces or punctuation.

    "Họ và tên" == "HO VA TEN" == "họ  và tên:" -> "hovaten". đ has no decomposition: mapped by hand.
    """
    text = unicodedata.normalize("NFKD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.lower())


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

    @cached_property
    def header_map(self) -> dict[str, str]:
        """Folded header -> canonical field, the source's own aliases first."""
        mapping: dict[str, str] = {}
        for name, extra in self.aliases.items():
            for alias in extra:
                mapping.setdefault(fold_header(alias), name)
        for name, spec in load_fields().items():
            for alias in (*spec["aliases"], name):
                mapping.setdefault(fold_header(alias), name)
        return mapping

    def field_for(self, header: str) -> str | None:
        """The canonical field a header names, or None when it is not known."""
        return self.header_map.get(fold_header(header))


@cache
def load_fields(schemas_dir: Path = SCHEMAS_DIR) -> dict[str, dict]:
    data = yaml.safe_load((schemas_dir / "fields.yaml").read_text(encoding="utf-8"))
    fields = data.get("fields") or {}
    for name, spec in fields.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("aliases"), list):
            raise ContractError(f"schemas/fields.yaml: field {name!r} needs a list of aliases")
    return fields


def canonical_fields(schemas_dir: Path = SCHEMAS_DIR) -> list[str]:
    """Every raw field a source frame carries (missing ones are null columns)."""
    return [f for f in load_fields(schemas_dir) if f not in ("stt", "ngay_sinh_nam", "ngay_sinh_nu")]


def _parse_source(path: Path) -> SourceContract:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML ({exc})") from exc
    known = set(load_fields())
    for needed in ("key", "label", "required"):
        if needed not in data:
            raise ContractError(f"{path}: missing {needed!r}")
    if data["key"] != path.stem:
        raise ContractError(f"{path}: key {data['key']!r} must equal the file name {path.stem!r}")
    aliases = {k: tuple(v) for k, v in (data.get("aliases") or {}).items()}
    for name in [*data["required"], *data.get("identity_any", []), *data.get("unique", []), *aliases]:
        if name not in known:
            raise ContractError(f"{path}: unknown field {name!r} (see schemas/fields.yaml)")
    return SourceContract(
        key=data["key"],
        label=data["label"],
        label_en=data.get("label_en", ""),
        required=tuple(data["required"]),
        identity_any=tuple(data.get("identity_any", [])),
        unique=tuple(data.get("unique", [])),
        min_age=data.get("min_age"),
        max_age=data.get("max_age"),
        aliases=aliases,
        path=path,
    )


def load_sources(schemas_dir: Path = SCHEMAS_DIR) -> dict[str, SourceContract]:
    """All source contracts, by key, in a stable order (the report's order first)."""
    report_order = ["hoi_nong_dan", "bhxh", "thue", "tre_em", "nguoi_cao_tuoi",
                    "bao_tro_xa_hoi", "nguoi_co_cong"]
    found = {p.stem: _parse_source(p) for p in sorted((schemas_dir / "sources").glob("*.yaml"))}
    ordered = [k for k in report_order if k in found] + [k for k in found if k not in report_order]
    return {k: found[k] for k in ordered}


def load_registry_contract(schemas_dir: Path = SCHEMAS_DIR) -> dict:
    return yaml.safe_load((schemas_dir / "registry.yaml").read_text(encoding="utf-8"))
