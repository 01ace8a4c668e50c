"""`/api/kb`: knowledge-base entries per app — list, search, create, edit, activate, deactivate, versions, restore."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from msgspec import Meta, field

from gateway.api.admin import (
    AdminController,
    IdempotencyKey,
    created_or_repeated,
    invalid_query_response,
    key_reused_response,
)
from gateway.api.documented_errors import Conflict
from gateway.api.knowledge_json import (
    EntryJSON,
    EntryPage,
    EntryVersionsJSON,
    SavedEntryJSON,
    entry_json,
    saved_entry_json,
    versions_json,
)
from gateway.api.paging import Limit, Offset
from gateway.api.request_body import RequestBody
from gateway.api.serialize import counted_offset_page_json
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.quoting import quoted
from gateway.knowledge.errors import EntryChanged
from gateway.knowledge.fields import MAX_VERSION, EntryToCreate
from gateway.knowledge.records import KnowledgeEntry
from gateway.services import Services
from gateway.store.knowledge import EntryFilter

# Who acts through the bearer token, as the audit log and the versions call it.
ADMIN_ACTOR = "admin-token"


class NewEntry(RequestBody):
    """An entry for `app`: the end users' questions it answers (`example_questions`) help retrieval find it."""

    app: str
    title: str
    content: str
    example_questions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    active: bool = True


class EntryEdit(RequestBody):
    """The fields to change (absent or null: unchanged); an entry's app never changes.

    `expected_version`: the version the change is based on; when the entry has moved on since,
    the answer is a 409 and nothing is saved. An unknown field is a 400 naming it.
    """

    title: str | None = None
    content: str | None = None
    example_questions: list[str] | None = None
    tags: list[str] | None = None
    active: bool | None = None
    app: str | None = None
    expected_version: int | None = None


class Restore(RequestBody):
    """The version whose title, content, example questions and tags come back (as a new version)."""

    # Its range (the column's) is checked by KnowledgeService.restore, as for the admin page.
    version: Annotated[int, Meta(description=f"a version number, 1 to {MAX_VERSION}")]
    # The entry's version the restore was chosen from: 409 and nothing saved when it has moved on.
    expected_version: int | None = None


def _found(entry: KnowledgeEntry | None, entry_id: str) -> KnowledgeEntry:
    if entry is None:
        raise NotFoundException(f"no knowledge-base entry with id {quoted(entry_id)}")
    return entry


async def _saved(services: Services, entry: KnowledgeEntry | None, entry_id: str) -> SavedEntryJSON:
    """A created or changed entry, with `warnings` (e.g. no call from its app recorded yet; empty when none)."""
    found = _found(entry, entry_id)
    return saved_entry_json(found, await services.seen_apps.warnings(found.app, "entry"))


def entry_changed_response(request: Request[Any, Any, Any], exc: EntryChanged) -> Response[Any]:
    """An edit based on an older version: 409 saying so, with the entry as it stands now."""
    current = entry_json(exc.entry)
    return create_exception_response(
        request, HTTPException(status_code=409, detail=exc.message, extra={"entry": current})
    )


class KnowledgeController(AdminController):
    """Knowledge-base entries the gateway adds to matching requests of their app."""

    path = "/api/kb"
    tags = ["knowledge base"]
    exception_handlers = {
        InvalidQuery: invalid_query_response,
        EntryChanged: entry_changed_response,
        KeyReused: key_reused_response,
    }

    @get("/", summary="List or search entries, most recently changed first")
    async def list_entries(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        q: Annotated[
            str | None,
            Parameter(
                description="text in the title, content or example questions; at most 200 characters, as every "
                "search (gateway.domain.search_length)"
            ),
        ] = None,
        tag: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> EntryPage:
        where = EntryFilter(app=app, text=q, tag=tag, active=active)
        knowledge = services.knowledge.service
        # The total is the Knowledge page's count, by the same function, so the two never disagree.
        page, total = await asyncio.gather(knowledge.list(where, limit=limit, offset=offset), knowledge.count(where))
        return counted_offset_page_json(page, entry_json, total)

    @post(
        "/",
        summary="Create an entry (version 1); 201 with the entry and `warnings` (e.g. no call from its app yet); "
        "200 with the entry a request under the same Idempotency-Key made",
        status_code=201,
    )
    async def create(
        self, services: NamedDependency[Services], data: JSONBody[NewEntry], idempotency_key: IdempotencyKey = None
    ) -> Response[SavedEntryJSON]:
        asked = EntryToCreate(
            data.app, data.title, data.content, data.example_questions, data.tags, data.active, author=ADMIN_ACTOR
        )
        made = await services.knowledge.service.create_once(idempotency_key, asked)
        return created_or_repeated(await _saved(services, made.value, made.value.id), made.repeated)

    @get("/{entry_id:str}", summary="One entry as it stands now")
    async def get_entry(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> EntryJSON:
        return entry_json(_found(await services.knowledge.service.get(entry_id), entry_id))

    @patch(
        "/{entry_id:str}",
        summary="Edit an entry's fields: a new version (409 when expected_version is not the current one)",
        raises=[Conflict],
    )
    async def edit(
        self, services: NamedDependency[Services], entry_id: FromPath[str], data: JSONBody[EntryEdit]
    ) -> SavedEntryJSON:
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
            expected_version=data.expected_version,
        )
        return await _saved(services, entry, entry_id)

    @post("/{entry_id:str}/activate", summary="Let retrieval use the entry", status_code=200)
    async def activate(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> SavedEntryJSON:
        return await _saved(services, await services.knowledge.service.activate(entry_id, author=ADMIN_ACTOR), entry_id)

    @post(
        "/{entry_id:str}/deactivate",
        summary="Take the entry out of retrieval (kept, with its history)",
        status_code=200,
    )
    async def deactivate(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> SavedEntryJSON:
        return await _saved(
            services, await services.knowledge.service.deactivate(entry_id, author=ADMIN_ACTOR), entry_id
        )

    @get("/{entry_id:str}/versions", summary="Every version of the entry, newest first")
    async def versions(self, services: NamedDependency[Services], entry_id: FromPath[str]) -> EntryVersionsJSON:
        versions = await services.knowledge.service.versions(entry_id)
        if versions is None:
            raise NotFoundException(f"no knowledge-base entry with id {quoted(entry_id)}")
        return versions_json(entry_id, list(versions))

    @post(
        "/{entry_id:str}/restore",
        summary="Bring back an earlier version's text as a new version (409 when expected_version is not the current one)",
        status_code=200,
        raises=[Conflict],
    )
    async def restore(
        self, services: NamedDependency[Services], entry_id: FromPath[str], data: JSONBody[Restore]
    ) -> SavedEntryJSON:
        entry = await services.knowledge.service.restore(
            entry_id, data.version, author=ADMIN_ACTOR, expected_version=data.expected_version
        )
        return await _saved(services, entry, entry_id)
