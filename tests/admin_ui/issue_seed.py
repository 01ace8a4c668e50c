"""An issue whose example is a stored interaction with negative feedback, scripts in every text, for the issue page tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils
from overview_seed import interaction, issue_runs
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.tables import issue_members, issues

SCRIPT = "<script>alert('x')</script>"


async def issue_with_examples(engine: AsyncEngine, app: str = "shop") -> str:
    """An issue of `app` whose one example is a stored interaction with a negative comment and correction (scripts in both)."""
    row = interaction(datetime.now(UTC) - timedelta(hours=2), app, question=f"Where is my refund? {SCRIPT}")
    row["response_text"] = f"Refunds take 90 days. {SCRIPT}"
    await InteractionStore(engine).insert_many([row])
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": row["id"],
            "created_at": row["created_at"] + timedelta(seconds=5),
            "app": app,
            "user_id": "u1",
            "thumbs": "down",
            "negative": True,
            "submitted_via": "app",
            "comment": f"Wrong! {SCRIPT}",
            "correction": "Refunds take 5 days.",
        }
    )
    issue_id = await issue_runs(engine, app, f"Refund delays {SCRIPT}", [2, 4])
    # Point the issue's example at the stored interaction, as a clustering run would.
    async with engine.begin() as connection:
        await connection.execute(
            update(issues)
            .where(issues.c.id == issue_id)
            .values(examples=[{"interaction_id": row["id"], "text": "refund"}])
        )
        await connection.execute(issue_members.insert().values(issue_id=issue_id, interaction_id=row["id"]))
    return issue_id


def status_events(detail) -> list[dict]:
    """The details of an issue's status events, oldest first."""
    return [change.detail for change in detail.changes if change.kind == "status"]
