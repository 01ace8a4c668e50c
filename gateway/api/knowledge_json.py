"""The knowledge-base API's JSON: an entry, an entry just saved, and an entry's versions."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from gateway.knowledge.records import EntryVersion, KnowledgeEntry


class EntryJSON(TypedDict):
    """One entry as it stands now; `version` is its newest version's number."""

    id: str
    app: str
    title: str
    content: str
    example_questions: list[str]
    tags: list[str]
    active: bool
    version: int
    author: str
    created_at: datetime
    updated_at: datetime


class EntryPage(TypedDict):
    """A page of entries, the most recently changed first: pass `next_offset` as `offset` for the next (null: the last page).

    `total`: how many entries the filters match, on every page (the Knowledge page's "N entries match these filters.").
    """

    data: list[EntryJSON]
    next_offset: int | None
    total: int


class SavedEntryJSON(EntryJSON):
    """An entry just created or changed, with `warnings` (e.g. no call from its app recorded yet; empty when none)."""

    warnings: list[str]


class EntryVersionsJSON(TypedDict):
    """Every version of an entry, newest first."""

    entry_id: str
    data: list[EntryVersion]


def entry_json(entry: KnowledgeEntry) -> EntryJSON:
    """An entry with every field."""
    return {
        "id": entry.id,
        "app": entry.app,
        "title": entry.title,
        "content": entry.content,
        "example_questions": list(entry.example_questions),
        "tags": list(entry.tags),
        "active": entry.active,
        "version": entry.version,
        "author": entry.author,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def saved_entry_json(entry: KnowledgeEntry, warnings: list[str]) -> SavedEntryJSON:
    """An entry just saved, and what its author should know (see SavedEntryJSON)."""
    return {**entry_json(entry), "warnings": warnings}


def versions_json(entry_id: str, versions: list[EntryVersion]) -> EntryVersionsJSON:
    """An entry's versions, newest first, each with every field."""
    return {"entry_id": entry_id, "data": versions}
