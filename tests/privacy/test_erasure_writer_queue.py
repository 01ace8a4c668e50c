"""An erasure through the admin API finds the calls its process answered a moment ago, still in the writer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from privacy_seed import count_where
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.privacy.local_writer import WriterNotSettled, settle_local_writer
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.tables import audit_log, interactions
from tests.recording.writing import chat_exchange

AUTH = {"authorization": "Bearer sk-app-one"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "my address is 12 Elm Street"}]}
# Long enough that the writer never stores a batch by itself while a test runs: only a flush does.
IDLE_WRITER = {"writer_flush_interval": 60.0}


@pytest.fixture
async def idle_writer_gateway(settings: Settings) -> AsyncIterator[FeedgateApp]:
    app = create_app(settings.model_copy(update=IDLE_WRITER), environ={})
    async with LifespanManager(app):
        yield app


async def test_api_erasure_stores_what_its_process_still_holds_first_and_erases_it(
    idle_writer_gateway, admin_headers, engine
):
    transport = httpx.ASGITransport(app=idle_writer_gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://feedgate.test") as client:
        answer = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": "carol"})

        erased = await client.post("/api/erasures", json={"user": "carol"}, headers=admin_headers)

    await idle_writer_gateway.services.writer.flush()
    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["interactions"] == 1
    assert await count_where(engine, interactions.c.id, [answer.headers["x-feedgate-interaction-id"]]) == 0


async def test_a_writer_that_cannot_store_within_the_bound_is_reported_not_waited_for(tmp_path: Path):
    class NeverCalled:
        async def insert_many(self, rows: list[dict]) -> None:  # pragma: no cover - the writer never runs
            raise AssertionError("an unstarted writer stores nothing")

    writer = InteractionWriter(NeverCalled(), Spool(tmp_path / "spool.jsonl"))  # not started: it never flushes
    writer.submit(chat_exchange())

    with pytest.raises(WriterNotSettled, match="still holds 1 interactions"):
        await settle_local_writer(writer, timeout=0.05)


# A SQLite file cannot stop answering: the outage is staged on PostgreSQL, through a relay that cuts it off.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_api_erasure_while_its_process_has_rows_in_the_spool_is_a_503_that_erases_nothing(
    settings, database_url, relay, admin_headers, engine
):
    through_relay = make_url(database_url).set(host=relay.host, port=relay.port)
    # The spool is replayed only at the writer's next retry, a minute after the outage began.
    spooling = {"database_url": through_relay.render_as_string(hide_password=False), "writer_retry_interval": 60.0}
    app = create_app(settings.model_copy(update=spooling), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feedgate.test") as client,
    ):
        await relay.stop()
        await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": "dora"})
        await app.services.writer.flush()
        await relay.start()  # the database is back; dora's call waits in the spool

        erased = await client.post("/api/erasures", json={"user": "dora"}, headers=admin_headers)

    assert erased.status_code == 503, erased.text
    assert "spool" in erased.json()["detail"]
    assert erased.headers["retry-after"] == "5"
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(audit_log)) == 0
