"""The interactions a knowledge-base entry was added to are listed newest first by time, not by id.

Ids of recorded calls are UUIDv7: time-ordered to the millisecond only, their later bits random. Two
gateway processes recording calls within one millisecond make ids whose order says nothing about which
call came first, so the "newest" interactions must be chosen by created_at, the id only breaking ties.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.store.interactions import InteractionStore
from gateway.store.knowledge_usage import KnowledgeUsageStore

ENTRY = "0190f0f0-0000-7000-8000-000000000001"
AT = datetime(2026, 11, 3, 12, 0, 0, 250_000, tzinfo=UTC)


def minted(at: datetime, random_bits: int) -> str:
    """A UUIDv7 of `at`'s millisecond whose 74 random bits are `random_bits` (version and variant set)."""
    value = (int(at.timestamp() * 1000) << 80) | (0x7 << 76) | (0b10 << 62) | random_bits
    return str(uuid.UUID(int=value))


def used_row(row_id: str, at: datetime) -> dict:
    note = [{"policy": "knowledge", "action": "added", "entries": [{"id": ENTRY, "version": 1, "score": 0.9}]}]
    return {
        "id": row_id,
        "created_at": at,
        "app": "bank",
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-test",
        "stream": False,
        "partial": False,
        "status_code": 200,
        "policies": note,
    }


async def test_the_newest_uses_are_chosen_by_time_when_ids_of_one_millisecond_say_otherwise(engine):
    # Two calls 0.4 ms apart, recorded by two processes: the earlier one drew the larger random bits.
    earlier = used_row(minted(AT, 0xFFFF), AT)
    later = used_row(minted(AT, 0x0001), AT + timedelta(microseconds=400))
    long_before = used_row(minted(AT - timedelta(days=1), 0xFFFFFF), AT - timedelta(days=1))
    await InteractionStore(engine).insert_many([earlier, later, long_before])

    uses = await KnowledgeUsageStore(engine).interactions_using("bank", ENTRY, limit=2)

    assert [use["id"] for use in uses] == [later["id"], earlier["id"]]
    everything = await KnowledgeUsageStore(engine).interactions_using("bank", ENTRY, limit=10)
    assert [use["id"] for use in everything] == [later["id"], earlier["id"], long_before["id"]]


async def test_a_call_whose_search_only_came_close_to_the_entry_is_not_a_use_of_it(engine):
    used = used_row(minted(AT, 0x1), AT)
    missed = used_row(minted(AT, 0x2), AT + timedelta(seconds=1))
    closest = {"id": ENTRY, "version": 1, "title": "Fees", "score": 0.57}
    missed["policies"] = [{"policy": "knowledge", "action": "pass", "threshold": 0.6, "closest": closest}]
    await InteractionStore(engine).insert_many([used, missed])

    uses = await KnowledgeUsageStore(engine).interactions_using("bank", ENTRY, limit=10)

    assert [use["id"] for use in uses] == [used["id"]]
