"""GET /v1/models through a gateway routing models to several upstreams: every model it can call, from its upstream."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import orjson
import pytest
import respx

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import HttpxUpstream
from gateway.store.keys import LiveKey

LOCAL = Upstream(name="local", url="http://local.test/v1", models=["qwen-local"], model_prefixes=["llama"])
DEFAULT = Upstream(name="default", url="http://default.test/v1")
LISTS = {
    # The default lists a llama too: routed to `local`, it is local's to list.
    "default.test": ["gpt-4o", "gpt-4o-mini", "llama-3-on-default"],
    "local.test": ["llama-3.1-8b", "llama-3-on-default", "mistral-7b"],
}

Handler = Callable[[httpx.Request], httpx.Response]


def lists(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/models":
        data = [{"id": name, "object": "model", "owned_by": request.url.host} for name in LISTS[request.url.host]]
        return httpx.Response(200, json={"object": "list", "data": data})
    name = request.url.path.removeprefix("/v1/models/")
    return httpx.Response(200, json={"id": name, "object": "model", "owned_by": request.url.host})


@pytest.fixture(autouse=True)
def mocked_upstreams():
    with respx.mock:
        yield


async def no_gateway_keys(_: str) -> None:
    return None


def _proxy(handler: Handler, upstreams: list[Upstream], resolver: CallerResolver | None = None) -> ProxyApp:
    respx.route().mock(side_effect=handler)
    return ProxyApp(
        router=UpstreamRouter(upstreams),
        resolver=resolver or CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys),
        client=HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=1.0, read_timeout=1.0),
        submit=lambda exchange: None,
        upstream_authorization={"local": b"Bearer sk-local", "default": b"Bearer sk-default"},
        max_request_bytes=1 << 20,
    )


async def _get(proxy: ProxyApp, path: str = "/v1/models", key: str = "sk-app") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.get(path, headers={"authorization": f"Bearer {key}"})


def _ids(response: httpx.Response) -> list[str]:
    return [model["id"] for model in response.json()["data"]]


async def test_the_list_holds_each_upstreams_models_that_are_routed_to_it():
    response = await _get(_proxy(lists, [LOCAL, DEFAULT]))

    assert response.status_code == 200
    assert response.json()["object"] == "list"
    assert sorted(_ids(response)) == ["gpt-4o", "gpt-4o-mini", "llama-3-on-default", "llama-3.1-8b", "qwen-local"]
    owners = {model["id"]: model["owned_by"] for model in response.json()["data"]}
    assert owners["llama-3-on-default"] == "local.test"


async def test_a_model_named_in_an_upstreams_models_is_listed_though_its_upstream_does_not_list_it():
    response = await _get(_proxy(lists, [LOCAL, DEFAULT]))

    assert {"id": "qwen-local", "object": "model", "created": 0, "owned_by": "local"} in response.json()["data"]


async def test_each_upstream_is_asked_with_its_own_key_in_gateway_key_mode():
    seen: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers["authorization"]
        return lists(request)

    async def key(_: str) -> LiveKey:
        return LiveKey(id="k1", app="support-bot")

    resolver = CallerResolver(mode="gateway", salt="s", lookup_gateway_key=key)

    response = await _get(_proxy(handler, [LOCAL, DEFAULT], resolver), key="fg-issued")

    assert response.status_code == 200
    assert seen == {"local.test": "Bearer sk-local", "default.test": "Bearer sk-default"}


async def test_an_upstream_that_fails_is_left_out_and_logged(caplog: pytest.LogCaptureFixture):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "local.test":
            raise httpx.ConnectError("connection refused")
        return lists(request)

    with caplog.at_level(logging.WARNING, logger="feedgate.proxy"):
        response = await _get(_proxy(handler, [LOCAL, DEFAULT]))

    assert response.status_code == 200
    assert sorted(_ids(response)) == ["gpt-4o", "gpt-4o-mini", "qwen-local"]
    assert any("'local' is left out of the list" in record.getMessage() for record in caplog.records)


async def test_an_upstream_answering_an_error_is_left_out():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "default.test":
            return httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}})
        return lists(request)

    response = await _get(_proxy(handler, [LOCAL, DEFAULT]))

    assert response.status_code == 200
    assert sorted(_ids(response)) == ["llama-3-on-default", "llama-3.1-8b", "qwen-local"]


async def test_when_every_upstream_fails_the_app_gets_the_default_upstreams_answer():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "local.test":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}})

    response = await _get(_proxy(handler, [LOCAL, DEFAULT]))

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Incorrect API key provided"


async def test_the_default_upstreams_answer_keeps_its_request_id():
    # The SDKs read it as the error's request_id: the one to quote to the provider.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "local.test":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(401, json={"error": {"message": "no"}}, headers={"x-request-id": "req_provider"})

    response = await _get(_proxy(handler, [LOCAL, DEFAULT]))

    assert response.headers.get_list("x-request-id") == ["req_provider"]


async def test_when_no_upstream_answers_the_app_gets_a_502_naming_each():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    response = await _get(_proxy(handler, [LOCAL, DEFAULT]))

    assert response.status_code == 502
    message = response.json()["error"]["message"]
    assert "'local'" in message and "'default'" in message
    assert "ConnectError" not in message


async def test_a_models_own_path_goes_to_the_upstream_serving_it():
    proxy = _proxy(lists, [LOCAL, DEFAULT])

    llama, gpt = await _get(proxy, "/v1/models/llama-3.1-8b"), await _get(proxy, "/v1/models/gpt-4o")

    assert (llama.json()["owned_by"], gpt.json()["owned_by"]) == ("local.test", "default.test")


async def test_with_one_upstream_the_list_is_the_upstreams_answer_untouched():
    body = orjson.dumps({"object": "list", "data": [{"id": "gpt-4o"}], "extra": True})

    response = await _get(_proxy(lambda request: httpx.Response(200, content=body), [DEFAULT]))

    assert response.content == body


async def test_the_merged_list_can_be_read_by_the_page_that_asked_for_it():
    # The gateway's own answer (no upstream's CORS headers to relay): a browser page reads it as it reads one upstream's.
    proxy = _proxy(lists, [LOCAL, DEFAULT])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        headers = {"authorization": "Bearer sk-app", "origin": "https://app.example"}
        response = await client.get("/v1/models", headers=headers)

    assert (response.status_code, response.headers.get("access-control-allow-origin")) == (200, "https://app.example")
