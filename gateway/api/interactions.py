"""`/api/interactions`: recorded calls, for admins."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from gateway.api.auth import require_admin
from gateway.api.paging import Cursor, Limit, Since, Until, keyset_page, time_range
from gateway.api.serialize import feedback_json, interaction_json
from gateway.feedback.history import current_per_user
from gateway.services import Services
from gateway.store.interactions import InteractionFilter


class InteractionsController(Controller):
    """Read access to recorded interactions."""

    path = "/api/interactions"
    guards = [require_admin]
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
    ) -> dict[str, Any]:
        start, end = time_range(since, until)
        where = InteractionFilter(app=app, model=model, since=start, until=end, before_id=cursor)
        rows = await services.interactions.list(where, limit + 1)
        return keyset_page(rows, limit, interaction_json)

    @get("/{interaction_id:str}", summary="One interaction and its feedback, by the gateway's or the upstream's id")
    async def get_interaction(self, services: NamedDependency[Services], interaction_id: FromPath[str]) -> dict[str, Any]:
        row = await services.interactions.get(interaction_id)
        if row is None:
            # It may still sit in the writer's buffer: flush once before saying no.
            await services.writer.flush()
            row = await services.interactions.get(interaction_id)
        if row is None:
            raise NotFoundException(f"no interaction with id {interaction_id!r}")
        events = await services.feedback_store.for_interaction(row["id"])
        feedback = {
            "events": [feedback_json(event) for event in events],
            "current": [feedback_json(event) for event in current_per_user(events)],
        }
        return {**interaction_json(row), "feedback": feedback}
