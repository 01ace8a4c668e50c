"""Issues whose title, summary and keywords come from end users' words, with the review task the issue rule opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from privacy_seed import APP, add_interaction, add_issue, add_task, issue_row, new_id
from review_copies_seed import User, reviews, shown
from sqlalchemy import update

from clustering.label import title_from_keywords
from gateway.domain.issues import IssueService
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.store.feedback import FeedbackStore
from gateway.store.issues import IssueStore
from gateway.store.tables import issues

WHEN = datetime.now(UTC) - timedelta(hours=1)
# alice's words no one else uses: a card number and a street.
ALICE_QUESTION = "my card 4111 was charged twice at the Elm Street branch"
ALICE_COMMENT = "charged twice, refund the 4111 card"
ALICE_ONLY = ("4111", "elm")
BOB_QUESTION = "my card was charged twice"
BOB_COMMENT = "double charge on my card"
# c-TF-IDF keywords of an issue of alice's and bob's complaints: shared words, and words of one of them.
KEYWORDS = ["card", "charged twice", "4111", "elm street", "double charge"]
KEPT_KEYWORDS = ["card", "charged twice", "double charge"]


async def complaint(
    engine: Any, user: str, question: str, comment: str, *, correction: str | None = None, created_at: datetime = WHEN
) -> str:
    """An interaction of `user` with their negative feedback; its id."""
    interaction_id = await add_interaction(engine, user, question, created_at)
    await give_feedback(engine, interaction_id, user, comment, correction=correction)
    return interaction_id


async def give_feedback(
    engine: Any,
    interaction_id: str,
    user: str,
    comment: str,
    *,
    correction: str | None = None,
    negative: bool = True,
    created_at: datetime | None = None,
) -> None:
    await FeedbackStore(engine).append(
        {
            "id": new_id(),
            "interaction_id": interaction_id,
            "created_at": created_at or datetime.now(UTC),
            "app": APP,
            "user_id": user,
            "thumbs": "down" if negative else "up",
            "comment": comment,
            "correction": correction,
            "negative": negative,
            "submitted_via": "app",
        }
    )


async def alice_and_bob(engine: Any, *, alice_at: datetime = WHEN) -> tuple[str, str]:
    """alice's and bob's complaints about a double charge; their interaction ids."""
    alice = await complaint(engine, "alice", ALICE_QUESTION, ALICE_COMMENT, created_at=alice_at)
    bob = await complaint(engine, "bob", BOB_QUESTION, BOB_COMMENT)
    return alice, bob


async def issue_of(
    engine: Any,
    member_ids: list[str],
    keywords: list[str],
    *,
    title: str | None = None,
    summary: str | None = None,
) -> str:
    """An issue of these members as a clustering pass writes it: keywords, their title (or `title`), a centroid."""
    issue_id = await add_issue(engine, member_ids, negative_count=len(member_ids))
    async with engine.begin() as connection:
        await connection.execute(
            update(issues)
            .where(issues.c.id == issue_id)
            .values(
                keywords=keywords,
                title=title or title_from_keywords(keywords),
                summary=summary,
                centroid=np.ones(4, dtype="<f4").tobytes(),
                admission_similarity=0.8,
            )
        )
    return issue_id


async def issue_task_for(engine: Any, holding: str) -> str:
    """The issue rule's task for every issue of the app big enough (one complaint is enough); the one holding `holding`."""
    rule = IssueRule(min_size=1, growth=100, growth_share=10.0)
    assert await apply_issue_rule(reviews(engine), IssueService(IssueStore(engine)), rule, APP, "run-1") >= 1
    task_id = await reviews(engine).task_holding(holding)
    assert task_id is not None
    return task_id


async def issue_texts(engine: Any, issue_id: str) -> dict[str, Any]:
    """The issue's title, summary, keywords and centroid."""
    row = await issue_row(engine, issue_id)
    return {key: row[key] for key in ("title", "summary", "keywords", "centroid", "admission_similarity")}


async def task_blob(engine: Any, task_id: str) -> str:
    """The task as the API shows it (reason, tags, evidence, events...), lower-cased."""
    return (await shown(engine, task_id)).lower()


# A word of alice's, not the same characters inside an id or a timestamp ("…T10:02:03.411127Z").
ALICE_WORD = re.compile(r"(?<![0-9a-z-])(" + "|".join(map(re.escape, ALICE_ONLY)) + r")(?![0-9a-z-])")


def holds_alices_words(text: str) -> bool:
    """Whether `text` quotes a word only alice wrote."""
    return ALICE_WORD.search(text.lower()) is not None


async def issue_task_quoting(engine: Any, held_elsewhere: User, other: User) -> str:
    """The issue rule's task for an issue of both users' complaints, `held_elsewhere`'s held by a closed flagged task."""
    flagged = await add_task(engine, [held_elsewhere.interaction_id])
    await reviews(engine).dismiss(flagged, "carol")
    issue_id = await add_issue(engine, [held_elsewhere.interaction_id, other.interaction_id], negative_count=2)
    examples = [
        {"interaction_id": u.interaction_id, "text": f"{u.question} {u.comment}"} for u in (held_elsewhere, other)
    ]
    async with engine.begin() as connection:
        await connection.execute(update(issues).where(issues.c.id == issue_id).values(examples=examples))
    rule = IssueRule(min_size=2, growth=100, growth_share=10.0)
    assert await apply_issue_rule(reviews(engine), IssueService(IssueStore(engine)), rule, APP, "run-1") == 1
    task_id = await reviews(engine).task_holding(other.interaction_id)
    assert task_id is not None
    return task_id
