"""Rows about end users in every table that refers to an interaction, written straight to the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import uuid_utils
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DEFAULT_RECIPE, FeedbackItem, build_document
from clustering.embed import content_hash
from gateway.store.feedback import FeedbackStore
from gateway.store.folded_text import tag_key
from gateway.store.interactions import InteractionStore
from gateway.store.tables import (
    embeddings,
    feedback,
    fix_previews,
    interactions,
    issue_members,
    issues,
    reduction_points,
    review_events,
    review_task_interactions,
    review_task_tags,
    review_tasks,
)
from gateway.store.tables.discovery import feedback_map_points
from gateway.store.tables.traffic import feedback_token_uses

APP = "support-bot"


def new_id() -> str:
    return str(uuid_utils.uuid7())


@dataclass(frozen=True)
class Seeded:
    """One interaction with a negative feedback event, a member of an issue, in a review task and the cache."""

    interaction_id: str
    user: str
    question: str
    comment: str

    @property
    def cache_keys(self) -> set[str]:
        """The embedding-cache keys its texts make: the question, and its clustering document."""
        item = FeedbackItem(self.interaction_id, APP, self.question, comment=self.comment)
        return {content_hash(self.question), content_hash(build_document(item, DEFAULT_RECIPE))}


async def add_interaction(engine: AsyncEngine, user: str | None, question: str, created_at: datetime) -> str:
    interaction_id = new_id()
    await InteractionStore(engine).insert_many(
        [
            {
                "id": interaction_id,
                "created_at": created_at,
                "app": APP,
                "endpoint": "chat.completions",
                "upstream": "default",
                "model": "gpt-4o-mini",
                "stream": False,
                "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},
                "response_text": f"Echo: {question}",
                "status_code": 200,
                "partial": False,
                "end_user": user,
            }
        ]
    )
    return interaction_id


async def add_feedback(
    engine: AsyncEngine, interaction_id: str, user: str | None, comment: str, negative: bool = True
) -> None:
    await FeedbackStore(engine).append(
        {
            "id": new_id(),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": APP,
            "user_id": user,
            "thumbs": "down" if negative else "up",
            "comment": comment,
            "negative": negative,
            "submitted_via": "app",
        }
    )


async def add_issue(engine: AsyncEngine, member_ids: list[str], negative_count: int) -> str:
    issue_id = new_id()
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            insert(issues).values(
                id=issue_id,
                app=APP,
                title="cards",
                status="open",
                regressed=False,
                size=len(member_ids),
                negative_count=negative_count,
                created_at=now,
                updated_at=now,
                examples=[{"interaction_id": m, "text": f"example {m}"} for m in member_ids],
            )
        )
        await connection.execute(
            insert(issue_members), [{"issue_id": issue_id, "interaction_id": m} for m in member_ids]
        )
        await connection.execute(
            insert(fix_previews).values(
                id=new_id(),
                issue_id=issue_id,
                app=APP,
                kind="knowledge",
                candidate={},
                requested=len(member_ids),
                credential="none",
                created_by="test",
                created_at=now,
                items=[{"interaction_id": m, "original_answer": f"answer {m}"} for m in member_ids],
            )
        )
    return issue_id


async def add_task(engine: AsyncEngine, interaction_ids: list[str], issue_id: str | None = None) -> str:
    task_id = new_id()
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            insert(review_tasks).values(
                id=task_id,
                app=APP,
                source="flagged" if issue_id is None else "issue",
                reason="look",
                priority="high",
                status="open",
                deadline=now + timedelta(days=1),
                issue_id=issue_id,
                second_opinion=False,
                round=1,
                created_at=now,
                updated_at=now,
                evidence={"held_answer": {"body": "quoted answer"}},
            )
        )
        await connection.execute(
            insert(review_task_interactions),
            [{"interaction_id": i, "task_id": task_id, "added_at": now} for i in interaction_ids],
        )
        await connection.execute(insert(review_task_tags).values(task_id=task_id, tag=APP, tag_key=tag_key(APP)))
        await connection.execute(
            insert(review_events).values(task_id=task_id, created_at=now, actor="rule:flag", kind="opened", detail={})
        )
    return task_id


async def add_cache_and_points(engine: AsyncEngine, seeded: Seeded) -> None:
    vector = np.ones(4, dtype="<f4").tobytes()
    async with engine.begin() as connection:
        await connection.execute(
            insert(embeddings),
            [{"content_hash": k, "model": "m", "vector": vector, "dims": 4} for k in seeded.cache_keys],
        )
        await connection.execute(
            insert(feedback_map_points).values(app=APP, interaction_id=seeded.interaction_id, x=0.5, y=0.5)
        )
        await connection.execute(
            insert(feedback_token_uses).values(
                token_id=seeded.interaction_id[:40],
                interaction_id=seeded.interaction_id,
                submissions=1,
                last_submitted_at=datetime.now(UTC),
            )
        )
        await connection.execute(
            insert(reduction_points).values(
                app=APP,
                interaction_id=seeded.interaction_id,
                fingerprint="f",
                coordinates=np.zeros(2, dtype="<f4").tobytes(),
            )
        )


async def seed_complaint(engine: AsyncEngine, user: str, question: str, created_at: datetime) -> Seeded:
    """An interaction of `user` with their negative feedback, its kept UMAP point and its cache rows."""
    interaction_id = await add_interaction(engine, user, question, created_at)
    comment = f"{question} was answered wrong"
    await add_feedback(engine, interaction_id, user, comment)
    seeded = Seeded(interaction_id, user, question, comment)
    await add_cache_and_points(engine, seeded)
    return seeded


async def count_where(engine: AsyncEngine, column: Any, values: list[str] | set[str]) -> int:
    """Rows of `column`'s table whose `column` is one of `values`."""
    async with engine.connect() as connection:
        query = select(func.count()).select_from(column.table).where(column.in_(list(values)))
        return int(await connection.scalar(query) or 0)


async def rows_about(engine: AsyncEngine, seeded: Seeded) -> dict[str, int]:
    """How many rows of each table still refer to `seeded`'s interaction or texts."""
    ids = [seeded.interaction_id]
    return {
        "interactions": await count_where(engine, interactions.c.id, ids),
        "feedback": await count_where(engine, feedback.c.interaction_id, ids),
        "issue_members": await count_where(engine, issue_members.c.interaction_id, ids),
        "review_task_links": await count_where(engine, review_task_interactions.c.interaction_id, ids),
        "reduction_points": await count_where(engine, reduction_points.c.interaction_id, ids),
        "feedback_map_points": await count_where(engine, feedback_map_points.c.interaction_id, ids),
        "feedback_token_uses": await count_where(engine, feedback_token_uses.c.interaction_id, ids),
        "embeddings": await count_where(engine, embeddings.c.content_hash, seeded.cache_keys),
    }


async def issue_row(engine: AsyncEngine, issue_id: str) -> dict[str, Any]:
    async with engine.connect() as connection:
        return dict((await connection.execute(select(issues).where(issues.c.id == issue_id))).mappings().one())


async def preview_items(engine: AsyncEngine, issue_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        return (
            await connection.execute(select(fix_previews.c["items"]).where(fix_previews.c.issue_id == issue_id))
        ).scalar_one()
