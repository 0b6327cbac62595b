"""Login sessions held in the server's memory: a random token in an HttpOnly, SameSite=Strict
cookie; a session ends after IDLE minutes without a request, or MAX hours in any case, and when
the server stops (an officer logs in again: nothing to steal from disk)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ducpho_etl.clock import utc_now

COOKIE = "ducpho_review"
IDLE = timedelta(minutes=30)
MAX_AGE = timedelta(hours=8)


@dataclass
class Session:
    user: str
    csrf: str
    started: datetime
    seen: datetime
    skipped: set[str] = field(default_factory=set)  # row keys skipped in this session


class Sessions:
    def __init__(self, idle: timedelta = IDLE, max_age: timedelta = MAX_AGE,
                 now=utc_now) -> None:
        self.idle, self.max_age, self._now = idle, max_age, now
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._now()
        with self._lock:
            self._by_token[token] = Session(user, secrets.token_urlsafe(16), now, now)
        return token

    def get(self, token: str | None) -> Session | None:
        """The live session of a token (its idle clock restarted), or None once expired."""
        if not token:
            return None
        now = self._now()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.started > self.max_age:
                del self._by_token[token]
                return None
            session.seen = now
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)
