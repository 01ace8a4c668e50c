"""The stores' lookups by a column other than the key read an index, not the whole table (SQLite and PostgreSQL).

Each store method runs on an empty database with its statements recorded; each statement is then
explained on the same database. PostgreSQL is asked to avoid sequential scans (`enable_seqscan`
off): on a table of a few rows it would pick one anyway, so the plan names the index only when one
serves the lookup.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.privacy.retention import DEFAULT_JUDGEMENT_LIFETIME
from gateway.store.fix_links import FixLinkStore
from gateway.store.merge_judgements import MergeJudgementStore


async def plans_of(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> list[str]:
    """The plan, as text, of each statement `call` runs."""
    ran: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE")):
            ran.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    plans = []
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            for statement, parameters in ran:
                plan = (await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)).scalar()
                plans.append(json.dumps(json.loads(plan) if isinstance(plan, str) else plan))
        else:
            for statement, parameters in ran:
                steps = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans.append("\n".join(row[3] for row in steps))
    assert plans, "the call ran no statement"
    return plans


async def test_dropping_old_merge_judgements_finds_them_by_the_asked_at_index(engine: AsyncEngine):
    store = MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME)

    plans = await plans_of(engine, lambda: store.drop_expired(100, before=datetime(2026, 1, 1, tzinfo=UTC)))

    assert all("ix_merge_judgements_asked_at" in plan for plan in plans), plans


async def test_the_issue_a_fix_was_linked_to_is_found_by_the_fix_id_index(engine: AsyncEngine):
    store = FixLinkStore(engine)

    plans = await plans_of(engine, lambda: store.issue_fixed_by("knowledge", "0193c0de-0000-7000-8000-000000000001"))

    assert all("ix_fix_links_fix_id" in plan for plan in plans), plans
