"""A proxied call in gateway-key mode with an `Authorization: Bearer` of blank characters only (gateway.domain.blank_text)
is refused as one with no key: it was "unknown or revoked gateway key", as if a key had been given.

The rule is asked on the refusal alone (gateway.proxy.credentials.blank_bearer), so an issued key's calls pay nothing.
"""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.proxy.credentials import NO_KEY_GIVEN, CallerResolver, KeyLookupUnavailable, UnknownKey

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
BLANKS = pytest.mark.parametrize(
    "blank", ["\u200b", "\u200b\u2060", "\ufeff \u3000", "\u2005"], ids=["zero-width", "joiners", "mixed", "em-space"]
)


@pytest.fixture
async def keyed(settings):
    """A gateway in gateway-key mode, and a client of it."""
    app = create_app(settings.model_copy(update={"key_mode": "gateway"}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def proxy_refusal(http, authorization: bytes | None) -> tuple[int, str, str]:
    """The status, code and message of a chat call sent with `authorization` as the header's bytes (None: no header)."""
    headers = {} if authorization is None else {"authorization": authorization}
    response = await http.post("/v1/chat/completions", json=CHAT, headers=headers)
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@BLANKS
async def test_a_proxied_call_with_a_blank_bearer_is_refused_as_one_with_no_key(keyed, fake_upstream, blank):
    missing = await proxy_refusal(keyed, None)

    assert await proxy_refusal(keyed, b"Bearer " + blank.encode()) == missing
    assert missing[:2] == (401, "invalid_api_key")
    assert NO_KEY_GIVEN in missing[2]
    assert fake_upstream.app.requests == []


def resolver_whose_lookup_fails(failure: Exception) -> CallerResolver:
    async def lookup(token: str) -> None:
        raise failure

    return CallerResolver(mode="gateway", salt="salt", lookup_gateway_key=lookup)


async def test_a_blank_bearer_while_the_database_is_away_is_no_key_not_an_outage():
    resolver = resolver_whose_lookup_fails(ConnectionRefusedError("database away"))

    with pytest.raises(UnknownKey, match="no API key given"):
        await resolver.resolve("Bearer \u200b".encode().decode("latin-1"))  # as the framework reads its bytes


async def test_a_key_of_other_non_ascii_text_is_still_looked_up_while_the_database_is_away():
    resolver = resolver_whose_lookup_fails(ConnectionRefusedError("database away"))

    with pytest.raises(KeyLookupUnavailable):
        await resolver.resolve("Bearer fgk-\u00e9t\u00e9".encode())
