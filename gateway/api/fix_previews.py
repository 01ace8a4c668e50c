"""`POST /api/issues/{id}/previews` and `GET /api/previews/{id}`: a candidate fix replayed on an issue's traffic."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.params import FromPath, HeaderParameter, JSONBody
from msgspec import Meta, field

from gateway.api.admin import AdminController, IdempotencyKey, key_reused_response
from gateway.api.documented_errors import Conflict
from gateway.api.issue_fixes import ADMIN_ACTOR, merged_away_response, not_found_response
from gateway.api.preview_json import (
    MadeLiveJSON,
    PreviewJSON,
    PreviewsJSON,
    made_live_json,
    preview_json,
    previews_json,
)
from gateway.api.request_body import RequestBody
from gateway.domain.idempotency import KeyReused
from gateway.effect.links import IssueMergedAway, IssueNotFound
from gateway.fixes.candidates import Candidate, candidate_from
from gateway.fixes.issue_fixes import LiveFixDiffers
from gateway.fixes.preview import DEFAULT_LIMIT, MAX_LIMIT, NothingToReplay
from gateway.knowledge.errors import EntrySwitchedOff
from gateway.services import Services

# Where a pass-through caller may put the upstream key for the replays (the Authorization header is the admin token).
UPSTREAM_AUTHORIZATION_HEADER = "x-feedgate-upstream-authorization"


class NewPreview(RequestBody):
    """A candidate fix to replay: `kind` "knowledge" with `title`, `content` (and `example_questions`), or "prompt"
    with `text` (and `mode`: prepend, append or replace; default the app's). `limit`: how many of the issue's newest
    interactions to replay (1-50, default 10; one upstream call each). `authorization`: in pass-through mode, the
    upstream key for the replays (used once, never stored); in gateway-key mode the routed upstream's key is used.
    """

    kind: Literal["knowledge", "prompt"]
    title: str | None = None
    content: str | None = None
    example_questions: list[str] = field(default_factory=list)
    text: str | None = None
    mode: Literal["prepend", "append", "replace"] | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    authorization: str | None = None
    created_by: Annotated[str, Meta(min_length=1, max_length=200)] = ADMIN_ACTOR


def candidate_of(data: NewPreview) -> Candidate:
    """The candidate the request describes; InvalidQuery names a missing or bad field, or one of the other kind."""
    return candidate_from(
        data.kind,
        title=data.title,
        content=data.content,
        example_questions=data.example_questions,
        text=data.text,
        mode=data.mode,
    )


def nothing_to_replay_response(request: Request[Any, Any, Any], exc: NothingToReplay) -> Response[Any]:
    """An issue with nothing to replay: 409 saying so, instead of an empty preview."""
    return create_exception_response(request, HTTPException(status_code=409, detail=str(exc)))


class IssuePreviewsController(AdminController):
    """Preview a fix on an issue before it goes live."""

    path = "/api/issues"
    tags = ["fixes"]
    exception_handlers = {
        **AdminController.exception_handlers,
        IssueNotFound: not_found_response,
        NothingToReplay: nothing_to_replay_response,
    }

    @post(
        "/{issue_id:str}/previews",
        summary="Replay up to `limit` of the issue's interactions with a candidate fix; 201 with the stored preview",
        status_code=201,
        raises=[Conflict],
    )
    async def create_preview(
        self,
        services: NamedDependency[Services],
        issue_id: FromPath[str],
        data: JSONBody[NewPreview],
        upstream_authorization: Annotated[str | None, HeaderParameter(name=UPSTREAM_AUTHORIZATION_HEADER)] = None,
    ) -> PreviewJSON:
        preview = await services.previews.preview(
            issue_id,
            candidate_of(data),
            data.limit,
            authorization=data.authorization or upstream_authorization,
            author=data.created_by,
        )
        return preview_json(preview)

    @get("/{issue_id:str}/previews", summary="The issue's newest previews (at most 20), newest first")
    async def list_previews(self, services: NamedDependency[Services], issue_id: FromPath[str]) -> PreviewsJSON:
        return previews_json(list(await services.previews.for_issue(issue_id)))


class LivePreview(RequestBody):
    """Make a previewed fix live for its issue: the knowledge entry is created active, or the instructions are
    published as the app's new prompt version in the placement previewed: `rollout` "active" (default) or "canary"
    with `canary_share` (0.001 to 0.999); `message` says what changed (prompt versions; default: the issue and
    preview). The fix is linked to the issue, so its effect is measured."""

    message: Annotated[str, Meta(max_length=2000)] | None = None
    rollout: Literal["active", "canary"] = "active"
    canary_share: float | None = None
    created_by: Annotated[str, Meta(min_length=1, max_length=200)] = ADMIN_ACTOR


def entry_switched_off_response(request: Request[Any, Any, Any], exc: EntrySwitchedOff) -> Response[Any]:
    """The live entry to revise was switched off meanwhile: 409 saying nothing was made, and what to do."""
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message))


def live_fix_differs_response(request: Request[Any, Any, Any], exc: LiveFixDiffers) -> Response[Any]:
    """The preview's fix already live, but not as asked: 409 saying how it is live and how to change it."""
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message))


class PreviewsController(AdminController):
    """Read a stored fix preview back, and make it live."""

    path = "/api/previews"
    tags = ["fixes"]
    exception_handlers = {
        **AdminController.exception_handlers,
        IssueNotFound: not_found_response,
        IssueMergedAway: merged_away_response,
        LiveFixDiffers: live_fix_differs_response,
        EntrySwitchedOff: entry_switched_off_response,
        KeyReused: key_reused_response,
    }

    @get("/{preview_id:str}", summary="A stored fix preview")
    async def get_preview(self, services: NamedDependency[Services], preview_id: FromPath[str]) -> PreviewJSON:
        preview = await services.previews.get(preview_id)
        if preview is None:
            raise NotFoundException(f"no preview {preview_id}")
        return preview_json(preview)

    @post(
        "/{preview_id:str}/live",
        summary=(
            "Make the previewed fix live for its issue and link it; 201 with the fix and its link (200 if it already "
            "was, or for a retry under the same Idempotency-Key; 409 if it is, but in another rollout or placement "
            "than asked, or if the live entry it revises was switched off meanwhile; 422 for the key sent with "
            "another body)"
        ),
        status_code=201,
        raises=[Conflict],
    )
    async def make_live(
        self,
        services: NamedDependency[Services],
        preview_id: FromPath[str],
        # Every field has a default, so no body at all asks for them all.
        data: JSONBody[LivePreview | None] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MadeLiveJSON]:
        data = data if data is not None else LivePreview()
        preview = await services.previews.get(preview_id)
        if preview is None:
            raise NotFoundException(f"no preview {preview_id}")
        made = await services.issue_fixes.make_live(
            preview,
            data.created_by,
            message=data.message,
            rollout=data.rollout,
            canary_share=data.canary_share,
            idempotency_key=idempotency_key,
        )
        link = await services.fix_links.name(made.link)
        # Sent again (a retry), the same fix already live for the issue is answered, and nothing made twice.
        return Response(made_live_json(made, link), status_code=200 if made.again or made.repeated else 201)
