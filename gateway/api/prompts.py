"""`/api/prompts`: prompt-instruction versions per app — publish, activate, canary, promote, roll back, diff."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.params import FromPath, JSONBody, QueryParameter

from gateway.api.admin import (
    AdminController,
    IdempotencyKey,
    created_or_repeated,
    invalid_query_response,
    key_reused_response,
)
from gateway.api.documented_errors import Conflict, NoSuchRecord
from gateway.api.prompts_json import (
    DiffJSON,
    ListingJSON,
    ModeSetJSON,
    SavedVersionJSON,
    VersionJSON,
    diff_json,
    listing_json,
    mode_set_json,
    saved_version_json,
    version_json,
)
from gateway.api.request_body import RequestBody
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.stored_text import refuse_nuls
from gateway.prompts.errors import PromptConflict, VersionNotFound
from gateway.prompts.records import ListedVersion, Mode, VersionToPublish
from gateway.services import Services

# Who acts when a change names nobody: the admin token, as the audit log calls it.
ADMIN_ACTOR = "admin-token"


class NewVersion(RequestBody):
    """A new version of an app's instructions: inactive, `active`, or a canary on `canary_share` of the traffic.

    `model` limits it to requests for that model; `mode` (prepend, append, replace) also sets the app's mode.
    """

    app: str
    text: str
    message: str = ""
    mode: Mode | None = None
    active: bool = False
    model: str | None = None
    canary_share: float | None = None


class CanaryShare(RequestBody):
    """The share of the app's traffic (0.001 to 0.999) the canary gets, e.g. 0.1."""

    share: float


class ModeChange(RequestBody):
    """How the app's versions meet its own system message: prepend, append or replace."""

    app: str
    mode: Mode


async def _saved(services: Services, listed: ListedVersion) -> SavedVersionJSON:
    """A published or changed version, with `warnings` (e.g. no call from its app recorded yet; empty when none)."""
    return saved_version_json(listed, await services.seen_apps.warnings(listed.version.app, "version"))


def not_found_response(request: Request[Any, Any, Any], exc: VersionNotFound) -> Response[Any]:
    """An unknown version: 404 naming the field."""
    return create_exception_response(request, NotFoundException(str(exc)))


def conflict_response(request: Request[Any, Any, Any], exc: PromptConflict) -> Response[Any]:
    """A change the rollout's state forbids now: 409 saying why."""
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message))


class PromptsController(AdminController):
    """Versioned prompt instructions the gateway applies to an app's requests."""

    path = "/api/prompts"
    tags = ["prompts"]
    exception_handlers = {
        InvalidQuery: invalid_query_response,
        VersionNotFound: not_found_response,
        PromptConflict: conflict_response,
        KeyReused: key_reused_response,
    }

    @get("/", summary="An app's mode and instruction versions, newest first, each active, canary or inactive")
    async def list_versions(
        self,
        services: NamedDependency[Services],
        # Not min_length=1: the service refuses a blank app (an empty one too) by the one rule, as "'app' is blank".
        app: Annotated[str, QueryParameter(max_length=200)],
    ) -> ListingJSON:
        return listing_json(await services.prompts.service.list(app))

    @post(
        "/",
        summary="Publish a new version (inactive, active, or as a canary); 201 with the version and `warnings`; "
        "200 with the version a request under the same Idempotency-Key published",
        status_code=201,
        raises=[Conflict],
    )
    async def publish(
        self, services: NamedDependency[Services], data: JSONBody[NewVersion], idempotency_key: IdempotencyKey = None
    ) -> Response[SavedVersionJSON]:
        texts = [("app", data.app), ("text", data.text), ("message", data.message), ("model", data.model)]
        refuse_nuls([*texts, ("mode", data.mode)])
        asked = VersionToPublish(
            data.app,
            data.text,
            data.message,
            ADMIN_ACTOR,
            model=data.model,
            mode=data.mode,
            activate=data.active,
            canary_share=data.canary_share,
        )
        published = await services.prompts.service.publish_once(idempotency_key, asked)
        return created_or_repeated(await _saved(services, published.value), published.repeated)

    @post(
        "/mode",
        summary="Set how an app's versions meet its own system message: prepend, append or replace",
        status_code=200,
    )
    async def set_mode(self, services: NamedDependency[Services], data: JSONBody[ModeChange]) -> ModeSetJSON:
        refuse_nuls([("app", data.app), ("mode", data.mode)])
        listing = await services.prompts.service.set_mode(data.app, data.mode, ADMIN_ACTOR)
        return mode_set_json(listing, await services.seen_apps.warnings(listing.app, "mode"))

    @get("/diff", summary="A unified diff from one version's text to another's", raises=[NoSuchRecord])
    async def diff(
        self,
        services: NamedDependency[Services],
        from_id: Annotated[str, QueryParameter(name="from", min_length=1, max_length=36, description="a version id")],
        to_id: Annotated[str, QueryParameter(name="to", min_length=1, max_length=36, description="a version id")],
    ) -> DiffJSON:
        return diff_json(await services.prompts.service.diff(from_id, to_id))

    @get("/{version_id:str}", summary="One version with its state")
    async def get_version(self, services: NamedDependency[Services], version_id: FromPath[str]) -> VersionJSON:
        return version_json(await services.prompts.service.get(version_id))

    @post(
        "/{version_id:str}/activate",
        summary="Make a version active; re-activating an earlier one is a rollback",
        status_code=200,
        raises=[Conflict],
    )
    async def activate(self, services: NamedDependency[Services], version_id: FromPath[str]) -> SavedVersionJSON:
        return await _saved(services, await services.prompts.service.activate(version_id, ADMIN_ACTOR))

    @post(
        "/{version_id:str}/canary",
        summary='Roll a version out to a share of the traffic: {"share": 0.1}',
        status_code=200,
        raises=[Conflict],
    )
    async def canary(
        self, services: NamedDependency[Services], version_id: FromPath[str], data: JSONBody[CanaryShare]
    ) -> SavedVersionJSON:
        return await _saved(services, await services.prompts.service.canary(version_id, data.share, ADMIN_ACTOR))

    @post(
        "/{version_id:str}/promote",
        summary="Make the running canary the active version",
        status_code=200,
        raises=[Conflict],
    )
    async def promote(self, services: NamedDependency[Services], version_id: FromPath[str]) -> SavedVersionJSON:
        return await _saved(services, await services.prompts.service.promote(version_id, ADMIN_ACTOR))

    @post(
        "/{version_id:str}/rollback",
        summary="End the canary, or replace the active version by the one active before it",
        status_code=200,
        raises=[Conflict],
    )
    async def rollback(self, services: NamedDependency[Services], version_id: FromPath[str]) -> SavedVersionJSON:
        return await _saved(services, await services.prompts.service.rollback(version_id, ADMIN_ACTOR))
