"""When each gateway key was last used: kept by the writer's inserts, read by `keys list` without touching interactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils
from sqlalchemy import event

from gateway.store.interactions import InteractionStore
from gateway.store.keys import GatewayKeyStore

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def row(key_id: str | None, created_at: datetime, app: str = "support-bot") -> dict[str, object]:
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": created_at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "stream": False,
        "partial": False,
        "gateway_key_id": key_id,
    }


async def last_used(keys: GatewayKeyStore) -> dict[str, datetime | None]:
    return {key.id: key.last_used_at for key in await keys.list(include_revoked=True)}


async def test_a_key_is_last_used_at_its_newest_stored_call(engine):
    keys = GatewayKeyStore(engine)
    used, other = await keys.issue("support-bot"), await keys.issue("support-bot")

    await InteractionStore(engine).insert_many(
        [row(used.id, NOON), row(used.id, NOON + timedelta(minutes=5)), row(None, NOON + timedelta(hours=1))]
    )

    assert await last_used(keys) == {used.id: NOON + timedelta(minutes=5), other.id: None}


async def test_an_older_call_stored_later_leaves_last_used_where_it_is(engine):
    # A spool replayed after an outage, or another process's slower batch, brings older calls.
    keys = GatewayKeyStore(engine)
    key = await keys.issue("support-bot")
    store = InteractionStore(engine)
    await store.insert_many([row(key.id, NOON)])

    await store.insert_many([row(key.id, NOON - timedelta(days=1))])

    assert await last_used(keys) == {key.id: NOON}


async def test_a_revoked_keys_last_use_is_still_listed(engine):
    keys = GatewayKeyStore(engine)
    key = await keys.issue("support-bot")
    await InteractionStore(engine).insert_many([row(key.id, NOON)])
    await keys.revoke(key.id)

    assert await last_used(keys) == {key.id: NOON}


async def test_listing_keys_reads_no_interactions(engine):
    # However many interactions are stored, the listing costs one small table's rows.
    keys = GatewayKeyStore(engine)
    key = await keys.issue("support-bot")
    await InteractionStore(engine).insert_many([row(key.id, NOON + timedelta(seconds=n)) for n in range(50)])
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _parameters, _context, _many):
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await keys.list()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)

    assert statements
    assert not [s for s in statements if "interactions" in s]
