"""The interactions pages: search and filter recorded calls (InteractionService), and one call in full."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

from admin_ui.query_params import choice_param, text_param, time_param, url_with
from admin_ui.rendering import render
from admin_ui.session import signed_in
from gateway.discovery.items import last_user_message
from gateway.domain.conversation import conversation, tool_calls_of
from gateway.domain.errors import InvalidQuery
from gateway.domain.interactions import MAX_SEARCH_CHARS
from gateway.domain.paging import MAX_ID_CURSOR_CHARS
from gateway.services import Services
from gateway.store.interactions import InteractionFilter

LIST_PATH = "/admin/interactions"
PAGE_SIZE = 50
# How much of the question and the answer a listing row shows.
EXCERPT_CHARS = 160
FEEDBACK_CHOICES = ("any", "negative", "none")
STATUS_CHOICES = ("ok", "error", "partial")


def excerpt(text: str | None) -> str:
    """The start of `text` on one line, cut at EXCERPT_CHARS with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def policy_notes(policies: list[dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    """Each policy note as (policy, action, the rest as JSON text)."""
    notes = []
    for note in policies or []:
        rest = {key: value for key, value in note.items() if key not in ("policy", "action")}
        rest_text = json.dumps(rest, ensure_ascii=False, sort_keys=True, default=str) if rest else ""
        notes.append((str(note.get("policy", "?")), str(note.get("action", "?")), rest_text))
    return notes


class InteractionsController(Controller):
    """GET /admin/interactions and /admin/interactions/{id}: for every signed-in user (reading only)."""

    path = "/interactions"
    guards = [signed_in]

    @get("/")
    async def search(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """The newest interactions matching the URL's search and filters, 50 a page (keyset paging)."""
        filters: dict[str, Any] = {
            # The domain's limit (its search_text checks the rest: words, and their number).
            "q": text_param(request, "q", MAX_SEARCH_CHARS),
            "app": text_param(request, "app"),
            "model": text_param(request, "model"),
            "feedback": choice_param(request, "feedback", FEEDBACK_CHOICES),
            "status": choice_param(request, "status", STATUS_CHOICES),
            "since": text_param(request, "since", 40),
            "until": text_param(request, "until", 40),
        }
        # The domain checks it is a previous page's next_cursor (a 400 saying so otherwise).
        cursor = text_param(request, "cursor", MAX_ID_CURSOR_CHARS)
        where = InteractionFilter(
            app=filters["app"],
            model=filters["model"],
            since=time_param(request, "since"),
            until=time_param(request, "until"),
            text=filters["q"],
            feedback=filters["feedback"],
            outcome=filters["status"],
        )
        try:
            page = await services.interaction_service.list(where, PAGE_SIZE, cursor)
        except InvalidQuery as exc:
            raise HTTPException(status_code=400, detail=exc.message) from None
        rows = [
            (item, excerpt(last_user_message(item.request)), excerpt(item.response_text or item.error), item.outcome)
            for item in page.data
        ]
        return render(
            request,
            "interactions.html",
            rows=rows,
            filters=filters,
            feedback_choices=FEEDBACK_CHOICES,
            status_choices=STATUS_CHOICES,
            paged=cursor is not None,
            first_url=url_with(LIST_PATH, filters),
            next_url=url_with(LIST_PATH, filters, cursor=page.next_cursor) if page.next_cursor else None,
        )

    @get("/{interaction_id:str}")
    async def detail(
        self, request: Request[Any, Any, Any], interaction_id: FromPath[str], services: NamedDependency[Services]
    ) -> Response[Any]:
        """One interaction in full: the conversation, the answer, its feedback, timings, tokens and the fixes applied."""
        found = await services.interaction_service.get_with_feedback(interaction_id)
        if found is None:
            raise NotFoundException(f"There is no interaction {interaction_id}.")
        interaction = found.interaction
        return render(
            request,
            "interaction.html",
            record=found,
            interaction=interaction,
            turns=conversation(interaction.request),
            answer_tool_calls=tool_calls_of(interaction.tool_calls),
            notes=policy_notes(interaction.policies),
            outcome=interaction.outcome,
            metadata=None if interaction.metadata is None else json.dumps(interaction.metadata, ensure_ascii=False),
            task_id=await services.reviews.task_holding(interaction.id),
        )
