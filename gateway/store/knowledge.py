"""The knowledge-base repository: entries, their versions, and each change with its revision bump and audit record."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.fix_revisions import bump_revision
from gateway.store.idempotency import KeyClaim, KeyUse, claim_key
from gateway.store.knowledge_search import folded, search_text, tag_needle, tag_text
from gateway.store.tables import knowledge_entries, knowledge_entry_versions

Row = dict[str, Any]
# The fix kind whose revision every change to an app's entries raises (see gateway.fixes.snapshots).
KIND = "knowledge"


@dataclass(frozen=True, slots=True)
class EntryWrite:
    """One change to an entry: its new columns, the version row that keeps them, and the audit record."""

    values: Row
    version: Row
    audit: AuditEntry


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries a listing returns (every field optional); `text` searches title, content and examples.

    `text` matches inside one of those fields, case-folded (gateway.store.knowledge_search).
    """

    app: str | None = None
    text: str | None = None
    tag: str | None = None
    active: bool | None = None


# Given the entry as stored (read under its lock), the change to write, or None when nothing changes.
Change = Callable[[Row], EntryWrite | None]


class KnowledgeStore:
    """Reads and writes knowledge-base entries; every write commits with its revision bump and audit record."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(self, write: EntryWrite, key: KeyClaim | None = None) -> KeyUse | None:
        """Store a new entry (`write.values` holds every column) with its first version.

        With `key`, claimed first in the same transaction: when an earlier request holds it, nothing is
        stored and its use is returned (see gateway.store.idempotency.claim_key).
        """
        async with self._engine.begin() as connection:
            if key is not None and (earlier := await claim_key(connection, key, write.values["created_at"])):
                return earlier
            await insert_entry(connection, write)
            await append(connection, write.audit)
        return None

    async def update(self, entry_id: str, change: Change) -> Row | None:
        """Apply `change` to the entry under its lock; the entry as it ends up (None: no such entry)."""
        async with self._engine.begin() as connection:
            edited = await edit_entry(connection, entry_id, change)
            if edited is None:
                return None
            if edited.write is not None:
                await append(connection, edited.write.audit)
            return edited.row

    async def get(self, entry_id: str) -> Row | None:
        """One entry as it stands now."""
        query = select(knowledge_entries).where(knowledge_entries.c.id == entry_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def list(self, where: EntryFilter, limit: int, offset: int) -> list[Row]:
        """Entries matching `where`, most recently changed first."""
        c = knowledge_entries.c
        query = _matching(select(knowledge_entries), where)
        query = query.order_by(c.updated_at.desc(), c.id.desc()).limit(limit).offset(offset)
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def count(self, where: EntryFilter) -> int:
        """How many entries match `where`, by the conditions `list` reads them with."""
        query = _matching(select(func.count()).select_from(knowledge_entries), where)
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def versions(self, entry_id: str) -> builtins.list[Row]:
        """Every version of the entry, newest first."""
        v = knowledge_entry_versions.c
        query = select(knowledge_entry_versions).where(v.entry_id == entry_id).order_by(v.version.desc())
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def version(self, entry_id: str, number: int) -> Row | None:
        """One version of the entry."""
        v = knowledge_entry_versions.c
        query = select(knowledge_entry_versions).where(v.entry_id == entry_id, v.version == number)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def active_entries(self, app: str) -> builtins.list[Row]:
        """`app`'s active entries, by id (what its retrieval snapshot is built from)."""
        c = knowledge_entries.c
        query = select(knowledge_entries).where(c.app == app, c.active.is_(True)).order_by(c.id)
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]


def _matching(query: Select[Any], where: EntryFilter) -> Select[Any]:
    """`query` narrowed to the entries `where` asks for (the list and its count alike)."""
    c = knowledge_entries.c
    if where.app is not None:
        query = query.where(c.app == where.app)
    if where.active is not None:
        query = query.where(c.active == where.active)
    if where.tag is not None:
        # A whole tag, in any case (str.casefold, as text search): see gateway.store.knowledge_search.
        query = query.where(c.tag_text.contains(tag_needle(where.tag), autoescape=True))
    if where.text:
        query = query.where(c.search_text.contains(folded(where.text), autoescape=True))
    return query


async def _locked(connection: AsyncConnection, entry_id: str) -> Row | None:
    """The entry, locked until the transaction ends.

    A no-op UPDATE takes the lock on both databases (the row lock on PostgreSQL, the write lock
    on SQLite), so two edits of one entry never both think they make the same version.
    """
    c = knowledge_entries.c
    touch = update(knowledge_entries).where(c.id == entry_id).values(version=c.version)
    if not (await connection.execute(touch)).rowcount:
        return None
    row = (await connection.execute(select(knowledge_entries).where(c.id == entry_id))).mappings().one()
    return dict(row)


@dataclass(frozen=True, slots=True)
class EditedEntry:
    """An entry changed inside a transaction: as it ends up, and what was written (None: nothing changed)."""

    row: Row
    write: EntryWrite | None


async def edit_entry(connection: AsyncConnection, entry_id: str, change: Change) -> EditedEntry | None:
    """Apply `change` to the entry under its lock inside the caller's transaction, keeping the new version and raising
    the app's revision; the caller appends `write.audit` last (it locks the audit chain's head). None: no such entry."""
    row = await _locked(connection, entry_id)
    if row is None:
        return None
    write = change(row)
    if write is None:
        return EditedEntry(row, None)
    c = knowledge_entries.c
    values = _with_folded_texts(write.values, row)
    await connection.execute(update(knowledge_entries).where(c.id == entry_id).values(values))
    await _keep_version(connection, write)
    return EditedEntry({**row, **values}, write)


async def insert_entry(connection: AsyncConnection, write: EntryWrite) -> None:
    """Store a new entry with its first version and raise the app's revision, inside the caller's transaction,
    which appends `write.audit` last (the audit append locks the chain head)."""
    await connection.execute(insert(knowledge_entries).values(_with_folded_texts(write.values)))
    await _keep_version(connection, write)


_SEARCHED = ("title", "content", "example_questions")


def _with_folded_texts(values: Row, stored: Row | None = None) -> Row:
    """`values` with the entry's search text when they set a searched field, and its tag text when they set its
    tags (`stored`: the entry before)."""
    folded_texts: Row = {}
    if any(name in values for name in _SEARCHED):
        entry = {**(stored or {}), **values}
        folded_texts["search_text"] = search_text(entry["title"], entry["content"], entry["example_questions"])
    if "tags" in values:
        folded_texts["tag_text"] = tag_text(values["tags"])
    return {**values, **folded_texts}


async def _keep_version(connection: AsyncConnection, write: EntryWrite) -> None:
    await connection.execute(insert(knowledge_entry_versions).values(write.version))
    await bump_revision(connection, KIND, write.audit.app or "")
