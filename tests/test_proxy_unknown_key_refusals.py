"""In gateway-key mode a key the gateway did not issue is refused from memory for the key cache's time
(`key_cache_seconds`), as an issued key is taken from memory: a client retrying with a wrong or revoked key cost one
database lookup a call before. An issued key cannot be refused this way by mistake: its secret is drawn at random when
it is made, so no one sends it before then.
"""

from __future__ import annotations

import asyncio

import pytest

from gateway.proxy.credentials import CallerResolver, KeyLookupUnavailable, UnknownKey
from gateway.store.keys import LiveKey


class CountedLookups:
    """A key store that knows the keys it is given, and counts the lookups made of it."""

    def __init__(self, known: dict[str, LiveKey] | None = None, failure: Exception | None = None) -> None:
        self.known = known or {}
        self.failure = failure
        self.asked: list[str] = []

    async def __call__(self, token: str) -> LiveKey | None:
        self.asked.append(token)
        if self.failure is not None:
            raise self.failure
        return self.known.get(token)


def resolver(lookups: CountedLookups, cache_seconds: float = 5.0) -> CallerResolver:
    return CallerResolver(mode="gateway", salt="salt", lookup_gateway_key=lookups, cache_seconds=cache_seconds)


async def refused(resolver: CallerResolver, key: str) -> str:
    with pytest.raises(UnknownKey) as refusal:
        await resolver.resolve(f"Bearer {key}")
    return str(refusal.value)


async def test_an_unknown_key_is_looked_up_once_within_the_key_cache_time():
    lookups = CountedLookups()
    gateway = resolver(lookups)

    messages = {await refused(gateway, "fgk-wrong") for _ in range(5)}

    assert lookups.asked == ["fgk-wrong"]
    assert messages == {"unknown or revoked gateway key"}


async def test_an_unknown_key_is_looked_up_again_once_its_refusal_is_older_than_the_key_cache_time():
    lookups = CountedLookups()
    gateway = resolver(lookups, cache_seconds=0.05)
    await refused(gateway, "fgk-wrong")

    await asyncio.sleep(0.1)
    await refused(gateway, "fgk-wrong")

    assert lookups.asked == ["fgk-wrong", "fgk-wrong"]


async def test_a_refused_key_does_not_stand_in_for_another():
    lookups = CountedLookups({"fgk-right": LiveKey(id="k1", app="shop")})
    gateway = resolver(lookups)
    await refused(gateway, "fgk-wrong")

    caller = await gateway.resolve("Bearer fgk-right")

    assert caller.app == "shop"


async def test_a_lookup_the_database_could_not_answer_is_not_kept_as_a_refusal():
    lookups = CountedLookups(failure=ConnectionRefusedError("database away"))
    gateway = resolver(lookups)
    with pytest.raises(KeyLookupUnavailable):
        await gateway.resolve("Bearer fgk-new")

    lookups.failure = None
    lookups.known["fgk-new"] = LiveKey(id="k2", app="shop")

    assert (await gateway.resolve("Bearer fgk-new")).app == "shop"
