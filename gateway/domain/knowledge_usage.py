"""Which interactions used a knowledge-base entry: the knowledge policy's note on an interaction names each entry it added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.knowledge.records import KnowledgeEntry
from gateway.store.knowledge_usage import KnowledgeUsageStore

# How many of the newest such interactions a page lists.
USED_BY_LIMIT = 20


@dataclass(frozen=True, slots=True)
class EntryUse:
    """An interaction the entry was added to."""

    interaction_id: str
    created_at: datetime
    model: str | None
    status_code: int | None


async def interactions_using(
    store: KnowledgeUsageStore, entry: KnowledgeEntry, limit: int = USED_BY_LIMIT
) -> list[EntryUse]:
    """The newest interactions of the entry's app whose policies note lists the entry (any of its versions)."""
    rows = await store.interactions_using(entry.app, entry.id, limit)
    return [EntryUse(row["id"], row["created_at"], row["model"], row["status_code"]) for row in rows]
