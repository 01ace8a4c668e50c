"""`/api/issues`: recurring problems found by clustering negative feedback, for admins."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

from litestar import Request, Response, get, patch
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from msgspec import Meta

from clustering.issue_status import IssueStatus, SettableStatus
from gateway.api.admin import AdminController, invalid_query_response
from gateway.api.documented_errors import Conflict
from gateway.api.paging import Limit, Offset
from gateway.api.request_body import RequestBody
from gateway.api.serialize import (
    IssueDetailJSON,
    IssuePage,
    counted_offset_page_json,
    issue_detail_json,
    issue_json,
)
from gateway.domain.errors import InvalidQuery
from gateway.domain.issue_history import issue_history
from gateway.domain.issue_views import MAX_ISSUE_ID, MAX_TITLE, ChangeAlreadyMade, IssueChanged, IssueView
from gateway.domain.issues import MERGE_SUGGESTIONS_SHOWN, IssueDetail, MergeSuggestion
from gateway.domain.quoting import quoted
from gateway.domain.stored_text import refuse_nuls
from gateway.services import Services
from gateway.store.issues import IssueFilter, IssueSort

# Who the audit log names for a change made with the admin token.
ADMIN_ACTOR = "admin-token"


async def _detail_json(services: Services, detail: IssueDetail) -> IssueDetailJSON:
    """`detail` as the API returns it, its `events` the history the issue page shows (gateway.domain.issue_history)."""
    scope = await services.issue_service.scope(detail.issue.id)
    return issue_detail_json(detail, await issue_history(detail, scope, services.reviews.openings))


class IssueChange(RequestBody):
    """One change to an issue: a new `status` (open, resolved or dismissed), a new `title`, or `merged_into` another issue of the same app; `note` says why.

    `expected_status`, `expected_title` and `expected_merged_into` (optional, any of them): the issue
    as the change was decided on, its merge checked with any of them (none named: it was not
    merged). When it is no longer so (merged since, say), the answer is a 409 saying what changed,
    with the issue as it is now, and nothing is saved; unless the issue already is what the change asks for (a
    repeated request): then the answer is the issue, and nothing more is recorded, as long as the
    request's `note` is none or the one recorded. A note that would be lost is a 409 saying who made
    the change (`extra.already_made`), nothing saved; sent again with the issue's current status as
    `expected_status`, a status change is made again with the note. Without them the change is made
    as it comes. An unknown field is a 400 naming it.
    """

    # Only what a person may set: 'new' is a clustering run's alone (expected_status may be any).
    status: SettableStatus | None = None
    title: Annotated[str, Meta(min_length=1, max_length=MAX_TITLE)] | None = None
    merged_into: Annotated[str, Meta(min_length=1, max_length=MAX_ISSUE_ID)] | None = None
    note: Annotated[str, Meta(max_length=2000)] | None = None
    expected_status: IssueStatus | None = None
    # At most as long as any issue's title (MAX_TITLE: renames and clustering's titles alike).
    expected_title: Annotated[str, Meta(max_length=MAX_TITLE)] | None = None
    # With any expected_* the merge is checked: a view that names no merge is of an issue not merged.
    expected_merged_into: Annotated[str, Meta(min_length=1, max_length=MAX_ISSUE_ID)] | None = None


class MergeCandidatesJSON(TypedDict):
    """The live issues of the same app plainly about the same thing as `issue_id`, each a merge a person may make.

    `candidates` are the most similar (centroid cosine) first, as many as the issue page shows; `more` counts the
    less similar ones that passed the same bar and are not listed.
    """

    issue_id: str
    candidates: list[MergeSuggestion]
    more: int


def issue_changed_response(request: Request[Any, Any, Any], exc: IssueChanged) -> Response[Any]:
    """A change decided on a view of the issue that is no longer true: 409 saying what changed, with the issue as it is now."""
    current = issue_json(exc.issue) if exc.issue is not None else None
    return create_exception_response(
        request, HTTPException(status_code=409, detail=exc.message, extra={"issue": current})
    )


def change_already_made_response(request: Request[Any, Any, Any], exc: ChangeAlreadyMade) -> Response[Any]:
    """The change was already made by someone else and this request's note would be lost: 409 saying who, nothing saved."""
    change = exc.change
    made = {"by": change.by, "note": change.note, "at": change.at} if change else None
    extra = {"issue": issue_json(exc.issue) if exc.issue is not None else None, "already_made": made}
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message, extra=extra))


class IssuesController(AdminController):
    """Read and triage discovered issues."""

    path = "/api/issues"
    tags = ["issues"]
    exception_handlers = {
        InvalidQuery: invalid_query_response,
        IssueChanged: issue_changed_response,
        ChangeAlreadyMade: change_already_made_response,
    }

    @get("/", summary="List issues, biggest or fastest-growing first")
    async def list_issues(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        status: FromQuery[IssueStatus | None] = None,
        q: Annotated[
            str | None,
            Parameter(
                description="text the title holds, in any case (Unicode case folding: STRASSE finds Straße); "
                "at most 200 characters, as every search (gateway.domain.search_length)"
            ),
        ] = None,
        sort: Annotated[IssueSort, Parameter(description="growth: size gained since the previous run")] = "size",
        include_empty: Annotated[
            bool, Parameter(description="also issues whose complaints vanished or merged into another issue")
        ] = False,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> IssuePage:
        where = IssueFilter(app=app, status=status, include_empty=include_empty, title=q)
        issues = services.issue_service
        # The total is the Issues page's count, by the same function, so the two never disagree.
        page, total = await asyncio.gather(
            issues.list(where, sort=sort, limit=limit, offset=offset), issues.count(where)
        )
        return counted_offset_page_json(page, issue_json, total)

    @get(
        "/{issue_id:str}", summary="One issue with representative examples, every member interaction id and its events"
    )
    async def get_issue(self, services: NamedDependency[Services], issue_id: FromPath[str]) -> IssueDetailJSON:
        detail = await services.issue_service.get(issue_id)
        if detail is None:
            raise NotFoundException(f"no issue with id {quoted(issue_id)}")
        return await _detail_json(services, detail)

    @get(
        "/{issue_id:str}/merge-candidates",
        summary="Live issues of the same app plainly about the same thing: close centroids, or a correction in common "
        f"and neighbouring centroids; the {MERGE_SUGGESTIONS_SHOWN} most similar, and how many more",
    )
    async def merge_candidates(
        self, services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> MergeCandidatesJSON:
        found = await services.issue_service.merge_suggestions(issue_id)
        if found is None:
            raise NotFoundException(f"no issue with id {quoted(issue_id)}")
        return {"issue_id": issue_id, "candidates": list(found.shown), "more": found.more}

    @patch(
        "/{issue_id:str}",
        summary="Triage an issue: open, resolve or dismiss it, rename it, or merge it into another "
        "(409 when expected_status or expected_title is no longer the issue's)",
        raises=[Conflict],
    )
    async def change_issue(
        self, services: NamedDependency[Services], issue_id: FromPath[str], data: JSONBody[IssueChange]
    ) -> IssueDetailJSON:
        issues = services.issue_service
        asked = [name for name in ("status", "title", "merged_into") if getattr(data, name) is not None]
        if len(asked) != 1:
            raise InvalidQuery("status", "give exactly one of 'status', 'title' or 'merged_into'")
        refuse_nuls(
            [
                ("title", data.title),
                ("merged_into", data.merged_into),
                ("note", data.note),
                ("expected_title", data.expected_title),
                ("expected_merged_into", data.expected_merged_into),
            ]
        )
        expected = (data.expected_status, data.expected_title, data.expected_merged_into)
        seen = IssueView(*expected) if any(field is not None for field in expected) else None
        if data.status is not None:
            detail = await issues.triage(issue_id, IssueStatus(data.status), data.note, actor=ADMIN_ACTOR, seen=seen)
        elif data.title is not None:
            detail = await issues.rename(issue_id, data.title, actor=ADMIN_ACTOR, seen=seen)
        else:
            detail = await issues.merge(issue_id, str(data.merged_into), actor=ADMIN_ACTOR, note=data.note, seen=seen)
        if detail is None:
            raise NotFoundException(f"no issue with id {quoted(issue_id)}")
        return await _detail_json(services, detail)
