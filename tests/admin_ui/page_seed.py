"""Data for the review and interaction page tests: interactions, feedback and issues stored through the stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import uuid_utils
from interaction_rows import interaction_row as stored_interaction_row

from clustering.issue_status import IssueStatus
from gateway.app import FeedgateApp
from gateway.review.held_answer import HELD_KEY, HELD_TAG, held_evidence
from gateway.review.records import Priority, Source
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore

APP = "support-bot"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def interaction_row(question: str, answer: str, *, app: str = APP, **columns: Any) -> dict[str, Any]:
    """An answered chat interaction row, as the recorder would store it."""
    return stored_interaction_row(app, question=question, answer=answer, **{"latency_ms": 420.0, **columns})


async def store(gateway: FeedgateApp, *rows: dict[str, Any]) -> list[str]:
    """Insert `rows` through the interaction store; their ids."""
    await gateway.services.interactions.insert_many(list(rows))
    return [row["id"] for row in rows]


async def feedback(
    gateway: FeedgateApp,
    interaction_id: str,
    *,
    negative: bool = True,
    comment: str | None = None,
    correction: str | None = None,
    user_id: str | None = "user-1",
    app: str = APP,
    voter: str | None = None,
    choice: int = 0,
) -> None:
    """One feedback event through the feedback store (`voter`: a token's, when the answer named no end user;
    `choice`: the index of the answer's choice it judges)."""
    await gateway.services.feedback_store.append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC) + timedelta(seconds=1),
            "app": app,
            "user_id": user_id,
            "thumbs": "down" if negative else "up",
            "comment": comment,
            "correction": correction,
            "negative": negative,
            "submitted_via": "token" if voter else "app",
            "voter": voter,
            "choice": choice,
        }
    )


async def issue(gateway: FeedgateApp, member_ids: list[str], title: str = "fees", app: str = APP) -> str:
    """An issue holding `member_ids`, stored as a clustering pass stores one; its id."""
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
    await IssueStore(gateway.services.engine).save_run(run)
    return issue_id


async def task(
    gateway: FeedgateApp,
    interaction_ids: list[str],
    *,
    reason: str = "Check these answers",
    priority: Priority = Priority.MEDIUM,
    tags: tuple[str, ...] = (),
    issue_id: str | None = None,
    app: str = APP,
) -> str:
    """A manual review task over stored interactions; its id."""
    opened = await gateway.services.reviews.open_manual(
        app=app,
        reason=reason,
        priority=priority,
        interaction_ids=interaction_ids,
        issue_id=issue_id,
        tags=list(tags),
        evidence={"why": reason},
        actor="test",
    )
    return opened.task.task.id


async def held_task(gateway: FeedgateApp, interaction_id: str, hold_until: datetime, *, app: str = APP) -> str:
    """A task holding an answer as the confidence gate holds one (its app waits until `hold_until`); its id."""
    held = held_evidence(b'{"object": "chat.completion", "choices": []}', hold_until, "refuse")
    evidence = {"confidence": None, "threshold": 0.7, "mode": "hold", "flagged": False, HELD_KEY: held}
    opened = await gateway.services.reviews.open_or_update(
        app=app,
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.41",
        priority=Priority.HIGH,
        interaction_ids=[interaction_id],
        evidence=evidence,
        tags=(HELD_TAG,),
    )
    assert opened is not None
    return opened.task.task.id
