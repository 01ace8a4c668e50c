"""Calls of an erased end user that were not stored yet when the erasure ran are never stored after it.

Wherever they wait: in a gateway's writer (this process's or another's), in a spool file during an
outage, or in a file being imported. A call made after the erasure is stored: the user came back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from privacy_seed import count_where
from sqlalchemy import select
from sqlalchemy.engine import make_url

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.imports.jsonl import import_jsonl
from gateway.privacy.erasure import erase_end_user
from gateway.store.erased_users import ERASURE_KEY, record_erasure
from gateway.store.interaction_inserts import InteractionInserts
from gateway.store.secrets import get_or_create_secret
from gateway.store.tables import audit_log, erased_end_users, feedback, interactions

AUTH = {"authorization": "Bearer sk-app-one"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "my address is 12 Elm Street"}]}
# Long enough that the writer never stores a batch by itself while a test runs: only a flush does.
IDLE_WRITER = {"writer_flush_interval": 60.0}


@pytest.fixture
async def idle_writer_gateway(settings: Settings) -> AsyncIterator[FeedgateApp]:
    app = create_app(settings.model_copy(update=IDLE_WRITER), environ={})
    async with LifespanManager(app):
        yield app


def client_of(app: FeedgateApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feedgate.test")


async def call_as(client: httpx.AsyncClient, user: str) -> str:
    answer = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": user})
    assert answer.status_code == 200, answer.text
    return answer.headers["x-feedgate-interaction-id"]


async def stored(engine, *ids: str) -> int:
    return await count_where(engine, interactions.c.id, list(ids))


async def test_a_call_still_in_the_writer_of_the_process_that_erases_is_never_stored(
    idle_writer_gateway, admin_headers, engine
):
    async with client_of(idle_writer_gateway) as client:
        carols = await call_as(client, "carol")
        others = await call_as(client, "dan")

        erased = await client.post("/api/erasures", json={"user": "carol"}, headers=admin_headers)

    await idle_writer_gateway.services.writer.flush()
    assert erased.status_code == 200, erased.text
    assert erased.json()["removed"]["interactions"] == 0  # not in the database when the erasure ran
    assert (await stored(engine, carols), await stored(engine, others)) == (0, 1)


async def test_an_erasure_run_elsewhere_reaches_a_gateways_writer(idle_writer_gateway, engine):
    async with client_of(idle_writer_gateway) as client:
        carols = await call_as(client, "carol")

    # As `feedgate erase` does, in a process of its own with its own engine: the gateway is not told.
    await erase_end_user(engine, "carol", "cli", [], via="cli")
    await idle_writer_gateway.services.writer.flush()

    assert await stored(engine, carols) == 0


async def test_a_call_made_after_the_erasure_is_stored(idle_writer_gateway, admin_headers, engine):
    async with client_of(idle_writer_gateway) as client:
        await client.post("/api/erasures", json={"user": "carol"}, headers=admin_headers)
        returned = await call_as(client, "carol")

    await idle_writer_gateway.services.writer.flush()

    assert await stored(engine, returned) == 1


async def test_a_call_that_began_before_the_erasure_and_ended_after_it_is_not_stored(engine):
    inserts = InteractionInserts(engine.dialect)
    began = datetime.now(UTC)
    await erase_end_user(engine, "carol", "cli", [], via="cli")
    # The writer builds its row when the answer ends; it carries the time the call began.
    row = {"id": "carol-long-stream", "created_at": began, "app": "a", "endpoint": "chat.completions"}
    row |= {"upstream": "default", "stream": True, "partial": False, "end_user": "carol"}

    async with engine.begin() as connection:
        assert await inserts.insert(connection, [row]) == []

    assert await stored(engine, "carol-long-stream") == 0


async def test_the_record_names_the_user_by_the_audit_logs_keyed_hash_only(engine):
    await erase_end_user(engine, "carol", "cli", [], via="cli")
    first = datetime.now(UTC)
    await erase_end_user(engine, "carol", "cli", [], via="cli")

    async with engine.connect() as connection:
        records = (await connection.execute(select(erased_end_users))).all()
        subjects = (await connection.scalars(select(audit_log.c.subject_id))).all()
    [(subject, erased_at)] = records  # a second erasure moves the time on, in the same record
    assert subject == subjects[0] == subjects[1]
    assert subject.startswith("hmac-sha256:") and "carol" not in subject
    assert erased_at >= first


async def test_an_import_leaves_out_what_an_erased_user_made_before_the_erasure(engine, tmp_path: Path):
    before = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await erase_end_user(engine, "frank", "cli", [], via="cli")
    lines = [
        # frank's own interaction, with feedback on it from someone else
        {"id": "franks", "created_at": before, "request": {**CHAT, "user": "frank"}, "feedback": [{"thumbs": "up"}]},
        # someone else's, which frank rated (and a colleague too)
        {
            "id": "gretas",
            "created_at": before,
            "request": {**CHAT, "user": "greta"},
            "feedback": [{"thumbs": "down", "user_id": "frank"}, {"thumbs": "down", "user_id": "hal"}],
        },
    ]
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))

    report = await import_jsonl(engine, path)

    assert (report.interactions, report.feedback) == (1, 1)
    assert (report.erased_interactions, report.erased_feedback) == (1, 2)
    async with engine.connect() as connection:
        kept = (await connection.execute(select(feedback.c.interaction_id, feedback.c.user_id))).all()
    assert (await stored(engine, "franks", "gretas"), kept) == (1, [("gretas", "hal")])


async def test_an_erasure_waits_for_an_insert_under_way_and_finds_its_rows(engine):
    inserts = InteractionInserts(engine.dialect)
    key = await get_or_create_secret(engine, ERASURE_KEY)
    row = {"id": "inas", "created_at": datetime.now(UTC), "app": "a", "endpoint": "chat.completions"}
    row |= {"upstream": "default", "stream": False, "partial": False, "end_user": "ina"}

    async with engine.begin() as connection:
        await inserts.insert(connection, [row])  # read the records: none; now holds the lock
        recording = asyncio.create_task(record_erasure(engine, key, ("ina",), datetime.now(UTC)))
        await asyncio.sleep(0.3)
        assert not recording.done()  # the record waits for the insert's transaction
    await recording

    # The row went in before the record: it is in the database, where the erasure's deletes find it.
    assert await stored(engine, "inas") == 1


# A SQLite file cannot stop answering: the outage is staged on PostgreSQL, through a relay that cuts the
# gateway off while the test's own engine still reaches the database.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_spooled_calls_of_an_erased_user_are_not_replayed(settings, database_url, relay, engine):
    through_relay = make_url(database_url).set(host=relay.host, port=relay.port)
    spooling = {"database_url": through_relay.render_as_string(hide_password=False), "writer_retry_interval": 0.2}
    app = create_app(settings.model_copy(update=spooling), environ={})
    async with LifespanManager(app), client_of(app) as client:
        await relay.stop()
        doras = await call_as(client, "dora")
        eds = await call_as(client, "ed")
        await app.services.writer.flush()
        assert app.services.writer.spooling

        await erase_end_user(engine, "dora", "cli", [], via="cli")
        await relay.start()  # the gateway reaches the database again and replays its spool
        for _ in range(100):
            if not app.services.writer.spooling:
                break
            await asyncio.sleep(0.1)

    assert not app.services.writer.spooling
    assert (await stored(engine, doras), await stored(engine, eds)) == (0, 1)
