"""`/api/kb`: knowledge-base entries per app — list, search, create, edit, activate, deactivate, versions, restore."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from msgspec import Meta

from gateway.api.admin import AdminController
from gateway.api.paging import Limit, Offset
from gateway.api.serialize import fields_json, page_json
from gateway.domain.errors import InvalidQuery
from gateway.knowledge.records import KnowledgeEntry
from gateway.services import Services
from gateway.store.knowledge import EntryFilter

# Who acts through the bearer token, as the audit log and the versions call it.
ADMIN_ACTOR = "admin-token"


@dataclass
class NewEntry:
    """An entry for `app`: the end users' questions it answers (`example_questions`) help retrieval find it."""

    app: str
    title: str
    content: str
    example_questions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    active: bool = True


@dataclass
class EntryEdit:
    """The fields to change (absent or null: unchanged); an entry's app never changes."""

    title: str | None = None
    content: str | None = None
    example_questions: list[str] | None = None
    tags: list[str] | None = None
    active: bool | None = None
    app: str | None = None


@dataclass
class Restore:
    """The version whose title, content, example questions and tags come back (as a new version)."""

    # The versions column is a 32-bit integer: a larger number would be a 500 on PostgreSQL
    # (found by benchmarks/fuzz_api.py), so it is a 400 here on both stores.
    version: Annotated[int, Meta(ge=1, le=2**31 - 1)]


def entry_json(entry: KnowledgeEntry) -> dict[str, Any]:
    """An entry with every field."""
    return fields_json(entry)


def _found(entry: KnowledgeEntry | None, entry_id: str) -> dict[str, Any]:
    if entry is None:
        raise NotFoundException(f"no knowledge-base entry with id {entry_id!r}")
    return entry_json(entry)


class KnowledgeController(AdminController):
    """Knowledge-base entries the gateway adds to matching requests of their app."""

    path = "/api/kb"
    tags = ["knowledge base"]

    @get("/", summary="List or search entries, most recently changed first")
    async def list_entries(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        q: Annotated[
            str | None, Parameter(max_length=500, description="text in the title, content or example questions")
        ] = None,
        tag: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        where = EntryFilter(app=app, text=q, tag=tag, active=active)
        return page_json(await services.knowledge.service.list(where, limit=limit, offset=offset), entry_json)

    @post("/", summary="Create an entry (version 1); 201 with the entry", status_code=201)
    async def create(self, services: NamedDependency[Services], data: JSONBody[NewEntry]) -> dict[str, Any]:
        entry = await services.knowledge.service.create(
            data.app, data.title, data.content, data.example_questions, data.tags, data.active, author=ADMIN_ACTOR
        )
        return entry_json(entry)

    @get("/{entry_id:str}", summary="One entry as it stands now")
    async def get_entry(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> dict[str, Any]:
        return _found(await services.knowledge.service.get(entry_id), entry_id)

    @patch("/{entry_id:str}", summary="Edit an entry's fields: a new version")
    async def edit(
        self, services: NamedDependency[Services], entry_id: FromPath[str], data: JSONBody[EntryEdit]
    ) -> dict[str, Any]:
        if data.app is not None:
            raise InvalidQuery("app", "an entry's app cannot change: create an entry for the other app instead")
        entry = await services.knowledge.service.edit(
            entry_id,
            author=ADMIN_ACTOR,
            title=data.title,
            content=data.content,
            example_questions=data.example_questions,
            tags=data.tags,
            active=data.active,
        )
        return _found(entry, entry_id)

    @post("/{entry_id:str}/activate", summary="Let retrieval use the entry", status_code=200)
    async def activate(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> dict[str, Any]:
        return _found(await services.knowledge.service.activate(entry_id, author=ADMIN_ACTOR), entry_id)

    @post(
        "/{entry_id:str}/deactivate",
        summary="Take the entry out of retrieval (kept, with its history)",
        status_code=200,
    )
    async def deactivate(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> dict[str, Any]:
        return _found(await services.knowledge.service.deactivate(entry_id, author=ADMIN_ACTOR), entry_id)

    @get("/{entry_id:str}/versions", summary="Every version of the entry, newest first")
    async def versions(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> dict[str, Any]:
        versions = await services.knowledge.service.versions(entry_id)
        if versions is None:
            raise NotFoundException(f"no knowledge-base entry with id {entry_id!r}")
        return {"entry_id": entry_id, "data": [fields_json(version) for version in versions]}

    @post("/{entry_id:str}/restore", summary="Bring back an earlier version's text as a new version", status_code=200)
    async def restore(
        self, services: NamedDependency[Services], entry_id: FromPath[str], data: JSONBody[Restore]
    ) -> dict[str, Any]:
        entry = await services.knowledge.service.restore(entry_id, data.version, author=ADMIN_ACTOR)
        return _found(entry, entry_id)
