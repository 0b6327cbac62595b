"""Reason codes of rows an officer or an agency decided, Vietnamese with English beside it."""

from __future__ import annotations

from ducpho_etl.codes import declare

REASONS: dict[str, tuple[str, str]] = declare({
    "officer_match": ("Cán bộ/cơ quan đã xác nhận người này trong CSDL dân cư",
                      "An officer or the agency confirmed this registry person"),
    "officer_duplicate": ("Cán bộ/cơ quan xác nhận trùng người với một dòng trước",
                          "An officer or the agency confirmed: same person as an earlier row"),
    "officer_not_in_registry": ("Cán bộ/cơ quan xác nhận: không phải người nào trong CSDL dân cư",
                                "An officer or the agency confirmed: not in the registry"),
    "officer_new_resident": ("Cán bộ/cơ quan xác nhận: cư dân mới, cần đăng ký vào CSDL dân cư",
                             "An officer or the agency confirmed: a new resident to register"),
    "decided_by_officer": ("Quyết định của cán bộ (workbench)", "Decided by an officer"),
    "decided_by_agency": ("Quyết định theo trả lời của cơ quan", "Decided by the agency's answer"),
    "officer_decision_stale": ("Quyết định trước đây không còn phù hợp, cần xem lại",
                               "An earlier decision no longer fits: decide again"),
    "stale_person_gone": ("người đã chọn không còn trong CSDL dân cư",
                          "the chosen person is no longer in the registry"),
    "stale_person_died": ("người đã chọn nay đã chết theo CSDL dân cư",
                          "the chosen person has died since, according to the registry"),
    "stale_id_conflict": ("số CCCD của dòng là của người khác trong CSDL",
                          "the row's own ID belongs to another registry person"),
    "stale_registry_links": ("CSDL dân cư nay có người khớp với dòng này",
                             "the registry now holds a person who matches this row"),
    "stale_no_first_row": ("không còn dòng trước của cùng người",
                           "no earlier row of that person any more"),
    "stale_row_changed": ("nội dung dòng đã thay đổi", "the row's content has changed"),
    "stale_row_rejected": ("dòng nay bị loại", "the row is now rejected"),
}, "status")
