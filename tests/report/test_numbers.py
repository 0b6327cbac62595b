"""Vietnamese number format: dots group thousands, a comma marks decimals."""

from __future__ import annotations

import pytest

from ducpho_etl.report.numbers import fmt_bytes, fmt_date, fmt_datetime, fmt_decimal, fmt_int, fmt_pct


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (1415, "1.415"), (219497, "219.497"),
    (1234567, "1.234.567"), (-1415, "-1.415"), (-1234567, "-1.234.567"), (None, "–"),
])
def test_integers(value, text):
    assert fmt_int(value) == text


def test_percentages_and_decimals():
    assert fmt_pct(0.995) == "99,5%"
    assert fmt_pct(199, 200) == "99,5%"
    assert fmt_pct(219497, 231270) == "94,9%"
    assert fmt_pct(1, 1) == "100,0%"
    assert fmt_pct(0, 5) == "0,0%"
    assert fmt_pct(5, 0) == "–"
    assert fmt_pct(-0.125, digits=2) == "-12,50%"
    assert fmt_decimal(1234.56, 1) == "1.234,6"
    assert fmt_decimal(-0.01, 1) == "0,0"
    assert fmt_bytes(22897599) == "22,9 MB"
    assert fmt_bytes(512) == "512 B"


def test_times_are_shown_in_viet_nam():
    assert fmt_datetime("2026-11-28T18:25:12.487778+00:00") == "29/11/2026 01:25 (giờ Việt Nam)"
    assert fmt_date("2026-11-20T20:00:00Z") == "21/11/2026"
    assert fmt_date("20261120T010000Z-abc123") == "20/11/2026"
    assert fmt_date("hôm qua") == "hôm qua"
    assert fmt_date(None) == "không rõ"
