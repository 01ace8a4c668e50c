"""/metrics after proxied calls: requests by route, status and upstream, latency histograms, upstream errors."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings

from .scrape import increase, scrape

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my card?"}]}
AUTH = {"authorization": "Bearer sk-metrics-app"}
CHAT_DEFAULT = {"route": "chat.completions", "upstream": "default"}


async def test_proxied_calls_are_counted_by_route_status_and_upstream(client, fake_upstream):
    before = await scrape(client)

    for _ in range(3):
        assert (await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)).status_code == 200

    after = await scrape(client)
    assert increase(before, after, "feedgate_requests_total", **CHAT_DEFAULT, status="200") == 3


async def test_each_call_is_observed_in_both_latency_histograms(client, fake_upstream):
    before = await scrape(client)

    await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    await client.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=AUTH)

    after = await scrape(client)
    for histogram in ("feedgate_request_seconds", "feedgate_gateway_added_seconds"):
        counted = increase(before, after, f"{histogram}_count", **CHAT_DEFAULT)
        in_top_bucket = increase(before, after, f"{histogram}_bucket", **CHAT_DEFAULT, le="+Inf")
        assert counted == in_top_bucket == 2, histogram


async def test_the_gateways_added_time_is_part_of_the_whole_call(client, fake_upstream):
    before = await scrape(client)

    # The fake upstream waits 50 ms: time that is the upstream's, not the gateway's.
    await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-fake-delay": "0.05"})

    after = await scrape(client)
    whole = increase(before, after, "feedgate_request_seconds_sum", **CHAT_DEFAULT)
    added = increase(before, after, "feedgate_gateway_added_seconds_sum", **CHAT_DEFAULT)
    assert whole >= 0.05
    assert 0 < added < whole - 0.04


async def test_an_upstream_error_status_is_counted_under_its_status(client, fake_upstream):
    before = await scrape(client)

    response = await client.post("/v1/chat/completions", json={**CHAT, "model": "error-500"}, headers=AUTH)

    after = await scrape(client)
    assert response.status_code >= 400
    assert increase(before, after, "feedgate_requests_total", **CHAT_DEFAULT, status=str(response.status_code)) == 1


@pytest.fixture
def unreachable_settings(settings: Settings, unused_url: str) -> Settings:
    return settings.model_copy(update={"upstream_url": unused_url})


async def test_an_unreachable_upstream_counts_as_an_upstream_error_and_a_502(unreachable_settings: Settings):
    app = create_app(unreachable_settings, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        before = await scrape(client)
        response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
        after = await scrape(client)

    assert response.status_code == 502
    assert increase(before, after, "feedgate_upstream_errors_total", upstream="default", kind="unreachable") == 1
    assert increase(before, after, "feedgate_requests_total", **CHAT_DEFAULT, status="502") == 1


async def test_an_upstream_that_does_not_answer_in_time_counts_as_a_timeout(settings: Settings, fake_upstream):
    app = create_app(settings.model_copy(update={"upstream_read_timeout": 0.1}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        before = await scrape(client)
        response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-fake-delay": "1"})
        after = await scrape(client)

    assert response.status_code == 504
    assert increase(before, after, "feedgate_upstream_errors_total", upstream="default", kind="timeout") == 1


async def test_writer_batches_and_rows_are_counted(gateway, client, fake_upstream):
    before = await scrape(client)

    await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    await gateway.services.writer.flush()

    after = await scrape(client)
    assert increase(before, after, "feedgate_writer_rows_total", destination="database") == 1
    assert increase(before, after, "feedgate_writer_batches_total", destination="database") >= 1
    assert "feedgate_writer_queue_depth" in after


async def test_metrics_have_no_created_series_that_read_as_counts(client, fake_upstream):
    # `feedgate_writer_rows_created{destination="spool"} 1.79e+09` reads as 1.79 billion rows spooled.
    await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)

    text = (await client.get("/metrics")).text

    assert "feedgate_writer_rows_total" in text
    assert [line for line in text.splitlines() if "_created" in line] == []


async def test_metrics_need_no_token_by_default(client):
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert "# TYPE feedgate_requests_total counter" in response.text


async def test_metrics_ask_for_the_metrics_token_when_one_is_set(settings: Settings):
    app = create_app(settings.model_copy(update={"metrics_token": "scrape-me"}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        without = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
        with_token = await client.get("/metrics", headers={"authorization": "Bearer scrape-me"})

    assert without.status_code == wrong.status_code == 401
    assert "metrics token" in without.json()["error"]["message"]
    assert with_token.status_code == 200


def test_an_upstream_breaking_off_mid_stream_counts_as_broke_off(live_gateway, fake_upstream):
    metrics_url = live_gateway.origin + "/metrics"
    before = httpx.get(metrics_url).text

    with (
        httpx.stream(
            "POST",
            f"{live_gateway.url}/chat/completions",
            json={**CHAT, "model": "reset-model", "stream": True},
            headers=AUTH,
        ) as response,
        pytest.raises(httpx.HTTPError),
    ):
        for _ in response.iter_raw():
            pass

    after = httpx.get(metrics_url).text
    assert increase(before, after, "feedgate_upstream_errors_total", upstream="default", kind="broke_off") == 1
    # The answer had started (200) when the upstream broke off: the call counts under that status.
    assert increase(before, after, "feedgate_requests_total", **CHAT_DEFAULT, status="200") == 1
