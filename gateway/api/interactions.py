"""`/api/interactions`: recorded calls, for admins."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, Parameter

from gateway.api.admin import AdminController
from gateway.api.interaction_detail_json import InteractionWithFeedbackJSON, interaction_with_feedback_json
from gateway.api.paging import Cursor, Limit, Since, StoredAfter, Until
from gateway.api.serialize import InteractionPage, followable_page_json, interaction_json
from gateway.domain.issue_views import MAX_ISSUE_ID
from gateway.domain.quoting import quoted
from gateway.services import Services
from gateway.store.interactions import InteractionFilter

Search = Annotated[
    str | None,
    Parameter(
        description="words to find in the end user's messages or the answer: every one must be there, "
        "ignoring case and English endings; at most 200 characters and 12 words"
    ),
]

IssueMembers = Annotated[
    str | None,
    Parameter(
        description="only the interactions of this issue (its members); an issue merged away lists the issue "
        "now holding its complaints, and an id no issue has is a 400",
        min_length=1,
        max_length=MAX_ISSUE_ID,
    ),
]


class InteractionsController(AdminController):
    """Read access to recorded interactions."""

    path = "/api/interactions"
    tags = ["interactions"]

    @get("/", summary="List interactions, newest first")
    async def list_interactions(
        self,
        services: NamedDependency[Services],
        app: FromQuery[str | None] = None,
        model: FromQuery[str | None] = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        q: Search = None,
        issue: IssueMembers = None,
        stored_after: StoredAfter = None,
    ) -> InteractionPage:
        where = InteractionFilter(app=app, model=model, since=since, until=until, text=q, issue=issue)
        if stored_after is not None:
            return followable_page_json(
                await services.interaction_service.follow(where, limit, stored_after, cursor), interaction_json
            )
        return followable_page_json(await services.interaction_service.list(where, limit, cursor), interaction_json)

    @get("/{interaction_id:str}", summary="One interaction and its feedback, by the gateway's or the upstream's id")
    async def get_interaction(
        self, services: NamedDependency[Services], interaction_id: FromPath[str]
    ) -> InteractionWithFeedbackJSON:
        found = await services.interaction_service.get_with_feedback(interaction_id)
        if found is None:
            raise NotFoundException(f"no interaction with id {quoted(interaction_id)}")
        # The page's rule (gateway.domain.complaint_issues): an issue merged away named by its survivor.
        holders = await services.complaint_issues.holding(found.interaction.id)
        return interaction_with_feedback_json(found, holders)
