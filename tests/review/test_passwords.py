"""Officers' passwords: scrypt hashes that verify only the right password."""

import pytest

from ducpho_etl.review.passwords import WeakPassword, hash_password, verify_password


def test_right_password_verifies_and_hash_hides_it():
    stored = hash_password("mật-khẩu-dài-1")
    assert stored.startswith("scrypt$")
    assert "mật-khẩu-dài-1" not in stored
    assert verify_password("mật-khẩu-dài-1", stored)
    assert not verify_password("mật-khẩu-dài-2", stored)


def test_same_password_gets_a_new_salt_each_time():
    assert hash_password("correct horse 1") != hash_password("correct horse 1")


@pytest.mark.parametrize("stored", [None, "", "plain", "md5$x$y", "scrypt$1$2$3$!!$!!"])
def test_malformed_hash_never_verifies(stored):
    assert not verify_password("anything at all", stored)


def test_short_password_refused():
    with pytest.raises(WeakPassword):
        hash_password("short")
