"""`/api/issues/{id}/fixes` and `/api/issues/{id}/effect`: the fixes linked to an issue, and what they did to it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta

from gateway.api.admin import AdminController, invalid_query_response
from gateway.api.documented_errors import Conflict
from gateway.api.effect_json import (
    EffectJSON,
    FixLinksJSON,
    LinkedFixJSON,
    effect_json,
    fix_links_json,
    linked_fix_json,
)
from gateway.api.request_body import RequestBody
from gateway.api.strict_fields import OptionalWholeNumber
from gateway.domain.errors import InvalidQuery
from gateway.effect.link_serving import NotServingAsLinked
from gateway.effect.links import FixLinkNotFound, IssueMergedAway, IssueNotFound
from gateway.effect.records import FixArm, FixKind
from gateway.services import Services

# Who acts through the bearer token, as the audit log calls it.
ADMIN_ACTOR = "admin-token"
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Id = Annotated[str, Meta(min_length=1, max_length=36)]


class NewFixLink(RequestBody):
    """A fix that went live for the issue: a knowledge-base entry (`fix_id` = its id) or a prompt version (its id).

    `fix_version` defaults to the entry's newest version or the prompt version's number; `live_at`
    (ISO 8601 with a timezone) defaults to now; `arm` "canary" is for prompt versions rolled out
    as a canary; `task_id` names the review task the fix resolved.
    """

    kind: FixKind
    fix_id: Id
    fix_version: OptionalWholeNumber = None
    arm: FixArm = "live"
    live_at: datetime | None = None
    task_id: Id | None = None
    created_by: Name = ADMIN_ACTOR


def not_found_response(request: Request[Any, Any, Any], exc: IssueNotFound | FixLinkNotFound) -> Response[Any]:
    """An unknown issue, or a fix link the issue does not have: 404."""
    return create_exception_response(request, NotFoundException(str(exc)))


def merged_away_response(request: Request[Any, Any, Any], exc: IssueMergedAway) -> Response[Any]:
    """A fix linked to an issue merged into another: 409 naming the issue that holds its complaints."""
    return create_exception_response(request, HTTPException(status_code=409, detail=str(exc)))


def not_serving_response(request: Request[Any, Any, Any], exc: NotServingAsLinked) -> Response[Any]:
    """A prompt version linked with an arm it does not serve in (a live link of one not active, a canary link of one
    not the running canary): 409 saying what serves and what to do."""
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message))


class IssueFixesController(AdminController):
    """Link fixes to issues and measure their effect."""

    path = "/api/issues"
    tags = ["issues"]
    exception_handlers = {
        InvalidQuery: invalid_query_response,
        IssueNotFound: not_found_response,
        FixLinkNotFound: not_found_response,
        IssueMergedAway: merged_away_response,
        NotServingAsLinked: not_serving_response,
    }

    @post(
        "/{issue_id:str}/fixes",
        summary="Link a fix that went live to the issue; 201 with the link (409 when the issue was merged into another, "
        "or for a prompt version not serving as linked: live and not active, or canary and not the running canary)",
        status_code=201,
        raises=[Conflict],
    )
    async def link_fix(
        self, services: NamedDependency[Services], issue_id: FromPath[str], data: JSONBody[NewFixLink]
    ) -> LinkedFixJSON:
        link = await services.fix_links.link_fix(
            issue_id,
            data.kind,
            data.fix_id,
            data.fix_version,
            data.arm,
            data.live_at,
            data.task_id,
            actor=data.created_by,
        )
        return linked_fix_json(await services.fix_links.name(link))

    @get("/{issue_id:str}/fixes", summary="The fixes linked to the issue, the earliest to go live first")
    async def list_fixes(self, services: NamedDependency[Services], issue_id: FromPath[str]) -> FixLinksJSON:
        return fix_links_json(await services.fix_links.named(await services.fix_links.fixes_for(issue_id)))

    @get(
        "/{issue_id:str}/effect",
        summary="The negative rate on the issue's topic before vs after its fix went live (and canary vs rest)",
    )
    async def effect(
        self,
        services: NamedDependency[Services],
        issue_id: FromPath[str],
        link_id: Annotated[
            str | None,
            QueryParameter(
                min_length=1, max_length=36, description="the fix link to measure (default: the latest to go live)"
            ),
        ] = None,
    ) -> EffectJSON:
        effect = await services.effect_keeper.effect(issue_id, link_id)
        return effect_json(effect, await services.fix_links.named(list(effect.fixes)))
