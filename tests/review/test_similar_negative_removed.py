"""The similar-negative rule after a prune or an erasure: the traffic index still holds the removed interactions'
vectors (it is in memory, in each process), but the rule neither counts them as neighbours nor names them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import OTHER_TOPICS, REFUNDS, give_feedback, store_questions, traffic_index

from gateway.privacy.retention import prune_before
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.store.recent_traffic import RecentTrafficStore

APP = "support-bot"
# Wide enough for the old interactions to be neighbours until they are pruned.
WINDOW = timedelta(days=60)
OLD = timedelta(days=40)
# Refund questions asked long ago: near neighbours of the recent refund complaints until they are pruned.
OLD_REFUNDS = [
    "I need a refund for the order I sent back",
    "Please give me my money back for this purchase",
    "When will the refund for my return be paid?",
    "How do I ask for a refund?",
    "My refund has not come through yet",
    "Can I have a refund for the faulty kettle?",
]


def rule_over(engine: AsyncEngine) -> SimilarNegativeRule:
    store = RecentTrafficStore(engine)
    return SimilarNegativeRule(
        traffic_index(engine, window=WINDOW), store.negative_among, SimilarNegativeSettings(), store.stored_among
    )


async def test_pruned_interactions_are_neither_counted_nor_named_by_a_later_finding(engine: AsyncEngine) -> None:
    old = await store_questions(engine, OLD_REFUNDS, APP, age=OLD)
    recent = await store_questions(engine, REFUNDS + OTHER_TOPICS, APP)
    await give_feedback(engine, recent[: len(REFUNDS)])
    rule = rule_over(engine)
    await rule._index.refresh(APP)
    before = await rule.evaluate(APP, recent[0])
    assert before is not None and set(old) & {n["interaction_id"] for n in before.evidence["neighbours"]}

    await prune_before(engine, datetime.now(UTC) - timedelta(days=30))
    finding = await rule.evaluate(APP, recent[0])

    assert finding is not None
    named = {n["interaction_id"] for n in finding.evidence["neighbours"]}
    assert not named & set(old)
    assert finding.evidence["considered"] == 10
