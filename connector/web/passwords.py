"""Console passwords: argon2id hashes (argon2-cffi), made by ``connector console hash-password``.

The config holds only hashes. Checking a login takes the same time whether the user exists or
not (an unknown name is checked against a dummy hash), so timing does not tell which names exist.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_LENGTH", "hash_password", "hash_problem", "verify_password"]

MIN_LENGTH = 12
"""The shortest password ``hash-password`` accepts."""

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted: two calls give two different hashes)."""
    return _HASHER.hash(password)


@cache
def _dummy() -> str:
    return _HASHER.hash("not a password of anyone")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; None (no such user) takes as long, and fails."""
    try:
        ok = _HASHER.verify(password_hash or _dummy(), password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def hash_problem(text: str) -> str | None:
    """Why ``text`` is not a usable password hash, or None (never echoes the text)."""
    if not text.startswith("$argon2"):
        return "not an argon2 hash: make one with `connector console hash-password`"
    try:
        extract_parameters(text)
    except InvalidHashError:
        return "a damaged argon2 hash: make a new one with `connector console hash-password`"
    return None
