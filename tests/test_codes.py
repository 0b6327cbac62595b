"""The one catalogue of reason codes (ducpho_etl.codes): each code declared beside its check,
with the severity the report and the CLI read from it."""

from ducpho_etl import codes
from ducpho_etl.decisions.reasons import REASONS as DECISION_REASONS
from ducpho_etl.normalize import REASONS as NORMALIZE_REASONS
from ducpho_etl.reasons import STATUS_REASONS, catalogue
from ducpho_etl.validate import REASONS as VALIDATE_REASONS
from ducpho_etl.validate import ROW_CHECKS


def test_every_declared_code_is_in_the_catalogue_with_its_text():
    whole = catalogue()
    assert set(NORMALIZE_REASONS) | set(VALIDATE_REASONS) | set(STATUS_REASONS) \
        | set(DECISION_REASONS) == set(whole)
    for code, texts in {**VALIDATE_REASONS, **STATUS_REASONS, **DECISION_REASONS}.items():
        assert whole[code] == texts, code


def test_severities_are_those_of_the_checks():
    declared = codes.declared()
    for code, (severity, _) in ROW_CHECKS.items():
        assert declared[code].severity == severity, code
    assert codes.codes_of("reject") == {c for c, (s, _) in ROW_CHECKS.items() if s == "reject"}
    assert declared["not_in_registry"].severity == "status"
    assert {declared[c].severity for c in set(NORMALIZE_REASONS) - set(VALIDATE_REASONS)} \
        == {"note"}
    # the normaliser's and the validator's "name_missing": the validator's reject text wins
    assert catalogue()["name_missing"] == VALIDATE_REASONS["name_missing"]


def test_a_code_of_two_checks_keeps_the_more_severe_text(monkeypatch):
    monkeypatch.setattr(codes, "_DECLARED", {})
    codes.declare({"x": ("ghi chú", "note")}, "note")
    codes.declare({"x": ("loại", "rejected")}, "reject")
    codes.declare({"x": ("ghi chú lại", "note again")}, "note")
    assert codes.declared()["x"] == codes.Code("loại", "rejected", "reject")
