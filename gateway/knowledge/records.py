"""Knowledge-base entries and their versions as the domain hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain.records import from_columns

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    """One entry as it stands now; `version` is its newest version's number."""

    id: str
    app: str
    title: str
    content: str
    example_questions: tuple[str, ...]
    tags: tuple[str, ...]
    active: bool
    version: int
    author: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> KnowledgeEntry:
        """The entry in a knowledge_entries row."""
        return from_columns(
            cls,
            row,
            example_questions=tuple(row["example_questions"] or ()),
            tags=tuple(row["tags"] or ()),
            active=bool(row["active"]),
        )

    def fields(self) -> dict[str, Any]:
        """The versioned fields as JSON (what the audit log shows before and after a change)."""
        return {
            "title": self.title,
            "content": self.content,
            "example_questions": list(self.example_questions),
            "tags": list(self.tags),
            "active": self.active,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class EntryVersion:
    """One state an entry had: its fields, who made it, when, and what kind of change it was."""

    entry_id: str
    version: int
    title: str
    content: str
    example_questions: tuple[str, ...]
    tags: tuple[str, ...]
    active: bool
    author: str
    # created / edited / activated / deactivated / restored.
    change: str
    # For a restore: the version brought back.
    restored_from: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> EntryVersion:
        """The version in a knowledge_entry_versions row."""
        return from_columns(
            cls,
            row,
            example_questions=tuple(row["example_questions"] or ()),
            tags=tuple(row["tags"] or ()),
            active=bool(row["active"]),
        )
