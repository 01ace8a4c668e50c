"""The held-answer webhook announces whatever settles a held answer in time: a decision, a second opinion's first
decision, or a dismissal; each once, signed alike.

A dismissal before the hold's deadline settles the answer (the poll gives the fallback for good), and a held
task drawn for a second opinion is settled by its first reviewer's decision: neither was announced, so an app
waiting on the webhook heard nothing until it polled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta

import orjson
import pytest
from review_seed import Clock

from gateway.review.decision_webhook import DISMISSED_EVENT, EVENT, HeldDecisionWebhook
from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.held_poll import Fallback
from gateway.review.records import Outcome, Priority, Source
from gateway.review.service import ReviewService

SECRET = b"hook-secret"
HOLD = timedelta(minutes=30)
HELD = orjson.dumps({"id": "chatcmpl-held", "object": "chat.completion", "choices": []})


class Posts:
    """A Poster that records each body and its headers."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.sent.append((body, dict(headers)))
        return 204

    @property
    def notices(self) -> list[dict[str, object]]:
        return [orjson.loads(body) for body, _ in self.sent]


@pytest.fixture
def posts() -> Posts:
    return Posts()


def announced(reviews: ReviewService, posts: Posts, configured: Fallback = "refuse") -> HeldDecisionWebhook:
    hook = HeldDecisionWebhook("http://app.invalid/hook", SECRET, post=posts, fallback=configured)
    reviews.add_decision_listener(hook.on_decision)
    reviews.add_dismissal_listener(hook.on_dismissal)
    return hook


async def hold(reviews: ReviewService, clock: Clock, fallback: Fallback | None = None) -> str:
    """Open a task holding HELD, as the confidence gate does (with `fallback` kept); returns its id."""
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.30",
        priority=Priority.HIGH,
        interaction_ids=["i-held"],
        evidence={"threshold": 0.7, HELD_KEY: held_evidence(HELD, clock.now + HOLD, fallback)},
        tags=("held",),
    )
    assert opened is not None
    return opened.task.task.id


@pytest.mark.parametrize(("kept", "outcome"), [("refuse", "refused_unreviewed"), ("release", "released_unreviewed")])
async def test_a_dismissal_in_time_is_announced_with_the_fallback_the_poll_gives(reviews, clock, posts, kept, outcome):
    hook = announced(reviews, posts)
    task_id = await hold(reviews, clock, kept)
    clock.advance(minutes=5)

    await reviews.dismiss(task_id, "carol", note="nothing to judge")
    await hook.close()

    assert posts.notices == [
        {
            "event": DISMISSED_EVENT,
            "task_id": task_id,
            "app": "support-bot",
            "interaction_id": "i-held",
            "outcome": outcome,
            "decided_at": clock.now.isoformat(),
            "poll": f"/v1/reviews/{task_id}",
        }
    ]


async def test_a_dismissal_notice_is_signed_as_a_decision_notice_is(reviews, clock, posts):
    hook = announced(reviews, posts)
    task_id = await hold(reviews, clock)

    await reviews.dismiss(task_id, "carol")
    await hook.close()

    [(body, headers)] = posts.sent
    assert headers["webhook-id"] == task_id
    signed = f"{task_id}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(SECRET, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"


async def test_a_dismissal_after_the_deadline_is_not_announced(reviews, clock, posts):
    hook = announced(reviews, posts)
    task_id = await hold(reviews, clock)
    clock.advance(minutes=31)

    await reviews.dismiss(task_id, "carol")
    await hook.close()

    assert posts.sent == []


async def test_a_dismissal_after_a_decision_and_a_reopen_is_not_announced(reviews, clock, posts):
    hook = announced(reviews, posts)
    task_id = await hold(reviews, clock)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    await reviews.reopen(task_id, "carol")

    await reviews.dismiss(task_id, "carol")
    await hook.close()

    assert [(notice["event"], notice["outcome"]) for notice in posts.notices] == [(EVENT, "approve")]


async def test_the_first_decision_on_a_held_task_drawn_for_a_second_opinion_is_announced_once(
    double_checked, clock, posts
):
    hook = announced(double_checked, posts)
    task_id = await hold(double_checked, clock)
    clock.advance(minutes=10)

    await double_checked.decide(task_id, "alice", Outcome.APPROVE)  # settles the held answer; the task stays open
    await double_checked.decide(task_id, "bob", Outcome.REJECT, comment="too vague")
    await hook.close()

    assert [(notice["event"], notice["task_id"], notice["outcome"]) for notice in posts.notices] == [
        (EVENT, task_id, "approve")
    ]
