"""A later look at a Responses call goes to the upstream its create was recorded on: the proxy's side, upstreams mocked."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from proxy_in_process import no_gateway_keys, passthrough_proxy

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.response_homes import ResponseHomes
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import HttpxUpstream
from gateway.recording.identifiers import fitted_identifier
from gateway.store.engine import create_engine
from gateway.store.response_homes import ResponseHome, ResponseHomeStore

DEFAULT_URL = "https://default.example/v1"
SECOND_URL = "https://second.example/v1"
SECOND = Upstream(name="second", url=SECOND_URL, models=["llama-second"])
DEFAULT = Upstream(name="default", url=DEFAULT_URL)
RESPONSE_ID = "resp_made_on_second"


class Homes:
    """The recorded homes, as the store would find them; counts each lookup."""

    def __init__(self, homes: dict[str, ResponseHome] | None = None) -> None:
        self.homes = homes or {}
        self.asked: list[str] = []

    async def find(self, app: str, response_id: str) -> ResponseHome | None:
        self.asked.append(response_id)
        return self.homes.get(response_id)


@pytest.fixture
async def upstream_client() -> AsyncIterator[HttpxUpstream]:
    client = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    try:
        yield client
    finally:
        await client.aclose()


def two_upstream_proxy(client: HttpxUpstream, homes: ResponseHomes) -> ProxyApp:
    router = homes_router()
    return ProxyApp(
        router=router,
        resolver=CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys),
        client=client,
        submit=lambda exchange: None,
        upstream_authorization={"second": None, "default": None},
        max_request_bytes=1 << 20,
        response_homes=homes,
    )


def homes_router() -> UpstreamRouter:
    return UpstreamRouter([SECOND, DEFAULT])


async def look(proxy: ProxyApp, path: str = f"/v1/responses/{RESPONSE_ID}") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.get(path, headers={"authorization": "Bearer sk-a"})


@respx.mock
async def test_a_home_found_once_is_kept_for_every_later_look(upstream_client):
    homes = Homes({RESPONSE_ID: ResponseHome("second", "llama-second")})
    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find))
    route = respx.get(f"{SECOND_URL}/responses/{RESPONSE_ID}").mock(return_value=httpx.Response(200, json={}))

    await look(proxy)
    await look(proxy)

    assert (route.call_count, homes.asked) == (2, [RESPONSE_ID])


@respx.mock
async def test_an_id_not_found_goes_to_the_default_upstream_and_is_looked_up_again(upstream_client):
    homes = Homes()
    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find))
    route = respx.get(f"{DEFAULT_URL}/responses/{RESPONSE_ID}").mock(return_value=httpx.Response(404, json={}))

    await look(proxy)
    await look(proxy)

    assert (route.call_count, homes.asked) == (2, [RESPONSE_ID, RESPONSE_ID])


@respx.mock
async def test_a_home_whose_upstream_is_no_longer_configured_goes_where_its_model_is_routed(upstream_client):
    homes = Homes({RESPONSE_ID: ResponseHome("renamed-since", "llama-second")})
    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find))
    route = respx.get(f"{SECOND_URL}/responses/{RESPONSE_ID}").mock(return_value=httpx.Response(200, json={}))

    await look(proxy)

    assert route.called


@respx.mock
async def test_a_look_waits_for_the_writer_holding_its_create(upstream_client):
    homes = Homes()

    class Writer:
        backlog = 1

        async def caught_up(self) -> None:
            homes.homes[RESPONSE_ID] = ResponseHome("second", "llama-second")  # the create is stored now

    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find, Writer()))
    route = respx.get(f"{SECOND_URL}/responses/{RESPONSE_ID}").mock(return_value=httpx.Response(200, json={}))

    await look(proxy)

    assert route.called


@respx.mock
async def test_a_response_id_longer_than_its_column_is_looked_up_as_stored(upstream_client):
    long_id = "resp_" + "x" * 300
    homes = Homes()
    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find))
    respx.get(f"{DEFAULT_URL}/responses/{long_id}").mock(return_value=httpx.Response(404, json={}))

    await look(proxy, f"/v1/responses/{long_id}")

    assert homes.asked == [fitted_identifier(long_id)]


@respx.mock
async def test_a_look_with_one_upstream_never_asks_the_database(upstream_client):
    homes = Homes({RESPONSE_ID: ResponseHome("second", "llama-second")})
    single = UpstreamRouter([DEFAULT])
    proxy = passthrough_proxy(
        DEFAULT_URL, upstream_client, lambda exchange: None, response_homes=ResponseHomes(single, homes.find)
    )
    route = respx.get(f"{DEFAULT_URL}/responses/{RESPONSE_ID}").mock(return_value=httpx.Response(200, json={}))

    await look(proxy)

    assert (route.called, homes.asked) == (True, [])


@respx.mock
async def test_a_look_naming_a_model_is_routed_by_it_without_a_lookup(upstream_client):
    homes = Homes()
    proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), homes.find))
    route = respx.post(f"{SECOND_URL}/responses/input_tokens").mock(return_value=httpx.Response(200, json={}))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        await client.post("/v1/responses/input_tokens", json={"model": "llama-second", "input": "hi"})

    assert (route.called, homes.asked) == (True, [])


@respx.mock
async def test_a_look_while_the_database_is_away_is_a_503_sent_nowhere(upstream_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://feedgate@127.0.0.1:{port}/feedgate", answer_timeout=2.0)
    try:
        proxy = two_upstream_proxy(upstream_client, ResponseHomes(homes_router(), ResponseHomeStore(engine).home))

        response = await look(proxy)
    finally:
        await engine.dispose()

    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert response.json()["error"]["code"] == "database_unavailable"
    assert "Nothing was sent upstream" in response.json()["error"]["message"]
    assert not respx.calls
