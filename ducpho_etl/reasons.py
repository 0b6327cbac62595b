"""Every machine code a row can carry, read as text: the status codes declared here, and the whole
catalogue (ducpho_etl.codes) with the codes of the normalisers and the validator, whose modules
this one imports so that the catalogue is complete wherever it is read."""

from __future__ import annotations

from functools import cache

import polars as pl

import ducpho_etl.decisions.reasons
import ducpho_etl.normalize
import ducpho_etl.validate  # noqa: F401 - imported for their code declarations
from ducpho_etl.codes import declare, declared

STATUS_REASONS = {
    "duplicate_person": ("Trùng người với một dòng trước trong cùng nguồn",
                         "Same person as an earlier row of this source"),
    "repeated_not_found": ("Lặp lại một dòng trước (cùng họ tên, ngày sinh, giới tính), cũng không "
                           "có trong CSDL dân cư",
                           "Repeats an earlier row (same name, birth date and gender), also not in "
                           "the registry"),
    "deceased": ("Người đã chết theo CSDL dân cư", "Dead according to the registry"),
    "ambiguous_candidates": ("Nhiều người trong CSDL dân cư khớp như nhau, cần cán bộ xác minh",
                             "Several registry people fit equally: an officer must decide"),
    "weak_match": ("Khớp chưa đủ chắc chắn với CSDL dân cư, cần xác minh",
                   "Match with the registry is not strong enough: check it"),
    "not_in_registry": ("Không tìm thấy trong CSDL dân cư", "Not found in the registry"),
    "age_out_of_range": ("Tuổi theo CSDL dân cư không phù hợp với danh sách",
                         "Age in the registry does not fit this list"),
    "id_not_in_registry": ("Số CCCD không có trong CSDL dân cư", "ID not in the registry"),
    "id_conflict": ("Số CCCD là của người khác (họ tên, ngày sinh không khớp)",
                    "ID belongs to someone else (name or birth date disagree)"),
    "cmnd_conflict": ("Số CMND là của người khác (họ tên, ngày sinh không khớp)",
                      "Old ID belongs to someone else (name or birth date disagree)"),
    "linked_by_id": ("Khớp theo số CCCD", "Matched by ID"),
    "linked_by_cmnd": ("Khớp theo số CMND cũ", "Matched by old CMND"),
    "linked_by_fields": ("Khớp theo họ tên, ngày sinh, giới tính, nơi ở",
                         "Matched by name, birth date, gender and place"),
}


declare(STATUS_REASONS, "status")


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """code -> (Vietnamese, English), every code declared."""
    return {code: (entry.vi, entry.en) for code, entry in declared().items()}


# One cause, one text: a code whose cause a more specific code of the same row already names
# (two stages saw the same thing) is left out of the row's reason text. code -> the codes that
# make it redundant.
SAID_BY = {
    "gender_unknown": ("gender_missing",),
    "place_not_in_town": ("place_unknown", "place_code_not_in_table", "place_missing"),
    "date_impossible": ("birth_date_impossible",),
    "name_invalid": ("name_has_digits", "name_no_letters"),
    "not_in_registry": ("id_not_in_registry", "officer_not_in_registry", "officer_new_resident"),
    "ambiguous_candidates": ("weak_match",),
}


def one_text_per_cause(codes: pl.Expr) -> pl.Expr:
    """The list of codes without those whose cause another code of the row already says; a
    total line's only reason is that it is a total line (its empty name and ID are no cause).

    One list.eval over each row's own list: a when/then chain that re-used the list per rule grew
    the expression tree exponentially (22 s of 30 on 156,000 rows)."""
    code = pl.element()
    said = pl.lit(False)
    for redundant, covers in SAID_BY.items():
        said = said | ((code == redundant) & code.is_in(list(covers)).any())
    keep = pl.when((code == "total_row").any()).then(code == "total_row").otherwise(~said)
    return codes.list.eval(code.filter(keep))


def reason_text_expr(codes: pl.Expr, language: int = 0) -> pl.Expr:
    """Join the texts of a list column of codes ("; "), Vietnamese by default (language=1:
    English), one text per cause (SAID_BY) and no text twice."""
    table = {code: texts[language] for code, texts in catalogue().items()}
    return (one_text_per_cause(codes)
            .list.eval(pl.element().replace_strict(table, default=pl.element()))
            .list.unique(maintain_order=True).list.join("; "))
