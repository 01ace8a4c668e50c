"""Password rules and argon2id hashing (CPU-heavy: callers run these in a thread)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.accounts.errors import AccountError

# Long enough to resist guessing offline; the upper bound keeps one hash from being a denial of service.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~50 ms per hash here, so a sign-in stays
# quick on a small server while an offline guess costs the same 19 MiB of memory each time.
# Hashes made with other parameters still verify (the parameters are in the hash) and are
# rehashed on the next sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_LENGTH} characters", "password")


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, salted, in PHC string form."""
    return HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return hash_password("a password that no account has")


def spend_a_verification() -> None:
    """Verify against a decoy, so a name that matches no user costs as long as a wrong password."""
    password_matches(_decoy_hash(), "not the decoy's password")
