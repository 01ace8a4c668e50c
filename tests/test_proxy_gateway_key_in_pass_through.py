"""A Feedgate gateway key (`fgk-…`) sent to a gateway in pass-through key mode (the default) is refused there.

Pass-through mode forwards the client's key to the upstream as its own: an app given a gateway key while the gateway
was not switched to FEEDGATE_KEY_MODE=gateway had that Feedgate secret sent to OpenAI, which answered a 401 naming an
"incorrect API key" and nothing about the gateway's mode. Now the gateway answers the 401 itself, saying what to set,
and nothing goes upstream. It is asked on a key's cache miss alone (gateway.proxy.credentials.CallerResolver).
"""

from __future__ import annotations

import pytest

from gateway.proxy.credentials import CallerResolver, GatewayKeyInPassThrough, UnknownKey
from gateway.store.interactions import InteractionFilter
from gateway.store.keys import KEY_PREFIX
from tests.observability.scrape import increase, scrape

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
GATEWAY_KEY = KEY_PREFIX + "issued-by-keys-create"
SENT_AS = pytest.mark.parametrize(
    "headers",
    [{"authorization": f"Bearer {GATEWAY_KEY}"}, {"api-key": GATEWAY_KEY}],
    ids=["bearer", "api-key"],
)


@SENT_AS
async def test_a_gateway_key_is_refused_in_openais_shape_saying_which_mode_to_set(client, fake_upstream, headers):
    response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert "Feedgate gateway key" in error["message"]
    assert "FEEDGATE_KEY_MODE=gateway" in error["message"]


@SENT_AS
async def test_a_gateway_key_is_not_sent_upstream(client, fake_upstream, headers):
    await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert fake_upstream.app.requests == []


async def test_a_refused_gateway_key_is_counted_as_a_refusal_and_records_no_interaction(gateway, client, fake_upstream):
    before = await scrape(client)

    response = await client.post("/v1/chat/completions", json=CHAT, headers={"api-key": GATEWAY_KEY})

    after = await scrape(client)
    await gateway.services.writer.flush()
    assert "x-feedgate-interaction-id" not in response.headers
    labels = {"route": "chat.completions", "status": "401", "upstream": "none"}
    assert increase(before, after, "feedgate_requests_total", **labels) == 1
    assert await gateway.services.interactions.list(InteractionFilter(), limit=10) == []


async def test_an_upstream_key_is_still_forwarded(client, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})

    assert response.status_code == 200
    assert fake_upstream.app.requests[0].headers["authorization"] == "Bearer sk-app"


def pass_through_resolver() -> CallerResolver:
    return CallerResolver(mode="passthrough", salt="salt", lookup_gateway_key=None)  # type: ignore[arg-type]


async def test_the_refusal_is_an_unknown_key_so_feedback_and_held_answer_polls_refuse_it_too():
    with pytest.raises(UnknownKey) as refused:
        await pass_through_resolver().resolve(f"Bearer {GATEWAY_KEY}")

    assert isinstance(refused.value, GatewayKeyInPassThrough)


async def test_a_gateway_key_is_refused_on_every_call_not_only_the_first():
    resolver = pass_through_resolver()
    for _ in range(2):
        with pytest.raises(GatewayKeyInPassThrough):
            await resolver.resolve(f"Bearer {GATEWAY_KEY}")
