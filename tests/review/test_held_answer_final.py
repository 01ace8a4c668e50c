"""A held answer's outcome, once the app can have seen it, is final: later decisions and reopens do not change it.

The first closing of the task (a decision, or a dismissal) settles the held answer when it came
before the hold's deadline; otherwise the deadline did, and the fallback stands. Read from the
task's stored events, so any gateway process (whatever its clock) answers the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

import orjson
import pytest
from review_seed import Clock
from sqlalchemy import event, update
from sqlalchemy.util.concurrency import await_

from gateway.proxy.credentials import CallerResolver
from gateway.review.decision_webhook import HeldDecisionWebhook
from gateway.review.held_answer import HELD_KEY, held_answer_of, held_evidence
from gateway.review.held_poll import Fallback, HeldAnswers, PollAnswer, hold_outcome
from gateway.review.records import Outcome, Priority, Source
from gateway.review.service import ReviewService
from gateway.store.tables import review_tasks

KEY = "sk-held"
AUTH = f"Bearer {KEY}"
HOLD = timedelta(minutes=30)
HELD = orjson.dumps(
    {
        "id": "chatcmpl-held",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fees are 5%."}, "finish_reason": "stop"}],
    }
)


async def _no_keys(_: str) -> None:
    return None


RESOLVER = CallerResolver(mode="passthrough", salt="held-final-salt", lookup_gateway_key=_no_keys)
APP = RESOLVER.fingerprint(KEY)


async def hold(reviews: ReviewService, clock: Clock, fallback: Fallback | None = None) -> str:
    """Open a task holding HELD for APP, as the confidence gate does (with `fallback` in force); returns its id."""
    opened = await reviews.open_or_update(
        app=APP,
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.30",
        priority=Priority.HIGH,
        interaction_ids=["i-held"],
        evidence={"threshold": 0.7, HELD_KEY: held_evidence(HELD, clock.now + HOLD, fallback)},
        tags=("held",),
    )
    assert opened is not None
    return opened.task.task.id


def answers(reviews: ReviewService, clock: Clock, fallback: Fallback) -> HeldAnswers:
    return HeldAnswers(reviews, RESOLVER, fallback, clock=clock)


def outcome(answer: PollAnswer) -> tuple[int, str]:
    return answer.status, answer.headers["x-feedgate-review-outcome"]


@pytest.mark.parametrize(
    ("held_under", "polled_under", "expected"),
    [
        ("refuse", "release", (422, "refused_unreviewed")),
        ("release", "refuse", (200, "released_unreviewed")),
    ],
)
async def test_the_fallback_is_the_one_in_force_when_the_answer_was_held(
    reviews, clock, held_under, polled_under, expected
):
    # A restart with another setting, or a process configured otherwise, must not change the answer.
    task_id = await hold(reviews, clock, held_under)
    clock.advance(minutes=31)

    answer = await answers(reviews, clock, polled_under).poll(task_id, AUTH)

    assert outcome(answer) == expected


async def test_a_released_answer_stays_released_after_a_late_reject(reviews, clock):
    task_id = await hold(reviews, clock)
    poll = answers(reviews, clock, "release")
    clock.advance(minutes=31)
    first = await poll.poll(task_id, AUTH)

    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")

    again = await poll.poll(task_id, AUTH)
    assert outcome(first) == outcome(again) == (200, "released_unreviewed")
    assert again.body == first.body == HELD


async def test_a_refused_answer_stays_refused_after_a_late_approval(reviews, clock):
    task_id = await hold(reviews, clock)
    poll = answers(reviews, clock, "refuse")
    clock.advance(minutes=31)
    first = await poll.poll(task_id, AUTH)

    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    again = await poll.poll(task_id, AUTH)
    assert outcome(first) == outcome(again) == (422, "refused_unreviewed")
    assert orjson.loads(again.body)["error"]["code"] == "review_timed_out"


async def test_a_late_decision_gives_the_fallback_even_to_a_process_whose_clock_is_behind(reviews, clock):
    task_id = await hold(reviews, clock)
    clock.advance(minutes=31)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    behind = HeldAnswers(reviews, RESOLVER, "refuse", clock=lambda: clock.now - timedelta(hours=1))

    assert outcome(await behind.poll(task_id, AUTH)) == (422, "refused_unreviewed")


async def test_a_decision_before_the_deadline_still_stands_after_it(reviews, clock):
    task_id = await hold(reviews, clock)
    clock.advance(minutes=10)
    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")
    clock.advance(hours=2)

    answer = await answers(reviews, clock, "release").poll(task_id, AUTH)

    assert outcome(answer) == (422, "reject")
    assert "wrong fee" in orjson.loads(answer.body)["error"]["message"]


async def test_a_rejected_answer_stays_rejected_through_a_reopen_and_an_approval(reviews, clock):
    task_id = await hold(reviews, clock)
    poll = answers(reviews, clock, "release")
    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")
    clock.advance(minutes=1)
    await reviews.reopen(task_id, "carol", note="second look")

    reopened = await poll.poll(task_id, AUTH)
    clock.advance(minutes=1)
    await reviews.decide(task_id, "bob", Outcome.APPROVE)
    approved = await poll.poll(task_id, AUTH)

    assert outcome(reopened) == outcome(approved) == (422, "reject")
    assert "wrong fee" in orjson.loads(approved.body)["error"]["message"]


async def test_an_approved_answer_stays_approved_through_a_reopen_and_a_reject(reviews, clock):
    task_id = await hold(reviews, clock)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    await reviews.reopen(task_id, "carol")
    await reviews.decide(task_id, "bob", Outcome.REJECT, comment="changed my mind")

    answer = await answers(reviews, clock, "refuse").poll(task_id, AUTH)

    assert outcome(answer) == (200, "approve") and answer.body == HELD


async def test_a_corrected_answer_keeps_the_first_correction_through_a_reopen(reviews, clock):
    task_id = await hold(reviews, clock)
    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction="Fees are 1%.")
    await reviews.reopen(task_id, "carol")
    await reviews.decide(task_id, "bob", Outcome.CORRECT, correction="Fees are 2%.")

    answer = await answers(reviews, clock, "refuse").poll(task_id, AUTH)

    assert outcome(answer) == (200, "correct")
    assert orjson.loads(answer.body)["choices"][0]["message"]["content"] == "Fees are 1%."


async def test_a_dismissal_before_the_deadline_gives_the_fallback_for_good(reviews, clock):
    task_id = await hold(reviews, clock)
    await reviews.dismiss(task_id, "carol", note="nothing to judge")
    poll = answers(reviews, clock, "refuse")
    first = await poll.poll(task_id, AUTH)
    await reviews.reopen(task_id, "carol")
    await reviews.decide(task_id, "bob", Outcome.APPROVE)

    again = await poll.poll(task_id, AUTH)

    assert outcome(first) == outcome(again) == (422, "refused_unreviewed")


async def test_the_first_reviewers_decision_in_time_settles_a_held_answer_drawn_for_a_second_opinion(
    double_checked, clock
):
    # The app waits now; the second opinion checks the first reviewer's work later (it used to keep the
    # app waiting past the deadline, and the fallback answered in place of an approval made in time).
    task_id = await hold(double_checked, clock)
    clock.advance(minutes=10)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)  # the first of two
    poll = answers(double_checked, clock, "refuse")
    first = await poll.poll(task_id, AUTH)
    clock.advance(minutes=25)

    await double_checked.decide(task_id, "bob", Outcome.REJECT, comment="too vague")

    assert outcome(first) == outcome(await poll.poll(task_id, AUTH)) == (200, "approve")


# -- the webhook --------------------------------------------------------------------------


class Posts:
    """A Poster that records what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.sent.append(orjson.loads(body))
        return 204


@pytest.fixture
def posts() -> Posts:
    return Posts()


async def announced(reviews: ReviewService, posts: Posts) -> HeldDecisionWebhook:
    hook = HeldDecisionWebhook("http://app.invalid/hook", b"secret", post=posts)
    reviews.add_decision_listener(hook.on_decision)
    return hook


async def test_a_decision_after_the_deadline_is_not_announced(reviews, clock, posts):
    hook = await announced(reviews, posts)
    task_id = await hold(reviews, clock)
    clock.advance(minutes=31)

    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")
    await hook.close()

    assert posts.sent == []


async def test_a_decision_after_a_reopen_is_not_announced(reviews, clock, posts):
    hook = await announced(reviews, posts)
    task_id = await hold(reviews, clock)
    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong fee")
    await reviews.reopen(task_id, "carol")

    await reviews.decide(task_id, "bob", Outcome.APPROVE)
    await hook.close()

    assert [(notice["task_id"], notice["outcome"]) for notice in posts.sent] == [(task_id, "reject")]


async def test_an_answer_rejected_by_resolving_with_a_fix_tells_the_app_no_internal_ids(reviews, clock):
    task_id = await hold(reviews, clock)
    note = "Resolved by knowledge-base entry 'Fees' (01a2411d-002c-7000-8000-000000000001, version 1)."
    await reviews.decide(task_id, "alice", Outcome.REJECT, comment=note)

    answer = await answers(reviews, clock, "refuse").poll(task_id, AUTH)

    assert outcome(answer) == (422, "reject")
    message = orjson.loads(answer.body)["error"]["message"]
    assert message == (
        "A reviewer rejected this answer: its cause is being fixed (a knowledge-base entry or a prompt version); "
        "ask again"
    )


async def said(reviews: ReviewService, task_id: str, now) -> str | None:
    """What the task page says the waiting app got."""
    detail = await reviews.get(task_id)
    held = held_answer_of(detail.task.evidence, detail.events)
    assert held is not None
    return hold_outcome(held, detail.events, now, "release")


async def test_while_the_app_waits_nothing_is_said_of_what_it_got(reviews, clock):
    task_id = await hold(reviews, clock, "refuse")

    assert await said(reviews, task_id, clock.now) is None


async def test_an_approval_in_time_is_said_to_have_released_the_answer(reviews, clock):
    task_id = await hold(reviews, clock, "refuse")
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    assert await said(reviews, task_id, clock.now) == "the held answer (approved in time)"


async def test_a_decision_after_the_hold_is_said_to_have_left_the_app_with_the_fallback_kept_with_it(reviews, clock):
    task_id = await hold(reviews, clock, "refuse")
    clock.advance(minutes=31)
    await reviews.decide(task_id, "bob", Outcome.APPROVE)  # too late to reach the app

    assert await said(reviews, task_id, clock.now) == (
        "a refusal, review_timed_out (the refuse fallback: no decision before the hold ended)"
    )


async def test_a_decision_kept_waiting_past_the_deadline_does_not_undo_the_fallback_a_poll_got(engine, reviews, clock):
    # The decision's time is when it is written (the task locked), not when it was asked for: a decision
    # waiting on the lock as the hold ends must not replace the refusal a poll already gave the app.
    task_id = await hold(reviews, clock)
    clock.advance(minutes=29, seconds=59)
    poll = answers(reviews, clock, "refuse")
    c = review_tasks.c
    async with engine.connect() as other:
        await other.execute(update(review_tasks).where(c.id == task_id).values(round=c.round))  # holds the lock
        deciding = asyncio.create_task(reviews.decide(task_id, "alice", Outcome.APPROVE))
        await asyncio.sleep(0.3)
        clock.advance(seconds=2)
        polling = asyncio.create_task(poll.poll(task_id, AUTH))  # past the deadline: waits for the lock too
        await asyncio.sleep(0.3)
        await other.commit()
    first = await polling
    await deciding

    again = await poll.poll(task_id, AUTH)
    assert outcome(first) == outcome(again) == (422, "refused_unreviewed")


async def test_a_poll_past_the_deadline_waits_for_a_decision_timed_before_it_that_is_still_committing(
    engine, reviews, clock
):
    # A decision takes its time under the task's lock, then writes and commits. A poll past the deadline
    # that read the task in between gave the fallback, and the next poll, the decision: two final answers.
    task_id = await hold(reviews, clock)
    clock.advance(minutes=29, seconds=59)
    poll = answers(reviews, clock, "refuse")
    timed, commit = asyncio.Event(), asyncio.Event()

    def pause_before_writing_the_decision(connection, cursor, statement, *rest) -> None:
        if statement.startswith("INSERT INTO review_decisions"):
            timed.set()
            await_(commit.wait())  # the decision is timed (before the deadline), not yet written

    event.listen(engine.sync_engine, "before_cursor_execute", pause_before_writing_the_decision)
    deciding = asyncio.create_task(reviews.decide(task_id, "alice", Outcome.APPROVE))
    await timed.wait()
    clock.advance(seconds=2)
    polling = asyncio.create_task(poll.poll(task_id, AUTH))
    await asyncio.sleep(0.3)
    commit.set()
    first = await polling
    await deciding

    again = await poll.poll(task_id, AUTH)
    assert outcome(first) == outcome(again) == (200, "approve")
