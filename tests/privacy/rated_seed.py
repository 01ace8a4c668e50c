"""The trial's case: an end user who only complained about other users' answers, and the issue made of it.

Thirty visitors ask about the walrus show; `victim3` gives every third answer a thumbs-down with the
same comment, so the issue of those ten complaints, its examples (clustering documents: comment and
question), its fix preview and its review task all quote the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
from issue_text_seed import give_feedback
from privacy_seed import APP, add_interaction, add_issue, issue_row, preview_items
from review_copies_seed import reviews
from sqlalchemy import func, select, update

from gateway.domain.issues import IssueService
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.store.issues import IssueStore
from gateway.store.tables import fix_previews, issue_members, issues, reduction_points
from gateway.store.tables.discovery import feedback_map_points

WHEN = datetime.now(UTC) - timedelta(hours=1)
VICTIM = "victim3"
QUESTION = "Is the walrus show on today?"
COMMENT = "walrus tank leaking everywhere"
CORRECTION = "the walrus tank is closed for repairs"
# Words only the victim's comment and correction hold (the visitors' questions hold "walrus" and "today").
VICTIM_WORDS = ("leaking", "tank", "repairs")
KEYWORDS = ["walrus", "today", "leaking", "tank"]
TITLE = "Walrus today, leaking, tank"


@dataclass(frozen=True)
class Rated:
    """The visitors' interactions, the ten the victim complained about, and the issue and task made of them."""

    visitors: list[str]
    rated: list[str]
    issue_id: str
    task_id: str


async def walrus_issue(engine: Any, *, bob_on: int | None = None, correction: str | None = None) -> Rated:
    """The trial's data; `bob_on`: which of the rated interactions bob complains about too."""
    visitors = [await add_interaction(engine, f"visitor{n}", QUESTION, WHEN) for n in range(30)]
    rated = visitors[::3]
    for interaction_id in rated:
        await give_feedback(engine, interaction_id, VICTIM, COMMENT, correction=correction)
    if bob_on is not None:
        await give_feedback(engine, rated[bob_on], "bob", "the show times are wrong")
    issue_id = await add_issue(engine, rated, negative_count=len(rated))
    document = f"{COMMENT}\n{QUESTION}"
    examples = [{"interaction_id": i, "text": document} for i in rated[:3]]
    items = [
        {"interaction_id": i, "question": QUESTION, "original_answer": f"Echo: {QUESTION}", "correction": correction}
        for i in rated
    ]
    async with engine.begin() as connection:
        await connection.execute(
            update(issues).where(issues.c.id == issue_id).values(examples=examples, keywords=KEYWORDS, title=TITLE)
        )
        await connection.execute(update(fix_previews).where(fix_previews.c.issue_id == issue_id).values(items=items))
        await connection.execute(
            feedback_map_points.insert(), [{"app": APP, "interaction_id": i, "x": 0.5, "y": 0.5} for i in rated]
        )
        coordinates = np.zeros(2, dtype="<f4").tobytes()
        await connection.execute(
            reduction_points.insert(),
            [{"app": APP, "interaction_id": i, "fingerprint": "f", "coordinates": coordinates} for i in rated],
        )
    rule = IssueRule(min_size=1, growth=100, growth_share=10.0)
    assert await apply_issue_rule(reviews(engine), IssueService(IssueStore(engine)), rule, APP, "run-1") == 1
    task_id = await reviews(engine).task_holding(rated[0])
    assert task_id is not None
    return Rated(visitors, rated, issue_id, task_id)


async def task_copies(engine: Any, task_id: str) -> dict[str, str]:
    """The task's evidence, suggested action and opened event's detail, each as lower-cased JSON."""
    detail = await reviews(engine).get(task_id)
    opened = [e.detail for e in detail.events if e.kind == "opened"]
    action = detail.task.suggested_action
    return {
        "evidence": orjson.dumps(detail.task.evidence).decode().lower(),
        "suggested_action": orjson.dumps(action.as_json() if action else None).decode().lower(),
        "opened": orjson.dumps(opened).decode().lower(),
    }


def holds_victim_words(text: str) -> bool:
    return any(word in text.lower() for word in VICTIM_WORDS)


async def examples_text(engine: Any, issue_id: str) -> str:
    return orjson.dumps((await issue_row(engine, issue_id))["examples"]).decode().lower()


async def preview_text(engine: Any, issue_id: str) -> str:
    return orjson.dumps(await preview_items(engine, issue_id)).decode().lower()


async def members_of(engine: Any, issue_id: str) -> set[str]:
    async with engine.connect() as connection:
        query = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == issue_id)
        return set((await connection.execute(query)).scalars())


async def points_of(engine: Any, interaction_ids: list[str]) -> dict[str, int]:
    """How many issue-map points and kept UMAP points these interactions have."""
    found = {}
    async with engine.connect() as connection:
        for table in (feedback_map_points, reduction_points):
            query = select(func.count()).where(table.c.interaction_id.in_(interaction_ids))
            found[table.name] = int(await connection.scalar(query) or 0)
    return found
