"""Which interactions a knowledge-base entry was added to: those whose knowledge note lists the entry's id as added."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.exact_json import dumps_exact
from gateway.store.tables import interactions

Row = dict[str, Any]
# The knowledge policy's name in interactions' notes (gateway.knowledge.policy).
KNOWLEDGE_POLICY = "knowledge"


def adds_entry(dialect: str, entry_id: str) -> ColumnElement[bool]:
    """Interactions whose `policies` hold the knowledge note of a call `entry_id` was added to.

    The note is {"policy": "knowledge", "entries": [{"id": …, "version": …, "score": …}, …]}: the id is matched
    as that structure's value, exactly. A text match on the stored JSON also found a search that only came close
    to the entry (its note names the closest entry, title and all: a title "entries" passed for a list of them),
    an id merely mentioned in another policy's note, and ids alike but for LIKE's wildcards.
    """
    c = interactions.c
    if dialect == "postgresql":
        # JSONB containment: some note of the list is the knowledge policy's, listing an entry with this id.
        wanted = [{"policy": KNOWLEDGE_POLICY, "entries": [{"id": entry_id}]}]
        return type_coerce(c.policies, JSONB).contains(wanted)
    # SQLite: each note, then each entry its `entries` lists; a value of another shape is read as none
    # (json_each of NULL is empty, and json_extract of NULL is NULL) rather than as malformed JSON.
    note = func.json_each(c.policies).table_valued("value", "type").alias("note")
    note_object = case((note.c.type == "object", note.c.value))
    entry = func.json_each(note_object, "$.entries").table_valued("value", "type").alias("entry")
    entry_object = case((entry.c.type == "object", entry.c.value))
    # First the id as the stored text spells it (quoted and escaped as the engine writes JSON): a plain substring
    # test, true of every use, that spares the notes of most calls the walk through them (over 20,000 calls
    # with no use, 300 ms without it, 28 ms with it, as the text match took); then the structure.
    spelt = dumps_exact(entry_id).decode()
    return and_(
        func.instr(c.policies, spelt) > 0,
        exists(
            select(literal(1))
            .select_from(note.join(entry, true()))
            .where(
                func.json_extract(note_object, "$.policy") == KNOWLEDGE_POLICY,
                func.json_type(note_object, "$.entries") == "array",
                func.json_extract(entry_object, "$.id") == entry_id,
            )
        ),
    )


class KnowledgeUsageStore:
    """Finds the interactions the knowledge policy added an entry to."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def interactions_using(self, app: str, entry_id: str, limit: int) -> list[Row]:
        """id, created_at, model and status_code of `app`'s newest interactions whose knowledge note lists `entry_id`
        as added (`adds_entry`; not a note naming the closest entry of a search that added none).

        A walk of the app's (created_at, id) index, newest first, testing each note and stopping at `limit`.
        Newest by created_at, not by id: a UUIDv7 orders by the millisecond only (two processes' calls within
        one are in random order), as every listing of interactions orders (see the `interactions` table).
        """
        c = interactions.c
        query = (
            select(c.id, c.created_at, c.model, c.status_code)
            .where(c.app == app, c.policies.is_not(None), adds_entry(self._engine.dialect.name, entry_id))
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]
