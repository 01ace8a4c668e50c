"""`/api/interactions`: recorded calls, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

from gateway.api.auth import require_admin
from gateway.api.serialize import feedback_json, interaction_json, utc
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
        services: Services,
        app: str | None = None,
        model: str | None = None,
        since: Annotated[datetime | None, Parameter(description="ISO 8601; inclusive")] = None,
        until: Annotated[datetime | None, Parameter(description="ISO 8601; exclusive")] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 50,
        cursor: Annotated[str | None, Parameter(description="next_cursor of the previous page")] = None,
    ) -> dict[str, Any]:
        if since and until and utc(since) >= utc(until):  # type: ignore[operator]
            raise ValidationException("'since' must be earlier than 'until'")
        where = InteractionFilter(app=app, model=model, since=utc(since), until=utc(until), before_id=cursor)
        rows = await services.interactions.list(where, limit + 1)
        page = rows[:limit]
        next_cursor = page[-1]["id"] if len(rows) > limit else None
        return {"data": [interaction_json(row) for row in page], "next_cursor": next_cursor}

    @get("/{interaction_id:str}", summary="One interaction and its feedback, by the gateway's or the upstream's id")
    async def get_interaction(self, services: Services, interaction_id: str) -> dict[str, Any]:
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
