"""`/api/reviews`: the review queue for admins and reviewers — tasks, claims, decisions, service levels."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.exceptions.responses import create_exception_response
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from gateway.api.admin import (
    AdminController,
    IdempotencyKey,
    created_or_repeated,
    invalid_query_response,
    key_reused_response,
)
from gateway.api.documented_errors import Conflict
from gateway.api.paging import Limit, Offset, Since, Until
from gateway.api.query_parameters import deprecated_name_note
from gateway.api.review_bodies import ADMIN_ACTOR, DecisionBody, FixBody, NewTask, TaskUpdate
from gateway.api.review_figures_json import CalibrationJSON, ReviewFiguresJSON, calibration_json, figures_json
from gateway.api.review_json import (
    FixResolutionJSON,
    OpenedTaskJSON,
    ReviewTaskDetailJSON,
    ReviewTaskPage,
    ReviewTaskWithIssuesJSON,
    fix_resolution_json,
    opened_task_json,
    task_detail_json,
    task_json,
    task_page_json,
)
from gateway.api.serialize import counted_offset_page_json
from gateway.domain.blank_text import says_nothing
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.issue_views import MAX_ISSUE_ID
from gateway.fixes.new_fix import check_fix_fields
from gateway.prompts.errors import PromptConflict
from gateway.review.calibration_report import DEFAULT_REVIEW_RATE
from gateway.review.errors import ChoiceRefused, TaskConflict, TaskNotFound
from gateway.review.records import ListedStatus, Priority, Source
from gateway.services import Services
from gateway.store.reviews import ReviewFilter, ReviewSort


def not_found_response(request: Request[Any, Any, Any], exc: TaskNotFound) -> Response[Any]:
    """An unknown task: 404."""
    return create_exception_response(request, NotFoundException(str(exc)))


def choice_refused_response(request: Request[Any, Any, Any], exc: ChoiceRefused) -> Response[Any]:
    """A choice the task's answer has not, or a task of several answers: 422 naming `choice`, as /v1/feedback's."""
    entry = {"key": exc.field, "message": exc.message, "source": "body"}
    return create_exception_response(request, HTTPException(status_code=422, detail=exc.message, extra=[entry]))


def conflict_response(request: Request[Any, Any, Any], exc: TaskConflict | PromptConflict) -> Response[Any]:
    """A change the task's state (claimed by someone else, closed…) or its app's prompt rollout forbids now: 409 saying
    why."""
    return create_exception_response(request, HTTPException(status_code=409, detail=exc.message))


class ReviewsController(AdminController):
    """List, open, claim, assign, close and decide review tasks; the queue's service levels."""

    path = "/api/reviews"
    tags = ["reviews"]
    exception_handlers = {
        InvalidQuery: invalid_query_response,
        ChoiceRefused: choice_refused_response,
        TaskNotFound: not_found_response,
        TaskConflict: conflict_response,
        # A prompt fix the app's rollout refuses (another canary running): nothing was written.
        PromptConflict: conflict_response,
        KeyReused: key_reused_response,
    }

    @get("/", summary="List review tasks, in queue order (priority, then deadline) or newest first")
    async def list_tasks(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        status: Annotated[
            ListedStatus | None,
            Parameter(description="a lapsed claim counts as open; unfinished: open and in progress alike"),
        ] = None,
        priority: FromQuery[Priority | None] = None,
        source: FromQuery[Source | None] = None,
        assignee: FromQuery[str | None] = None,
        tag: Annotated[str | None, Parameter(description="a whole tag, in any case (as the knowledge base's)")] = None,
        issue: Annotated[
            str | None,
            Parameter(
                description="only the tasks about this issue (by its id), and those about every issue merged into it; "
                "an issue merged away lists the issue now holding its complaints, and an id no issue has is a 400",
                min_length=1,
                max_length=MAX_ISSUE_ID,
            ),
        ] = None,
        issue_id: Annotated[str | None, Parameter(description=deprecated_name_note("issue_id"))] = None,
        overdue: Annotated[
            bool | None, Parameter(description="true: waiting past the deadline; false: the rest")
        ] = None,
        sort: Annotated[ReviewSort, Parameter(description="queue: priority, then deadline; or newest first")] = "queue",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ReviewTaskPage:
        asked, name = (issue, "issue") if issue is not None else (issue_id, "issue_id")
        scope = await services.issue_service.scope(asked, name) if asked is not None else None
        where = ReviewFilter(
            app=app,
            status=status,
            priority=priority.value if priority else None,
            source=source.value if source else None,
            assignee=assignee,
            tag=tag,
            issue_ids=scope.issue_ids if scope is not None else None,
            overdue=overdue,
        )
        # The total is the Review queue's count, by the same function, so the two never disagree.
        page, total = await asyncio.gather(
            services.reviews.list(where, sort=sort, limit=limit, offset=offset), services.reviews.count(where)
        )
        return counted_offset_page_json(page, task_json, total)

    @post(
        "/",
        summary="Open a manual review task (201), or update the open task for the same issue or interactions (200)",
        status_code=201,
        responses={200: ResponseSpec(OpenedTaskJSON, description="the open task for the same issue or interactions")},
        raises=[Conflict],
    )
    async def open_task(self, services: NamedDependency[Services], data: JSONBody[NewTask]) -> Response[OpenedTaskJSON]:
        opened = await services.reviews.open_manual(
            app=data.app,
            reason=data.reason,
            priority=data.priority,
            interaction_ids=data.interaction_ids,
            issue_id=data.issue_id,
            tags=data.tags,
            evidence=data.evidence,
            actor=data.created_by,
        )
        return Response(opened_task_json(opened), status_code=201 if opened.created else 200)

    @get(
        "/stats",
        summary="Service levels: deadlines met, time to resolve, overdue, decisions per reviewer, agreement, automation rate",
    )
    async def get_stats(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        since: Annotated[
            Since, Parameter(description="tasks opened (answers created) from (inclusive); default until - 30 days")
        ] = None,
        until: Annotated[
            Until, Parameter(description="tasks opened (answers created) before (exclusive); default now")
        ] = None,
    ) -> ReviewFiguresJSON:
        return figures_json(await services.reviews.stats(app=app, since=since, until=until))

    @get(
        "/calibration",
        summary="How well each confidence measure separates an app's answers later found bad, and a suggested threshold",
    )
    async def get_calibration(
        self,
        services: NamedDependency[Services],
        # Not min_length=1: the report refuses a blank app (an empty one too) by the one rule, as "'app' is blank".
        app: Annotated[str, Parameter(description="the app whose answers to calibrate on")],
        since: Annotated[Since, Parameter(description="answers from (inclusive); default until - 30 days")] = None,
        until: Annotated[Until, Parameter(description="answers before (exclusive); default now")] = None,
        review_rate: Annotated[
            float, Parameter(description="share of the app's answers a person reviews", gt=0.0, lt=1.0)
        ] = DEFAULT_REVIEW_RATE,
    ) -> CalibrationJSON:
        report = await services.calibration.report(app, since=since, until=until, review_rate=review_rate)
        return calibration_json(report)

    @get(
        "/{task_id:str}",
        summary=(
            "One review task with its evidence, interactions, decisions and events, and the issues its interactions "
            "belong to with their fixes in force (what kind 'linked' may resolve it by)"
        ),
    )
    async def get_task(self, services: NamedDependency[Services], task_id: FromPath[str]) -> ReviewTaskWithIssuesJSON:
        detail = await services.reviews.get(task_id)
        return task_page_json(detail, await services.task_fixes.task_issues(detail))

    @patch(
        "/{task_id:str}",
        summary=(
            'Change a task: {"action": "claim"|"renew"|"release", "reviewer"} leases it to a reviewer, '
            '{"action": "assign", "assignee"} or "unassign", {"action": "dismiss"|"reopen", "note"}, '
            '{"action": "second_opinion", "note"} makes it need two different reviewers'
        ),
        raises=[Conflict],
    )
    async def change_task(
        self, services: NamedDependency[Services], task_id: FromPath[str], data: JSONBody[TaskUpdate]
    ) -> ReviewTaskDetailJSON:
        reviews = services.reviews
        actor = data.reviewer or ADMIN_ACTOR
        match data.action:
            case "claim":
                detail = await reviews.claim(task_id, data.reviewer or "")
            case "renew":
                detail = await reviews.renew(task_id, data.reviewer or "")
            case "release":
                detail = await reviews.release(task_id, data.reviewer or "")
            case "assign":
                if data.assignee is None:
                    message = "action 'assign' needs 'assignee'; use action 'unassign' to clear it"
                    raise InvalidQuery("assignee", message)
                detail = await reviews.assign(task_id, data.assignee, actor)
            case "unassign":
                detail = await reviews.assign(task_id, None, actor)
            case "dismiss":
                detail = await reviews.dismiss(task_id, actor, data.note)
            case "reopen":
                detail = await reviews.reopen(task_id, actor, data.note)
            case "second_opinion":
                detail = await reviews.ask_second_opinion(task_id, actor, data.note)
        return task_detail_json(detail)

    @post(
        "/{task_id:str}/decision",
        summary=(
            'Decide a task: {"outcome": "approve"|"reject"|"correct", "reviewer", "correction", "comment", "choice"}; '
            "`choice` names the answer's choice judged (n > 1; default 0), a 422 when the answer has no such "
            "choice or the task holds several interactions. With an Idempotency-Key, the same decision sent again "
            "records nothing more and answers 200 with the task as it is"
        ),
        status_code=200,
        raises=[Conflict],
    )
    async def decide_task(
        self,
        services: NamedDependency[Services],
        task_id: FromPath[str],
        data: JSONBody[DecisionBody],
        idempotency_key: IdempotencyKey = None,
    ) -> ReviewTaskDetailJSON:
        reviews = services.reviews
        detail = await reviews.decide(
            task_id,
            data.reviewer,
            data.outcome,
            data.correction,
            data.comment,
            choice=data.choice,
            idempotency_key=idempotency_key,
        )
        return task_detail_json(detail)

    @post(
        "/{task_id:str}/fix",
        summary=(
            'Resolve a task by the fix it suggests, in one request: {"kind": "knowledge", "reviewer", "title", "content", '
            '"example_questions"} adds an entry, {"kind": "prompt", "reviewer", "text", "message", "rollout", '
            '"canary_share"} publishes a version; the fix is linked to the task\'s issue for measuring. '
            '{"kind": "linked", "reviewer", "link_id"} names a fix already linked to the issue (GET '
            "/api/issues/{id}/fixes): nothing is made twice, and a rollout asked of it is a 400, as is a field of "
            "another kind (a title with a prompt fix). With an "
            "Idempotency-Key, a fix sent again makes and decides nothing more and answers 200 with the task resolved "
            "by the first request's fix"
        ),
        status_code=201,
        raises=[Conflict],
    )
    async def resolve_with_fix(
        self,
        services: NamedDependency[Services],
        task_id: FromPath[str],
        data: JSONBody[FixBody],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[FixResolutionJSON]:
        fixes = services.task_fixes
        check_fix_fields(
            data.kind,
            title=data.title,
            content=data.content,
            example_questions=data.example_questions,
            text=data.text,
            message=data.message,
            link_id=data.link_id,
        )
        if data.kind == "linked":
            link_id = _required(data.link_id, "link_id", "the id of a fix linked to the task's issue")
            resolution = await fixes.resolve_with_linked_fix(
                task_id,
                data.reviewer,
                link_id=link_id,
                comment=data.comment,
                rollout=data.rollout,
                canary_share=data.canary_share,
                idempotency_key=idempotency_key,
                choice=data.choice,
            )
        elif data.kind == "knowledge":
            resolution = await fixes.resolve_with_entry(
                task_id,
                data.reviewer,
                title=_required(data.title, "title", "the entry's title"),
                content=_required(data.content, "content", "the entry's content"),
                example_questions=data.example_questions,
                comment=data.comment,
                rollout=data.rollout,
                canary_share=data.canary_share,
                idempotency_key=idempotency_key,
                choice=data.choice,
            )
        else:
            resolution = await fixes.resolve_with_prompt(
                task_id,
                data.reviewer,
                text=_required(data.text, "text", "the new instructions"),
                message=_required(data.message, "message", "a message saying why this version"),
                rollout=data.rollout,
                canary_share=data.canary_share,
                comment=data.comment,
                idempotency_key=idempotency_key,
                choice=data.choice,
            )
        link = await services.fix_links.name(resolution.link) if resolution.link is not None else None
        return created_or_repeated(fix_resolution_json(resolution, link), resolution.repeated)


def _required(value: str | None, name: str, what: str) -> str:
    """A field the chosen kind of fix needs: 400 naming it when it is missing or blank."""
    if value is None or says_nothing(value):
        raise InvalidQuery(name, f"'{name}' is required for this kind of fix: {what}")
    return value
