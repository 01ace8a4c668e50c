"""A PostgreSQL that holds a request up (a lock held forever, a stopped server): 503 within `database_timeout`.

Long jobs (erasure here; the clustering pass and pruning alike) run on the engine without that limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

LIMIT = 1.0
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: its locks are held by another connection, and it can stop answering."""
    return postgres_database


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
    app = create_app(settings.model_copy(update={"database_timeout": LIMIT}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        yield app, client


@asynccontextmanager
async def table_locked(database_url: str, table: str) -> AsyncIterator[asyncpg.Connection]:
    """`table` locked by another connection (no one reads or writes it) until the block ends."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield connection
        await transaction.rollback()
    finally:
        await connection.close()


async def timed(request: asyncio.Future[httpx.Response] | object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request  # type: ignore[misc]
    return response, time.monotonic() - started


async def test_feedback_waiting_on_a_lock_held_elsewhere_is_a_503_within_the_limit(
    settings, database_url, fake_upstream
):
    async with serving(settings) as (app, client):
        answered = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app"})
        await app.services.writer.flush()
        body = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "down"}
        token = {"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]}

        async with table_locked(database_url, "feedback"):
            response, took = await timed(client.post("/v1/feedback", json=body, headers=token))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "did not answer within 1 s (FEEDGATE_DATABASE_TIMEOUT)" in error["message"]
    assert took < LIMIT + 1.0


async def test_the_admin_api_waiting_on_a_lock_held_elsewhere_is_a_503_within_the_limit(settings, database_url):
    async with serving(settings) as (_, client), table_locked(database_url, "interactions"):
        response, took = await timed(client.get("/api/interactions", headers=ADMIN))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "did not answer within 1 s" in response.json()["detail"]
    assert took < LIMIT + 1.0


async def test_a_page_waiting_on_a_lock_held_elsewhere_is_a_503_page_within_the_limit(settings, database_url):
    async with serving(settings) as (_, client), table_locked(database_url, "admin_users"):
        response, took = await timed(client.get("/admin/sign-in"))
        if response.status_code == 200:  # the sign-in form reads no table: signing in does
            from tests.admin_ui.html_page import csrf_token_of

            form = {"csrf_token": csrf_token_of(response.text), "name": "ann", "password": "correct horse battery"}
            response, took = await timed(client.post("/admin/sign-in", data=form))

    assert response.status_code == 503
    assert "did not answer within 1 s" in response.text
    assert took < LIMIT + 1.0


async def test_a_stopped_database_is_a_503_within_the_limit(relayed_settings, relay: TcpRelay):
    async with serving(relayed_settings) as (_, client):
        relay.freeze()
        try:
            response, took = await timed(client.get("/api/interactions", headers=ADMIN))
        finally:
            relay.thaw()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    # The limit, not the limit and up to 2 s of SQLAlchemy's goodbye to the silent server (gateway.store.engine).
    assert took < LIMIT + 0.5


async def test_a_refresher_on_a_stopped_database_logs_its_failure_within_the_limit(
    relayed_settings, relay: TcpRelay, caplog
):
    quick = relayed_settings.model_copy(update={"prompt_refresh_seconds": 0.1})
    async with serving(quick):
        with caplog.at_level(logging.WARNING, logger="feedgate.fixes"):
            relay.freeze()
            try:
                frozen_at = time.monotonic()
                while not [r for r in caplog.records if "refreshing prompts fixes failed" in r.getMessage()]:
                    assert time.monotonic() - frozen_at < LIMIT + 3.0, "no refresh failure was logged"
                    await asyncio.sleep(0.05)
            finally:
                relay.thaw()

    [record] = [r for r in caplog.records if "refreshing prompts fixes failed" in r.getMessage()][:1]
    assert "database unavailable: no answer in time" in record.getMessage()


async def test_an_erasure_waits_out_a_lock_longer_than_the_web_limit(settings, database_url):
    async with serving(settings) as (_, client):
        async with table_locked(database_url, "feedback"):
            erasing = asyncio.ensure_future(client.post("/api/erasures", json={"user": "u-1"}, headers=ADMIN))
            await asyncio.sleep(LIMIT + 0.5)
            assert not erasing.done()
        response = await erasing

    assert response.status_code == 200, response.text
