"""Passwords (argon2id, argon2-cffi's defaults) and CSRF tokens for ``chanjia serve``."""

from __future__ import annotations

import hmac
import secrets

from ..errors import ConfigError

__all__ = ["MIN_PASSWORD", "csrf_token", "hash_password", "same_token", "verify_password"]

MIN_PASSWORD = 8
#: Checked against when a user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY: list[str] = []


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``.

    Raises:
        ConfigError: a password shorter than :data:`MIN_PASSWORD` characters.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password is shorter than {MIN_PASSWORD} characters; choose a longer one")
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from (``None``: no such user)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if password_hash is None:
        if not _DUMMY:
            _DUMMY.append(_hasher().hash(secrets.token_hex(16)))
        password_hash = _DUMMY[0]
        try:
            _hasher().verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: object, given: object) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return isinstance(expected, str) and isinstance(given, str) and bool(expected) and hmac.compare_digest(expected, given)
