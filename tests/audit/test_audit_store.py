"""The stored audit log on SQLite and PostgreSQL: appends, listing, and tampering found by verification."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from audit_helpers import delete_row, edit_row, entry, swap_rows
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.records import GENESIS_HASH, ChainHead
from gateway.audit.service import AuditService
from gateway.audit.verify import VerificationResult
from gateway.domain.errors import InvalidQuery
from gateway.store.audit import AuditFilter, AuditStore, append
from gateway.store.tables import audit_chain_head, audit_log, issues


async def verified(store: AuditStore) -> VerificationResult:
    return await AuditService(store).verify()


async def test_appends_chain_records_in_order(audit, append_many):
    records = await append_many(3)

    assert [record.seq for record in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert [record.prev_hash for record in records[1:]] == [record.hash for record in records[:2]]
    assert await audit.head() == ChainHead(seq=3, hash=records[-1].hash)


async def test_listing_returns_what_was_stored_newest_first(audit, append_many):
    records = await append_many(3)

    listed = await audit.list(AuditFilter(), limit=10)

    assert listed == records[::-1]
    assert listed[0].created_at.tzinfo is UTC


async def test_json_values_read_back_exactly_as_hashed(audit):
    awkward = {"big": 1e100, "zero": -0.0, "fraction": 1.50, "text": "é ✓", "nested": [1, [2, None]], "flag": True}
    record = await audit.append(entry(1, before=None, after=awkward, detail="plain text"))

    (stored,) = await audit.list(AuditFilter(), limit=1)

    assert stored == record
    assert (await verified(audit)).ok


async def test_listing_filters(audit):
    await audit.append(entry(1))
    await audit.append(entry(2, actor="rule:size", action="review.decision", subject_type="review_task", app=None))
    await audit.append(entry(3, actor="alice", action="kb.edit", subject_type="kb_entry", app="other-bot"))

    async def seqs(**where) -> list[int]:
        return [record.seq for record in await audit.list(AuditFilter(**where), limit=10)]

    assert await seqs(actor="rule:size") == [2]
    assert await seqs(action="kb.edit") == [3]
    assert await seqs(subject_type="issue", subject_id="issue-1") == [1]
    assert await seqs(subject_id="issue-1", subject_type="review_task") == []
    assert await seqs(app="support-bot") == [1]
    assert await seqs(before_seq=3) == [2, 1]


async def test_listing_filters_by_time(audit, append_many):
    await append_many(2)
    now = datetime.now(UTC)

    assert (
        len(await audit.list(AuditFilter(since=now - timedelta(minutes=1), until=now + timedelta(minutes=1)), 10)) == 2
    )
    assert await audit.list(AuditFilter(since=now + timedelta(minutes=1)), 10) == []
    assert await audit.list(AuditFilter(until=now - timedelta(minutes=1)), 10) == []


async def test_the_chain_is_read_in_chunks(audit, append_many):
    await append_many(5)

    chunks = [[record.seq for record in chunk] async for chunk in audit.chain(chunk_size=2)]

    assert chunks == [[1, 2], [3, 4], [5]]


async def test_the_service_pages_newest_first_by_seq(audit, append_many):
    await append_many(3)
    service = AuditService(audit)

    first = await service.list(AuditFilter(), limit=2)
    second = await service.list(AuditFilter(), limit=2, cursor=first.next_cursor)

    assert ([r.seq for r in first.data], first.next_cursor) == ([3, 2], "2")
    assert ([r.seq for r in second.data], second.next_cursor) == ([1], None)


@pytest.mark.parametrize("cursor", ["", "0", "-1", "abc", "1e3", "9" * 19])
async def test_the_service_refuses_a_cursor_it_did_not_give(audit, cursor):
    with pytest.raises(InvalidQuery) as refused:
        await AuditService(audit).list(AuditFilter(), limit=2, cursor=cursor)

    assert refused.value.field == "cursor"


async def test_concurrent_appends_never_fork_the_chain(engine: AsyncEngine):
    # Separate stores share nothing in memory: only the database serializes them, as across processes.
    stores = [AuditStore(engine) for _ in range(20)]

    appended = await asyncio.gather(*(store.append(entry(i)) for i, store in enumerate(stores, 1)))

    assert sorted(record.seq for record in appended) == list(range(1, 21))
    result = await verified(stores[0])
    assert (result.ok, result.checked) == (True, 20)


async def test_an_append_commits_and_rolls_back_with_the_callers_change(engine: AsyncEngine, audit):
    now = datetime.now(UTC)
    issue = {
        "id": "issue-1",
        "app": "support-bot",
        "title": "Wrong refunds",
        "status": "new",
        "regressed": False,
        "size": 3,
        "negative_count": 3,
        "created_at": now,
        "updated_at": now,
    }
    async with engine.begin() as connection:
        await connection.execute(issues.insert().values(issue))

    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await connection.execute(update(issues).where(issues.c.id == "issue-1").values(status="dismissed"))
            await append(connection, entry(1, after={"status": "dismissed"}))
            raise RuntimeError("the caller fails after appending")
    assert await audit.list(AuditFilter(), 10) == []

    async with engine.begin() as connection:
        await connection.execute(update(issues).where(issues.c.id == "issue-1").values(status="resolved"))
        record = await append(connection, entry(1))
    assert record.seq == 1
    assert await audit.list(AuditFilter(), 10) == [record]


async def test_a_missing_head_row_is_recreated_from_the_newest_record(engine: AsyncEngine, audit, append_many):
    await append_many(2)
    async with engine.begin() as connection:
        await connection.execute(delete(audit_chain_head))

    record = await audit.append(entry(3))

    assert record.seq == 3
    assert (await verified(audit)).ok


async def test_an_untouched_log_verifies(audit, append_many):
    await append_many(4)

    result = await verified(audit)

    assert (result.ok, result.checked, result.first_broken_seq) == (True, 4, None)


async def test_an_edited_record_is_named(engine: AsyncEngine, audit, append_many):
    await append_many(4)
    await edit_row(engine, 2, after={"status": "dismissed", "n": 2})

    result = await verified(audit)

    assert (result.ok, result.checked, result.first_broken_seq) == (False, 1, 2)
    assert "do not match its hash" in result.reason


async def test_a_deleted_middle_record_is_named(engine: AsyncEngine, audit, append_many):
    await append_many(4)
    await delete_row(engine, 3)

    result = await verified(audit)

    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "record 3 is missing: record 4 follows record 2"


async def test_a_deleted_newest_record_is_named(engine: AsyncEngine, audit, append_many):
    await append_many(4)
    await delete_row(engine, 4)

    result = await verified(audit)

    assert (result.ok, result.first_broken_seq) == (False, 4)


async def test_swapped_records_are_found(engine: AsyncEngine, audit, append_many):
    await append_many(4)
    await swap_rows(engine, 2, 3)

    result = await verified(audit)

    assert (result.ok, result.first_broken_seq) == (False, 2)


async def test_a_record_rehashed_after_an_edit_breaks_the_next_link(engine: AsyncEngine, audit, append_many):
    records = await append_many(3)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(audit_log.c.hash).where(audit_log.c.seq == 2))).scalar()
    assert stored == records[1].hash
    await edit_row(engine, 2, hash="f" * 64)

    result = await verified(audit)

    assert result.first_broken_seq == 2
