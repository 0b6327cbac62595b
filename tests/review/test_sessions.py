"""Login sessions end after idle time and after their maximum age."""

from datetime import UTC, datetime, timedelta

from ducpho_etl.review.sessions import Sessions


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def test_session_expires_when_idle():
    clock = Clock()
    sessions = Sessions(idle=timedelta(minutes=30), now=clock)
    token = sessions.start("lan")
    clock.now += timedelta(minutes=29)
    assert sessions.get(token).user == "lan"  # a request restarts the idle clock
    clock.now += timedelta(minutes=29)
    assert sessions.get(token) is not None
    clock.now += timedelta(minutes=31)
    assert sessions.get(token) is None
    assert sessions.get(token) is None  # gone for good


def test_session_ends_at_max_age_even_when_busy():
    clock = Clock()
    sessions = Sessions(idle=timedelta(minutes=30), max_age=timedelta(hours=8), now=clock)
    token = sessions.start("lan")
    for _ in range(8 * 4):
        clock.now += timedelta(minutes=15)
        sessions.get(token)
    clock.now += timedelta(minutes=1)
    assert sessions.get(token) is None


def test_logout_and_unknown_tokens():
    sessions = Sessions()
    token = sessions.start("lan")
    assert sessions.get("forged") is None
    sessions.end(token)
    assert sessions.get(token) is None
