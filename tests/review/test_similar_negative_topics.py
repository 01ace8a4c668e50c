"""Two topics complained about in one small app get a similar-negative task each, not one task holding both.

The rule counts a complaint's 10 nearest recent answers down to cosine 0.3, which in one app's domain reaches other
topics: a close-account question's nearest were transfer-fee questions mentioning an account, at 0.30-0.35. Each
finding named all its negative neighbours, and an open task holding any of them took the finding, so the first
close-account complaint joined the transfer-fee task and every later one followed: one task of 28 interactions,
which the issue rule then gave to the fee issue, leaving the close-account issue no task of its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import give_feedback, store_questions, traffic_index

from gateway.config import Settings
from gateway.review.findings import open_finding
from gateway.review.records import Source
from gateway.review.service import review_service
from gateway.review.similar_negative import SimilarNegativeRule, SimilarNegativeSettings
from gateway.store.recent_traffic import RecentTrafficStore
from gateway.store.reviews import ReviewFilter

APP = "bank-bot"
FEE = [
    "What is the transfer fee?",
    "Is there a transfer fee on my account?",
    "How much is the transfer fee for sending money abroad?",
    "Do you charge a transfer fee?",
    "What's the transfer fee on my account?",
    "transfer fee for sending money from my account?",
    "What transfer fee do I pay on my bank account?",
    "How high is the transfer fee",
    "transfer fee for SEPA payments?",
    "Tell me the transfer fee please",
    "What is the transfer fee for my savings account?",
    "Is the transfer fee the same for every country?",
    "What transfer fee applies to a 500 euro payment?",
    "Why did I pay a transfer fee?",
]
CLOSE_ACCOUNT = [
    "How do I close my account?",
    "I want to close my account",
    "close my account please",
    "How can I cancel my account?",
    "Please delete my account",
    "How do I close my bank account?",
    "Can you close my account?",
    "Where do I close my account in the app?",
    "Help me close my account today",
    "I want to cancel my account and get my money out",
    "How do I delete my account for good?",
    "Close my account, I am moving banks",
    "What do I do to close my account?",
    "Steps to cancel my account?",
]


@pytest.mark.parametrize("order", ["one topic, then the other", "the two topics in turn"])
async def test_each_topic_gets_its_own_similar_negative_task(engine: AsyncEngine, database_url: str, order: str):
    asked = [("fee", q) for q in FEE] + [("close", q) for q in CLOSE_ACCOUNT]
    if order == "the two topics in turn":
        asked = [pair for pairs in zip(asked[:14], asked[14:], strict=True) for pair in pairs]
    index = traffic_index(engine)
    traffic = RecentTrafficStore(engine)
    rule = SimilarNegativeRule(index, traffic.negative_among, SimilarNegativeSettings(), traffic.stored_among)
    reviews = review_service(engine, Settings(database_url=database_url))
    topic_of = {}
    # As the README's first hour has it: ask, get a wrong answer, thumbs it down; the rule judges each complaint.
    for topic, question in asked:
        [interaction_id] = await store_questions(engine, [question], APP)
        topic_of[interaction_id] = topic
        await give_feedback(engine, [interaction_id], app=APP)
        await index.refresh(APP)
        finding = await rule.evaluate(APP, interaction_id)
        if finding is not None:
            await open_finding(reviews, finding)

    tasks = (await reviews.list(ReviewFilter(app=APP, source=Source.SIMILAR_NEGATIVE.value), "queue", 10)).data
    held = [{topic_of[i] for i in (await reviews.get(task.id)).interaction_ids} for task in tasks]

    assert sorted(held, key=sorted) == [{"close"}, {"fee"}]
