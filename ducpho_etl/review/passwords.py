"""Officers' passwords, hashed with scrypt (stdlib): a memory-hard KDF, a salt per user, and a
self-describing text so that the parameters can be raised later without breaking old hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# n=2**14, r=8: about 16 MiB and a few tens of milliseconds per check on a laptop.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 10


class WeakPassword(ValueError):
    """A password too short to protect personal data."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r, dklen=32)


def hash_password(password: str) -> str:
    """'scrypt$16384$8$1$<salt>$<hash>' (base64)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự / "
                           f"at least {MIN_PASSWORD_CHARS} characters")
    salt = os.urandom(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` gives `stored`; False for anything malformed (never raises)."""
    try:
        kind, n, r, p, salt, digest = (stored or "").split("$")
        if kind != "scrypt":
            return False
        found = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(found, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False
