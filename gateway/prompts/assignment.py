"""Which arm of a canary a request falls in: a stable hash of the end user, so each user sees one version."""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.proxy.policy import PolicyRequest

# 2**64: the hash's 8 bytes read as an integer, scaled to [0, 1).
SCALE = float(1 << 64)


def assignment_key(request: PolicyRequest) -> str:
    """Who the request is for: the end user (header, else the request's `user` field), else the interaction itself."""
    if request.end_user:
        return "user:" + request.end_user
    user: Any = request.json.get("user")
    if isinstance(user, str) and user:
        return "user:" + user
    return "interaction:" + request.interaction_id


def bucket(key: str, salt: str) -> float:
    """A number in [0, 1) fixed by `key` and `salt`, spread evenly over keys."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, key=salt.encode()[:64]).digest()
    return int.from_bytes(digest, "big") / SCALE


def in_canary(key: str, canary_id: str, share: float) -> bool:
    """Whether `key` falls in the canary `canary_id`'s `share` of traffic.

    Salted with the canary's version id: each new canary picks a fresh set of users, rather
    than the same users trying every change first.
    """
    return bucket(key, canary_id) < share
