"""Việt Nam time for every date an officer reads; UTC only inside run IDs (which end in Z).

A nightly run at 01:00 in Đức Phổ is 18:00 UTC of the previous day: dates taken from UTC would
put it on the wrong day. Every officer-facing date (a stale result's `as_of`, run headings,
history) goes through this module; run IDs and `started_utc` stay UTC and say so.
"""

from datetime import UTC, datetime, timedelta, timezone

TIMEZONE = "Asia/Ho_Chi_Minh"

try:
    from zoneinfo import ZoneInfo

    VN_TZ: timezone | ZoneInfo = ZoneInfo(TIMEZONE)
except Exception:  # noqa: BLE001 - no tz database: Việt Nam has kept UTC+7 without DST since 1975
    VN_TZ = timezone(timedelta(hours=7), "ICT")


def utc_now() -> datetime:
    """The current moment (aware, UTC); one place for tests to freeze."""
    return datetime.now(UTC)


def parse_time(value: str | None) -> datetime | None:
    """An ISO time (naive = UTC) or a run id '20261128T182535Z-...' -> aware datetime, else None."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def vn_time(moment: datetime) -> datetime:
    """The same moment on a Việt Nam clock (a naive moment is taken as UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(VN_TZ)


def vn_date(moment: datetime) -> str:
    """ISO date of the moment in Việt Nam: 2026-11-30T18:30Z -> '2026-12-01'."""
    return vn_time(moment).date().isoformat()


def vn_label(moment: datetime) -> str:
    """'01/12/2026 01:30 (giờ Việt Nam)': how a heading shows a moment."""
    return vn_time(moment).strftime("%d/%m/%Y %H:%M") + " (giờ Việt Nam)"
