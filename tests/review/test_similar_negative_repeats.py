"""A complaint that adds nothing to the similar-negative task holding it records nothing (SQLite and PostgreSQL).

Seen in a walkthrough: each new thumbs-down on an answer the task already held wrote an "updated"
event and a `review.update` audit record naming 0 interactions (17 on one task): its evidence
named the complaint that set the rule off, which made every telling look new.
"""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import OTHER_TOPICS, REFUNDS, give_feedback, store_questions, traffic_index

from gateway.audit.verify import verify_chain
from gateway.config import Settings
from gateway.review.findings import open_finding
from gateway.review.service import review_service
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.recent_traffic import RecentTrafficStore

APP = "support-bot"


async def test_complaints_on_answers_the_task_holds_add_no_event_nor_audit_record(
    engine: AsyncEngine, database_url: str
) -> None:
    ids = await store_questions(engine, REFUNDS + OTHER_TOPICS, APP)
    refunds = ids[: len(REFUNDS)]
    await give_feedback(engine, refunds)
    index = traffic_index(engine)
    rule = SimilarNegativeRule(index, RecentTrafficStore(engine).negative_among, SimilarNegativeSettings())
    await index.refresh(APP)
    reviews = review_service(engine, Settings(database_url=database_url))

    written = []
    # Each refund complained about, then each again (another user's thumbs-down): the rule runs on every one.
    for complained in [*refunds, *refunds]:
        finding = await rule.evaluate(APP, complained)
        assert finding is not None
        written.append(await open_finding(reviews, finding))

    task_id = written[0].task.task.id
    task = await reviews.get(task_id)
    events = [e for e in task.events if e.kind in ("opened", "updated")]
    # Every updated event says something the one before did not: interactions added, or another count.
    for before, event in pairwise(events):
        assert event.detail["interactions_added"] > 0 or event.detail["reason"] != before.detail["reason"]
    # Of the 24 complaints, those that told the task's reason again without adding to it wrote nothing.
    assert sum(opened is not None for opened in written) == len(events) < len(written) // 2
    audit = AuditStore(engine)
    records = await audit.list(AuditFilter(subject_type="review_task", subject_id=task_id), 100)
    assert sorted(r.action for r in records) == sorted(
        {"opened": "review.open", "updated": "review.update"}[e.kind] for e in events
    )
    everything = [record for chunk in [c async for c in audit.chain()] for record in chunk]
    assert verify_chain(everything, await audit.head()).ok
