"""The interactions pages: search and filter recorded calls (InteractionService), and one call in full."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

from admin_ui.choice_views import shown_choices
from admin_ui.form_text import refusal_text, refused_field
from admin_ui.issue_shown import IssueShown, issue_shown
from admin_ui.list_back import ListBack, back_context
from admin_ui.query_params import (
    QueryParams,
    choice_param,
    given_text,
    refused_filter,
    text_param,
    time_box,
    time_param,
    url_with,
)
from admin_ui.rendering import render
from admin_ui.session import signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.conversation import conversation, tool_calls_of
from gateway.domain.errors import InvalidQuery
from gateway.domain.paging import MAX_CURSOR_CHARS
from gateway.domain.quoting import clipped
from gateway.domain.search_length import MAX_SEARCH_CHARS
from gateway.knowledge.near_miss import closest_is_near
from gateway.services import Services
from gateway.store.interactions import InteractionFilter
from gateway.store.issue_edits import IssueHead

LIST_PATH = "/admin/interactions"
PAGE_SIZE = 50
# The feedback filter's choices as its select shows them.
FEEDBACK_CHOICES = {"any": "with feedback", "negative": "negative", "none": "without feedback"}
STATUS_CHOICES = ("ok", "error", "partial")
FILTER_NAMES = ("q", "app", "model", "feedback", "status", "since", "until", "issue")
# The form's name for a field the domain names in a refusal.
FIELD_LABELS = {
    "q": "Search",
    "app": "App",
    "model": "Model",
    "since": "From (UTC)",
    "until": "Until (UTC)",
    "issue": "Issue",
    "cursor": "The link to older interactions",
}


def policy_notes(policies: list[dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    """Each policy note as (policy, action, the rest as JSON text)."""
    notes = []
    for note in policies or []:
        rest = {key: value for key, value in note.items() if key not in ("policy", "action")}
        rest_text = json.dumps(rest, ensure_ascii=False, sort_keys=True, default=str) if rest else ""
        notes.append((str(note.get("policy", "?")), str(note.get("action", "?")), rest_text))
    return notes


@dataclass(frozen=True, slots=True)
class KnowledgeMiss:
    """A knowledge search that added no entry: the closest entry as the call saw it, its score and the threshold."""

    entry_id: str
    title: str
    score: float
    threshold: float
    # The issue the entry was linked to as a fix, whose "Preview a fix" page tries a revision (None: no such issue).
    issue_id: str | None = None
    # Whether the entry scored near the threshold (gateway.knowledge.near_miss): a far one is no near miss.
    near: bool = True
    # A far miss's fix is a new entry: made for the issue holding the question as a complaint (id, title), if one
    # does, where it is linked and measured; the closest entry's issue is another question's (None: no issue).
    question_issue: tuple[str, str] | None = None


def knowledge_miss(policies: list[dict[str, Any]] | None) -> KnowledgeMiss | None:
    """The knowledge note naming the closest entry of a search that reached no threshold, if the call has one."""
    for note in policies or []:
        closest = note.get("closest")
        if note.get("policy") == "knowledge" and isinstance(closest, dict):
            return KnowledgeMiss(
                str(closest.get("id", "")), str(closest.get("title", "")), closest["score"], note["threshold"]
            )
    return None


async def _with_fix_issue(
    services: Services, miss: KnowledgeMiss | None, holders: tuple[IssueHead, ...]
) -> KnowledgeMiss | None:
    if miss is None:
        return None
    near = closest_is_near(miss.score, miss.threshold, services.settings.knowledge_margin)
    entry_issue = await services.fix_links.issue_fixed_by("knowledge", miss.entry_id)
    if near:
        return replace(miss, issue_id=entry_issue)
    # The question's own issue (merges followed by the domain's rule), the first by id if several hold it.
    own = (holders[0].id, holders[0].title) if holders else None
    return replace(miss, issue_id=entry_issue, near=False, question_issue=own)


def _read_filters(request: QueryParams) -> tuple[dict[str, Any], InteractionFilter, str | None]:
    """The URL's search, filters and cursor (an HTTPException 400 naming a filter the page cannot read)."""
    filters: dict[str, Any] = {
        # Checked by the domain (search_text: its length, as every search's, its words and their number).
        "q": given_text(request, "q") or None,
        "app": text_param(request, "app"),
        "model": text_param(request, "model"),
        "feedback": choice_param(request, "feedback", FEEDBACK_CHOICES),
        "status": choice_param(request, "status", STATUS_CHOICES),
        "since": text_param(request, "since", 40),
        "until": text_param(request, "until", 40),
        # An issue's id (its page links here); the domain says whether there is one.
        "issue": text_param(request, "issue", 36),
    }
    # The domain checks it is a previous page's next_cursor (a 400 saying so otherwise).
    cursor = text_param(request, "cursor", MAX_CURSOR_CHARS)
    where = InteractionFilter(
        app=filters["app"],
        model=filters["model"],
        since=time_param(request, "since"),
        until=time_param(request, "until"),
        text=filters["q"],
        feedback=filters["feedback"],
        outcome=filters["status"],
        issue=filters["issue"],
    )
    return filters, where, cursor


# The list's way back from an interaction (admin_ui.list_back): its filters and the page it was on, read as it reads them.
INTERACTION_LIST = ListBack(LIST_PATH, (*FILTER_NAMES, "cursor"), _read_filters)


async def _list_page(
    request: Request[Any, Any, Any],
    services: Services,
    filters: dict[str, Any],
    *,
    rows: list[Any],
    paged: bool = False,
    next_url: str | None = None,
    here: str = LIST_PATH,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    issue: IssueShown | None = None,
) -> Response[Any]:
    # Offered by the app and model boxes: in pass-through mode app names are key fingerprints.
    known_apps, known_models = await asyncio.gather(services.seen_apps.names(), services.seen_apps.models())
    return render(
        request,
        "interactions.html",
        known_apps=known_apps,
        known_models=known_models,
        status_code=status_code,
        rows=rows,
        filters=filters,
        feedback_choices=FEEDBACK_CHOICES,
        status_choices=STATUS_CHOICES,
        search_max=MAX_SEARCH_CHARS,
        paged=paged,
        first_url=url_with(LIST_PATH, filters),
        next_url=next_url,
        # Each interaction's link carries the list's query (`here`), for its page's way back (admin_ui.list_back).
        back_query=INTERACTION_LIST.item_query(here),
        error=error,
        error_field=error_field,
        issue=issue,
        # A time the box cannot show stays as typed in a text box (admin_ui.query_params.time_box).
        time_boxes={name: time_box(filters.get(name)) for name in ("since", "until")},
    )


async def _refused(
    request: Request[Any, Any, Any], services: Services, message: str, field: str | None
) -> Response[Any]:
    """The list page again (400) with the filters exactly as typed, the message saying what to fix, and no rows."""
    typed = {name: request.query_params.get(name) or "" for name in FILTER_NAMES}
    return await _list_page(request, services, typed, rows=[], status_code=400, error=message, error_field=field)


class InteractionsController(Controller):
    """GET /admin/interactions and /admin/interactions/{id}: for every signed-in user (reading only)."""

    path = "/interactions"
    guards = [signed_in]

    @get("/")
    async def search(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The newest interactions matching the URL's search and filters, 50 a page (keyset paging).

        A filter the list cannot use is the list page again (400): the form holds the filters as
        typed and the message says which one to fix, with no rows under it.
        """
        try:
            filters, where, cursor = _read_filters(request)
            page = await services.interaction_service.list_briefly(where, PAGE_SIZE, cursor)
            # The domain's rule (gateway.domain.issue_scope) says which issue's interactions the page lists.
            scope = await services.issue_service.scope(where.issue) if where.issue is not None else None
            issue = await issue_shown(services, scope)
        except HTTPException as exc:  # query_params' bad_filter: a 400 naming the filter
            if exc.status_code != 400:
                raise
            return await _refused(request, services, str(exc.detail), refused_filter(exc))
        except InvalidQuery as exc:
            return await _refused(request, services, refusal_text(exc, FIELD_LABELS), refused_field(exc))
        return await _list_page(
            request,
            services,
            filters,
            rows=list(page.data),
            paged=cursor is not None,
            next_url=url_with(LIST_PATH, filters, cursor=page.next_cursor) if page.next_cursor else None,
            here=url_with(LIST_PATH, filters, cursor=cursor),
            issue=issue,
        )

    @get("/{interaction_id:str}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        interaction_id: FromPath[str],
        services: NamedDependency[Services],
        user: NamedDependency[SignedInUser],
    ) -> Response[Any]:
        """One interaction in full: the conversation, the answer, its feedback, timings, tokens and the fixes applied."""
        found = await services.interaction_service.get_with_feedback(interaction_id)
        if found is None:
            raise NotFoundException(f"There is no interaction {clipped(interaction_id)}.")
        interaction = found.interaction
        # The issues holding it as a complaint (gateway.domain.complaint_issues): a merged-away one as its survivor.
        holders = await services.complaint_issues.holding(interaction.id)
        return render(
            request,
            "interaction.html",
            record=found,
            interaction=interaction,
            turns=conversation(interaction.request),
            answer_tool_calls=tool_calls_of(interaction.tool_calls),
            choices=shown_choices(found),
            notes=policy_notes(interaction.policies),
            knowledge_miss=await _with_fix_issue(services, knowledge_miss(interaction.policies), holders),
            # The far knowledge miss's offer of a new entry is for those who may make one.
            can_change=user.allows(Role.REVIEWER),
            outcome=interaction.outcome,
            metadata=None if interaction.metadata is None else json.dumps(interaction.metadata, ensure_ascii=False),
            task_id=await services.reviews.task_holding(interaction.id),
            complaint_issues=holders,
            **back_context(INTERACTION_LIST, request.query_params.get("back")),
        )
