"""Apps through a TLS-terminating reverse proxy on real sockets: on its own host name, and under a path prefix.

The proxy (tests/reverse_proxy.py) strips the public prefix or keeps it, as nginx's `proxy_pass`
with or without a URI does; `FEEDGATE_ROOT_PATH` tells the gateway the prefix either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from reverse_proxy import ReverseProxy

from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.proxy.credentials import CallerResolver

MESSAGES = [{"role": "user", "content": "My transfer failed twice"}]
SALT = "proxy-test-salt"
KEY = "sk-behind-a-proxy"


async def _no_keys(_: str) -> None:
    return None


@pytest.fixture
def proxied(settings: Settings, start_gateway: Callable[[Settings], Any]) -> Iterator[Callable[..., ReverseProxy]]:
    """Start a gateway with setting overrides and a reverse proxy in front of it, on real sockets."""
    proxies: list[ReverseProxy] = []

    def start(*, prefix: str = "", keep_prefix: bool = False, **overrides: Any) -> ReverseProxy:
        gateway = start_gateway(settings.model_copy(update={"key_salt": SALT, **overrides}))
        proxy = ReverseProxy(gateway.origin, prefix=prefix, keep_prefix=keep_prefix).serve()
        proxy.gateway = gateway  # type: ignore[attr-defined]
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()


def sdk(proxy: ReverseProxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.public_base + "/v1", api_key=KEY, max_retries=0)


@pytest.mark.parametrize("keep_prefix", [False, True], ids=["prefix-stripped", "prefix-kept"])
def test_the_sdk_answers_and_streams_under_a_path_prefix(proxied, keep_prefix):
    proxy = proxied(prefix="/feedgate", keep_prefix=keep_prefix, root_path="/feedgate")
    client = sdk(proxy)

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    assert completion.choices[0].message.content == "Echo: My transfer failed twice"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: My transfer failed twice"


def test_the_sdk_answers_and_streams_on_its_own_host_name(proxied):
    client = sdk(proxied())

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    assert completion.choices[0].message.content == "Echo: My transfer failed twice"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: My transfer failed twice"


def test_feedback_with_the_handed_out_token_is_taken_under_the_prefix(proxied):
    proxy = proxied(prefix="/feedgate", keep_prefix=True, root_path="/feedgate")
    raw = sdk(proxy).chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    proxy.gateway.flush()  # type: ignore[attr-defined]

    posted = httpx.post(
        proxy.public_base + "/v1/feedback",
        headers={"x-feedgate-feedback-token": raw.headers["x-feedgate-feedback-token"]},
        json={"interaction_id": raw.headers["x-feedgate-interaction-id"], "thumbs": "down"},
    )

    assert posted.status_code == 201, posted.text


@pytest.mark.parametrize("keep_prefix", [False, True], ids=["prefix-stripped", "prefix-kept"])
def test_a_held_answers_poll_url_is_the_public_one(proxied, keep_prefix):
    app = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)
    proxy = proxied(
        prefix="/feedgate",
        keep_prefix=keep_prefix,
        root_path="/feedgate",
        review_gates=[ReviewGate(app=app, mode="hold")],
        review_second_opinion_share=0.0,
    )

    held = sdk(proxy).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-feedgate-review": "required"}
    )
    task_id = held.http_response.json()["task_id"]
    location = held.headers["location"]
    # Followed as a browser or an HTTP library resolves it, against the URL the call went to.
    poll = httpx.get(
        httpx.URL(proxy.public_base + "/v1/chat/completions").join(location), headers={"authorization": f"Bearer {KEY}"}
    )

    assert held.status_code == 202
    assert location == f"/feedgate/v1/reviews/{task_id}"
    assert poll.status_code == 202, poll.text
    assert poll.json()["task_id"] == task_id


def test_a_prefix_keeping_proxy_without_the_root_path_set_is_told_to_set_it(proxied):
    proxy = proxied(prefix="/feedgate", keep_prefix=True)

    with pytest.raises(openai.NotFoundError) as refused:
        sdk(proxy).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert refused.value.code == "base_url_without_v1"
    assert "set FEEDGATE_ROOT_PATH=/feedgate on the gateway" in refused.value.message
