"""A real PostgreSQL outage: the writer's connections are cut at the TCP level, then come back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
import uuid_utils
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from tcp_relay import TcpRelay

from gateway.recording.exchange import Exchange
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.availability import database_unavailable
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore
from gateway.store.tables import interactions

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


def chat_exchange(n: int) -> Exchange:
    completion = {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": f"answer {n}"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    }
    return Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app="outage-test",
        endpoint="chat.completions",
        upstream="default",
        # Requests of some size, so inserts are in flight when connections are cut.
        request={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"question {n} " + "x" * 4000}]},
        status_code=200,
        content_type="application/json",
        body_chunks=[orjson.dumps(completion)],
    )


async def eventually(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def stored_copies(engine: AsyncEngine, ids: list[str]) -> dict[str, int]:
    """How many rows each of `ids` has in the database."""
    copies: dict[str, int] = {}
    async with engine.connect() as connection:
        for start in range(0, len(ids), 1000):
            query = (
                select(interactions.c.id, func.count())
                .where(interactions.c.id.in_(ids[start : start + 1000]))
                .group_by(interactions.c.id)
            )
            copies.update({row[0]: row[1] for row in await connection.execute(query)})
    return copies


class Traffic:
    """Submits an exchange every few milliseconds until stopped, like a busy proxy."""

    def __init__(self, writer: InteractionWriter) -> None:
        self.writer = writer
        self.ids: list[str] = []
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stop.is_set():
            exchange = chat_exchange(len(self.ids))
            self.writer.submit(exchange)
            self.ids.append(exchange.id)
            await asyncio.sleep(0.003)

    async def keep_going(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def stop(self) -> list[str]:
        self._stop.set()
        await self._task
        return self.ids


@pytest.fixture
def database(postgres_database: str) -> str:
    return postgres_database


def through(relay_port: int, database: str) -> str:
    """The database URL, pointed at a local port instead of the server."""
    return make_url(database).set(host="127.0.0.1", port=relay_port).render_as_string(hide_password=False)


@pytest.fixture
async def direct_engine(database: str) -> AsyncIterator[AsyncEngine]:
    """An engine straight to the server, for checking what was stored."""
    engine = create_engine(database)
    yield engine
    await engine.dispose()


async def test_every_interaction_is_stored_exactly_once_across_real_connection_cuts(
    relay: TcpRelay, database: str, direct_engine: AsyncEngine, tmp_path: Path
):
    engine = create_engine(through(relay.port, database))
    spool = Spool(tmp_path / "spool.jsonl")
    writer = InteractionWriter(InteractionStore(engine), spool, batch_size=20, flush_interval=0.02, retry_interval=0.1)
    writer.start()
    try:
        traffic = Traffic(writer)
        await traffic.keep_going(0.4)
        assert writer.stored > 0 and not writer.spooling

        for _outage in range(2):
            await relay.stop()  # mid-traffic: pooled and in-flight connections die, new ones are refused
            await eventually(lambda: writer.spooling, timeout=5.0)
            await traffic.keep_going(0.5)
            spooled_during_outage = writer.spooled
            assert spooled_during_outage > 0

            await relay.start()
            await eventually(lambda: not writer.spooling, timeout=10.0)
            await traffic.keep_going(0.3)

        submitted = await traffic.stop()
        await asyncio.wait_for(writer.close(), 15.0)
    finally:
        await engine.dispose()

    copies = await stored_copies(direct_engine, submitted)
    missing = [i for i in submitted if i not in copies]
    assert missing == [], f"{len(missing)} of {len(submitted)} interactions were lost"
    assert set(copies.values()) == {1}
    assert spool.is_empty()


async def test_a_connection_cut_while_it_is_being_opened_sends_rows_to_the_spool(
    database: str, direct_engine: AsyncEngine, tmp_path: Path
):
    # The server answers the start-up message, then the connection dies: SQLAlchemy reports
    # a plain DBAPIError (no connection to invalidate yet), caused by asyncpg's
    # ConnectionDoesNotExistError. It is an outage, not a bad row: spool, don't drop.
    target = make_url(database)

    async def cut_after_first_reply(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(target.host, target.port or 5432)
        server_writer.write(await client_reader.read(65536))
        client_writer.write(await server_reader.read(65536))
        await client_writer.drain()
        client_writer.transport.abort()
        server_writer.transport.abort()

    treacherous = await asyncio.start_server(cut_after_first_reply, "127.0.0.1", 0)
    engine = create_engine(through(treacherous.sockets[0].getsockname()[1], database))
    spool = Spool(tmp_path / "spool.jsonl")
    writer = InteractionWriter(InteractionStore(engine), spool, flush_interval=0.02, retry_interval=60.0)
    writer.start()
    try:
        exchange = chat_exchange(1)
        writer.submit(exchange)
        await asyncio.wait_for(writer.flush(), 10.0)

        assert writer.spooling
        assert [row["id"] for batch in spool.read_batches(10) for row in batch] == [exchange.id]
        await writer.close()
    finally:
        await engine.dispose()
        treacherous.close()

    # Once the database is reachable again, a writer replays the row.
    replaying = InteractionWriter(InteractionStore(direct_engine), Spool(spool.path), flush_interval=0.02)
    replaying.start()
    await replaying.close()
    assert await stored_copies(direct_engine, [exchange.id]) == {exchange.id: 1}


def test_asyncpg_reporting_a_closed_connection_means_the_databasedatabase_unavailable():
    # Raised bare (not wrapped by SQLAlchemy) when a connection dies while it is being set up.
    assert database_unavailable(asyncpg.InterfaceError("connection is closed"))
    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert database_unavailable(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prompt_tokens", "12"),  # asyncpg refuses the argument (its DataError is an InterfaceError subclass)
        ("model", "m" * 300),  # the server refuses the value: too long for the column
    ],
)
async def test_a_row_postgres_refuses_is_not_mistaken_for_an_outage(direct_engine: AsyncEngine, field: str, value: Any):
    row = {
        "id": str(uuid_utils.uuid7()),
        "created_at": datetime.now(UTC),
        "app": "outage-test",
        "endpoint": "chat.completions",
        "upstream": "default",
        "stream": False,
        "partial": False,
        field: value,
    }

    with pytest.raises(Exception) as refused:
        await InteractionStore(direct_engine).insert_many([row])

    assert not database_unavailable(refused.value)
