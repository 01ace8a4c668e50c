"""Review tasks as the rules and the review service write them, over end users' complaints, and as the API shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from privacy_seed import APP, add_interaction, add_issue, new_id
from sqlalchemy import update

from gateway.api.review_json import task_detail_json
from gateway.domain.issues import IssueService
from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.issue_rule import IssueRule, apply_issue_rule
from gateway.review.levels import ServiceLevels
from gateway.review.records import Priority, Source, SuggestedAction
from gateway.review.service import ReviewService
from gateway.review.similar_negative import JudgedNeighbour, SimilarNegativeSettings, judge_similar_negative
from gateway.store.feedback import FeedbackStore
from gateway.store.issues import IssueStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore
from gateway.store.tables import issues

WHEN = datetime.now(UTC) - timedelta(hours=1)
LEVELS = ServiceLevels(
    deadlines={p: timedelta(hours=24) for p in Priority}, lease=timedelta(minutes=30), second_opinion_share=0.0
)


def reviews(engine) -> ReviewService:
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), LEVELS)


class User:
    """One end user's interaction, with their complaint: a comment and (optionally) a correction."""

    def __init__(self, name: str, interaction_id: str, *, corrects: bool = True) -> None:
        self.name = name
        self.interaction_id = interaction_id
        self.question = f"QUESTION-OF-{name}"
        self.comment = f"COMMENT-OF-{name}"
        self.correction = f"CORRECTION-OF-{name}" if corrects else None

    @property
    def texts(self) -> dict[str, str]:
        texts = {"question": self.question, "comment": self.comment, "id": self.interaction_id}
        if self.correction:
            texts["correction"] = self.correction
        return texts


async def complaining(engine, name: str, *, corrects: bool = True, created_at: datetime = WHEN) -> User:
    user = User(name, "", corrects=corrects)
    user.interaction_id = await add_interaction(engine, name, user.question, created_at)
    await FeedbackStore(engine).append(
        {
            "id": new_id(),
            "interaction_id": user.interaction_id,
            "created_at": datetime.now(UTC),
            "app": APP,
            "user_id": name,
            "thumbs": "down",
            "comment": user.comment,
            "correction": user.correction,
            "negative": True,
            "submitted_via": "app",
        }
    )
    return user


async def shown(engine, task_id: str) -> str:
    """The task as GET /api/reviews/{id} renders it: evidence, suggested action, events and all."""
    return orjson.dumps(task_detail_json(await reviews(engine).get(task_id))).decode()


async def issue_task(engine, *users: User) -> str:
    """The issue rule's task for an issue of these users' complaints, its examples quoting their questions."""
    ids = [u.interaction_id for u in users]
    issue_id = await add_issue(engine, ids, negative_count=len(users))
    async with engine.begin() as connection:
        examples = [{"interaction_id": u.interaction_id, "text": f"{u.question} {u.comment}"} for u in users]
        await connection.execute(update(issues).where(issues.c.id == issue_id).values(examples=examples))
    rule = IssueRule(min_size=2, growth=100, growth_share=10.0)
    assert await apply_issue_rule(reviews(engine), IssueService(IssueStore(engine)), rule, APP, "run-1") == 1
    return (await reviews(engine).task_holding(ids[0])) or ""


async def similar_negative_task(engine, subject: User, *neighbours: User) -> str:
    """The similar-negative rule's task for `subject`'s complaint, its negative neighbours being the others."""
    judged = [JudgedNeighbour(u.interaction_id, 0.9, True) for u in neighbours]
    for n in range(10 - len(judged)):
        content = await add_interaction(engine, f"content-{n}", f"a question answered well {n}", WHEN)
        judged.append(JudgedNeighbour(content, 0.5, False))
    finding = judge_similar_negative(APP, subject.interaction_id, judged, SimilarNegativeSettings())
    assert finding is not None
    opened = await reviews(engine).open_or_update(
        app=APP,
        source=finding.source,
        reason=finding.reason,
        priority=finding.priority,
        interaction_ids=finding.interaction_ids,
        evidence=finding.evidence,
    )
    assert opened is not None
    return opened.task.task.id


async def held_task(engine, held: User, later: User) -> str:
    """A held answer to `held`'s question, the task later joined by `later`'s interaction (a rule's update)."""
    body = orjson.dumps({"choices": [{"message": {"content": f"HELD-ANSWER-FOR-{held.name}"}}]})
    evidence = {"confidence": None, "threshold": 0.5, "mode": "hold", "flagged": True}
    opened = await reviews(engine).open_or_update(
        app=APP,
        source=Source.FLAGGED,
        reason="Flagged",
        priority=Priority.HIGH,
        interaction_ids=(held.interaction_id,),
        evidence={**evidence, HELD_KEY: held_evidence(body, datetime.now(UTC) + timedelta(minutes=5))},
        suggested_action=SuggestedAction.from_json({"kind": "revise_prompt_instructions"}),
    )
    assert opened is not None
    await reviews(engine).open_or_update(
        app=APP,
        source=Source.MANUAL,
        reason="Same answer given to another user",
        priority=Priority.HIGH,
        interaction_ids=(held.interaction_id, later.interaction_id),
        evidence={"note": "see both"},
        actor="carol",
    )
    return opened.task.task.id


def quoted(blob: str, user: User) -> dict[str, bool]:
    return {kind: text in blob for kind, text in user.texts.items()}
