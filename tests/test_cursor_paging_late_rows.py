"""What a client following /api/interactions sees of a call stored late (docs/admin-api.md: "Rows stored late").

A call is stored with the time it was made (`created_at`), and the listings by time order and page by
it. The writer stores calls in batches, and while the database is away it spools them and replays them
once it answers: such a row lands behind rows stored before it. A client that polls by time for rows
newer than the newest it has seen (`since`, or stopping at a row it knows) never gets it; a follower
of the stored order (`stored_after`) gets it once, when it is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from interaction_rows import interaction_row

from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.interactions import InteractionStore
from tests.recording.writing import SwitchableSink, chat_exchange, eventually

NOW = datetime.now(UTC).replace(microsecond=0)
T = TypeVar("T")


async def answer(client: Any, admin_headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/api/interactions", params=params, headers=admin_headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def listed(client: Any, admin_headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    return list((await answer(client, admin_headers, **params))["data"])


async def replayed_behind(gateway: Any, tmp_path: Path, read: Callable[[], Awaitable[T]]) -> tuple[str, T]:
    """A call made during an outage, spooled, and replayed after a newer call ("newer") was stored and `read` ran.

    Returns the late call's id and what `read` returned.
    """
    store = InteractionStore(gateway.services.engine)
    sink = SwitchableSink(store)
    sink.down = True
    writer = InteractionWriter(sink, Spool(tmp_path / "late.spool.jsonl"), flush_interval=0.02, retry_interval=0.05)
    writer.start()
    try:
        # Made during the outage: spooled, not stored.
        late = chat_exchange("made while the database was away", created_at=NOW - timedelta(minutes=1))
        writer.submit(late)
        await writer.flush()
        assert writer.spooling
        # Meanwhile a newer call is stored (another process's writer, say), and a follower reads it.
        await store.insert_many([interaction_row(id="newer", created_at=NOW)])
        seen = await read()
        sink.down = False
        await eventually(lambda: late.id in sink.delivered)
    finally:
        await asyncio.wait_for(writer.close(), 10)
    return late.id, seen


async def test_a_call_replayed_from_the_spool_is_older_than_what_a_follower_by_time_already_saw(
    client, gateway, admin_headers, tmp_path: Path
):
    late_id, seen = await replayed_behind(gateway, tmp_path, lambda: listed(client, admin_headers))
    assert [row["id"] for row in seen] == ["newer"]

    # The follower asks for what is new since the newest row it saw: the late call is not among it.
    since_newest = await listed(client, admin_headers, since=seen[0]["created_at"])
    assert [row["id"] for row in since_newest] == ["newer"]
    # It is stored, with the time the call was made: a pass from the first page lists it.
    everything = await listed(client, admin_headers)
    assert [row["id"] for row in everything] == ["newer", late_id]


async def test_a_follower_of_the_stored_order_gets_a_call_replayed_from_the_spool_once(
    client, gateway, admin_headers, tmp_path: Path
):
    late_id, first = await replayed_behind(
        gateway, tmp_path, lambda: answer(client, admin_headers, stored_after="start")
    )
    assert [row["id"] for row in first["data"]] == ["newer"]

    # Older by created_at than the row the follower saw, stored after it: the next read lists it.
    second = await answer(client, admin_headers, stored_after=first["next_stored_after"])
    assert [row["id"] for row in second["data"]] == [late_id]
    third = await answer(client, admin_headers, stored_after=second["next_stored_after"])
    assert third["data"] == []
    assert third["next_stored_after"] == second["next_stored_after"]
