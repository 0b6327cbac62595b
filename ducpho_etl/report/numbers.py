"""Vietnamese number and date formatting: 219.497 (dot groups thousands), 99,5% (comma decimals)."""

from __future__ import annotations

from ducpho_etl.clock import parse_time, vn_label, vn_time  # the time zone lives in clock

# Excel/LibreOffice number format that shows 219.497 whatever the computer's locale: literal dots
# between digit placeholders (the cell stays a number, so sums still work).
XLSX_INT_FORMAT = r'[>=1000000]#\.###\.##0;[>=1000]#\.##0;0'


def fmt_int(value: int | float | None) -> str:
    """1415 -> '1.415', -1234567 -> '-1.234.567', None -> '–'."""
    if value is None:
        return "–"
    n = int(round(value))
    return ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", ".")


def fmt_decimal(value: float | None, digits: int = 1) -> str:
    """1234.56 -> '1.234,6' (dot for thousands, comma for decimals)."""
    if value is None:
        return "–"
    text = f"{abs(value):,.{digits}f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    negative = value < 0 and any(c not in "0,." for c in text)
    return ("-" if negative else "") + text


def fmt_pct(part: float | None, whole: float | None = None, digits: int = 1) -> str:
    """fmt_pct(0.995) -> '99,5%'; fmt_pct(199, 200) -> '99,5%'; a zero whole -> '–'."""
    if part is None:
        return "–"
    if whole is not None:
        if not whole:
            return "–"
        part = part / whole
    return fmt_decimal(part * 100, digits) + "%"


def fmt_bytes(size: int | None) -> str:
    """22897599 -> '22,9 MB' (decimal units, as Windows Explorer's officers read them roughly)."""
    if size is None:
        return "–"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{fmt_decimal(size / scale, 1)} {unit}"
    return f"{fmt_int(size)} B"


def fmt_datetime(value: str | None) -> str:
    """UTC ISO time -> '28/11/2026 01:25 (giờ Việt Nam)'; unreadable text is returned as it is."""
    parsed = parse_time(value)
    if parsed is None:
        return str(value) if value else "–"
    return vn_label(parsed)


def fmt_date(value: str | None) -> str:
    """ISO date or time -> '27/11/2026' in Việt Nam's time zone; unreadable text as it is."""
    parsed = parse_time(value)
    if parsed is None:
        return str(value) if value else "không rõ"
    return vn_time(parsed).strftime("%d/%m/%Y")
