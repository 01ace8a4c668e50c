"""Writing interactions, feedback and issues straight into a store, for effect tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

APP = "support-bot"
REFUND = [
    "How do I get a refund for my order?",
    "I want my money back for the broken blender",
    "Where is the refund for my returned shoes?",
    "Can I get a refund on my cancelled order?",
    "When will my refund be paid into my account?",
    "I returned the item, how long until I am refunded?",
]
PASSWORD = [
    "I forgot my password, how do I reset it?",
    "How can I change my login password?",
    "My password reset link expired",
    "I am locked out and need a new password",
]
UNRELATED = [
    "What is the weather going to be like in Paris tomorrow?",
    "Write me a short poem about autumn leaves",
    "Which football team won the league last season?",
]


def interaction(question: str, at: datetime, app: str = APP, policies: Any = None) -> dict[str, Any]:
    """An interaction row asking `question` at `at`."""
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-test",
        "stream": False,
        "partial": False,
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
        "response_text": "Here is some help.",
        "policies": policies,
    }


async def seed_traffic(
    engine: AsyncEngine,
    questions: list[str],
    since: datetime,
    until: datetime,
    total: int,
    negative: int,
    positive: int,
    policies: Any = None,
    app: str = APP,
) -> list[str]:
    """`total` interactions cycling through `questions`, spread over [since, until): the first `negative`
    get a thumbs-down, the next `positive` a thumbs-up, the rest no feedback. Returns their ids."""
    step = (until - since) / total
    rows = [interaction(questions[n % len(questions)], since + step * n, app, policies) for n in range(total)]
    await InteractionStore(engine).insert_many(rows)
    store = FeedbackStore(engine)
    for n, row in enumerate(rows[: negative + positive]):
        await store.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": row["id"],
                "created_at": row["created_at"] + timedelta(minutes=1),
                "app": app,
                "user_id": "user-1",
                "thumbs": "down" if n < negative else "up",
                "negative": n < negative,
                "submitted_via": "app",
            }
        )
    return [row["id"] for row in rows]


async def make_issue(
    engine: AsyncEngine, member_ids: list[str], title: str, status: IssueStatus = IssueStatus.OPEN, app: str = APP
) -> str:
    """An issue of `app` holding `member_ids`, stored as a clustering run would store it; its id."""
    issue_id = str(uuid_utils.uuid7())
    now = datetime.now(UTC)
    write = IssueWrite(
        id=issue_id,
        is_new=True,
        title=title,
        summary=None,
        keywords=[],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(member_ids),
        negative_count=len(member_ids),
        centroid=np.zeros(4, dtype=np.float32),
        examples=[{"interaction_id": member_ids[0], "text": title}],
        first_seen=now,
        last_seen=now,
        member_ids=member_ids,
    )
    run = RunRecord(
        id=str(uuid_utils.uuid7()),
        app=app,
        started_at=now,
        finished_at=now,
        items=len(member_ids),
        noise=0,
        issues=[write],
    )
    store = IssueStore(engine)
    await store.save_run(run)
    if status != IssueStatus.NEW:
        await IssueEditStore(engine).set_status(issue_id, status)
    return issue_id
