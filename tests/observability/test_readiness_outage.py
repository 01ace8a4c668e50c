"""/readyz through a real PostgreSQL outage: 200 while interactions can be spooled, 503 when they cannot either."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """The outage tests run on PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
    """The gateway started with `settings`, and a client of it."""
    app = create_app(settings, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        yield app, client


async def ready(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/readyz")


async def test_readyz_is_200_when_the_database_does_not_answer_before_any_call(
    relayed_settings: Settings, relay: TcpRelay
):
    async with serving(relayed_settings) as (_, client):
        await relay.stop()
        response = await ready(client)
        await relay.start()

    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["status"] == "spooling"
    assert body["checks"]["writer"].startswith("will spool")


async def test_readyz_is_503_when_the_database_does_not_answer_and_the_spool_is_not_writable(
    relayed_settings: Settings, relay: TcpRelay, tmp_path
):
    folder = tmp_path / "spool"
    folder.mkdir()
    settings = relayed_settings.model_copy(update={"spool_path": folder / "feedgate.spool.jsonl"})
    async with serving(settings) as (_, client):
        assert (await ready(client)).status_code == 200
        # The spool's folder becomes a plain file: nothing can be written where the spool goes
        # (a permission would not stop a test running as root).
        folder.rename(tmp_path / "moved")
        folder.write_text("not a folder")
        await relay.stop()
        response = await ready(client)
        await relay.start()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("unreachable")
    assert "spool file is not writable" in body["problems"][0]


async def test_readyz_stays_200_and_says_so_while_the_writer_spools(
    relayed_settings: Settings, relay: TcpRelay, fake_upstream
):
    async with serving(relayed_settings) as (app, client):
        await relay.stop()
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
        answer = await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-a"})
        await app.services.writer.flush()
        response = await ready(client)
        await relay.start()

    assert answer.status_code == 200
    assert app.services.writer.spooled >= 1
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["status"] == "spooling"
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["writer"].startswith("spooling")


async def test_readyz_names_the_kind_of_failure_never_the_databases_address(
    relayed_settings: Settings, relay: TcpRelay, caplog
):
    async with serving(relayed_settings) as (_, client):
        await relay.stop()
        with caplog.at_level("DEBUG", logger="feedgate.health"):
            response = await ready(client)
        await relay.start()

    database = response.json()["checks"]["database"]
    assert database.startswith("unreachable: ") and str(relay.port) not in response.text, response.text
    # The whole account is for the operator, in the log.
    assert any(str(relay.port) in record.getMessage() for record in caplog.records if record.name == "feedgate.health")


async def test_readyz_is_503_when_the_writer_spools_but_its_spool_can_no_longer_be_written(
    relayed_settings: Settings, relay: TcpRelay, fake_upstream, tmp_path
):
    folder = tmp_path / "spool"
    folder.mkdir()
    settings = relayed_settings.model_copy(update={"spool_path": folder / "feedgate.spool.jsonl"})
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    async with serving(settings) as (app, client):
        await relay.stop()
        await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-a"})
        await app.services.writer.flush()
        assert app.services.writer.spooling
        # The disk under the spool goes read-only (a folder turned file stops root too): the next
        # calls have nowhere to go but memory.
        folder.rename(tmp_path / "moved")
        folder.write_text("not a folder")
        await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-a"})
        await asyncio.sleep(0.5)
        response = await ready(client)
        await relay.start()

    assert response.status_code == 503, response.text
    body = response.json()
    assert body["checks"]["writer"].startswith("cannot spool")
    assert "spool file is not writable" in body["problems"][0]


async def test_readyz_tells_of_the_calls_waiting_on_a_database_that_does_not_answer_then_of_the_spool(
    relayed_settings: Settings, relay: TcpRelay, fake_upstream
):
    settings = relayed_settings.model_copy(update={"writer_database_timeout": 6.0})
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    async with serving(settings) as (app, client):
        relay.freeze()  # a server stopped (SIGSTOP), not gone: it takes the bytes and never answers
        try:
            for _ in range(3):
                await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-a"})
            await asyncio.sleep(1.0)
            waiting = await ready(client)  # the probe itself waits its 2 s
            await asyncio.sleep(4.0)
            spooling = await ready(client)
            spooled = app.services.writer.spooled
        finally:
            relay.thaw()

    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["checks"]["database"] == "unreachable: no answer within 2 s"
    writer = waiting.json()["checks"]["writer"]
    assert re.fullmatch(
        r"waiting: the database has not answered the writer for [2-5] s; 3 interactions waiting in this process's "
        r"memory, spooled if it does not answer within 6 s",
        writer,
    ), writer
    assert spooled == 3
    assert spooling.status_code == 200 and spooling.json()["checks"]["writer"].startswith("spooling"), spooling.text
