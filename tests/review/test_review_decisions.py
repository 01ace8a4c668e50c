"""Decisions: validated, by a named reviewer, resolving the task — or, for a second-opinion task, after two reviewers."""

from __future__ import annotations

import pytest
from review_seed import open_task

from gateway.domain.errors import InvalidQuery
from gateway.review.decision_listeners import DecisionMade
from gateway.review.errors import TaskConflict, TaskNotFound
from gateway.review.records import Outcome, Priority, Status
from gateway.store.audit import AuditFilter, AuditStore


async def test_a_decision_resolves_the_task_with_its_outcome(engine, reviews, clock):
    task_id = await open_task(engine, reviews)

    decided = await reviews.decide(task_id, "alice", Outcome.CORRECT, correction="The fee is 1%.", comment="old price")

    assert (decided.task.status, decided.task.outcome, decided.task.closed_at) == (
        Status.RESOLVED,
        Outcome.CORRECT,
        clock.now,
    )
    [decision] = decided.decisions
    assert (decision.reviewer, decision.correction, decision.comment) == ("alice", "The fee is 1%.", "old price")
    assert decided.events[-1].kind == "decided"


async def test_correct_needs_the_corrected_answer(engine, reviews):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery) as refused:
        await reviews.decide(task_id, "alice", Outcome.CORRECT, correction="  ")

    assert refused.value.field == "correction"
    assert (await reviews.get(task_id)).task.status is Status.OPEN


@pytest.mark.parametrize("blank", ["\u3000", "\u200b", "\u200b \ufeff"])
async def test_correct_with_a_correction_that_says_nothing_is_refused(engine, reviews, blank):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery) as refused:
        await reviews.decide(task_id, "alice", Outcome.CORRECT, correction=blank)

    assert refused.value.field == "correction"
    assert (await reviews.get(task_id)).task.status is Status.OPEN


async def test_a_correction_goes_with_outcome_correct_only(engine, reviews):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery, match="outcome 'correct' only"):
        await reviews.decide(task_id, "alice", Outcome.APPROVE, correction="The fee is 1%.")


async def test_a_decision_needs_a_named_reviewer(engine, reviews):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery) as refused:
        await reviews.decide(task_id, " ", Outcome.APPROVE)

    assert refused.value.field == "reviewer"


async def test_a_resolved_task_cannot_be_decided_again(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    with pytest.raises(TaskConflict, match="is resolved"):
        await reviews.decide(task_id, "bob", Outcome.REJECT)


async def test_an_unknown_task_is_not_found(reviews):
    with pytest.raises(TaskNotFound):
        await reviews.decide("no-such-task", "alice", Outcome.APPROVE)


async def test_a_second_opinion_task_stays_open_after_the_first_decision(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.claim(task_id, "alice")

    first = await double_checked.decide(task_id, "alice", Outcome.APPROVE)

    assert first.task.second_opinion is True
    assert (first.task.status, first.task.lease, first.task.outcome) == (Status.OPEN, None, None)
    assert first.events[-1].detail["awaiting_second_reviewer"] is True


async def test_the_first_reviewer_cannot_give_the_second_opinion(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)

    with pytest.raises(TaskConflict, match="different reviewer"):
        await double_checked.decide(task_id, "alice", Outcome.APPROVE)
    with pytest.raises(TaskConflict, match="different reviewer"):
        await double_checked.claim(task_id, "alice")


async def test_the_first_reviewer_in_other_case_is_no_second_opinion(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)

    with pytest.raises(TaskConflict, match="different reviewer"):
        await double_checked.decide(task_id, "ALICE", Outcome.APPROVE)


async def test_a_second_reviewer_resolves_the_task_and_their_agreement_is_recorded(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)

    second = await double_checked.decide(task_id, "bob", Outcome.REJECT)

    assert (second.task.status, second.task.outcome) == (Status.RESOLVED, Outcome.REJECT)
    assert [d.reviewer for d in second.decisions] == ["alice", "bob"]
    assert second.events[-1].detail["agreed"] is False


async def test_a_reviewer_may_ask_for_a_second_opinion_before_anyone_decides(engine, reviews):
    task_id = await open_task(engine, reviews)

    asked = await reviews.ask_second_opinion(task_id, "rita", note="A refund policy question")
    first = await reviews.decide(task_id, "alice", Outcome.APPROVE)
    second = await reviews.decide(task_id, "bob", Outcome.APPROVE)

    assert asked.task.second_opinion is True
    assert (asked.events[-1].kind, asked.events[-1].detail) == (
        "second_opinion_asked",
        {"note": "A refund policy question"},
    )
    assert (first.task.status, first.events[-1].detail["awaiting_second_reviewer"]) == (Status.OPEN, True)
    assert (second.task.status, second.events[-1].detail["agreed"]) == (Status.RESOLVED, True)
    [record] = await AuditStore(engine).list(AuditFilter(subject_id=task_id, action="review.second_opinion"), 10)
    assert record.actor == "rita"


async def test_asking_again_for_a_second_opinion_changes_nothing(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    before = await double_checked.get(task_id)

    after = await double_checked.ask_second_opinion(task_id, "rita")

    assert [event.kind for event in after.events] == [event.kind for event in before.events]


async def test_a_finished_task_needs_no_second_opinion(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    with pytest.raises(TaskConflict, match="reopen it first"):
        await reviews.ask_second_opinion(task_id, "rita")


async def test_every_decision_is_in_the_audit_log(engine, double_checked):
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE, comment="fine")
    await double_checked.decide(task_id, "bob", Outcome.CORRECT, correction="The fee is 1%.")

    records = await AuditStore(engine).list(AuditFilter(subject_id=task_id, action="review.decision"), 10)

    assert [(r.actor, r.after["status"], r.detail["outcome"]) for r in reversed(records)] == [
        ("alice", "open", "approve"),
        ("bob", "resolved", "correct"),
    ]
    assert records[0].detail["correction"] == "The fee is 1%."
    assert records[0].before["status"] == "open"
    assert records[0].subject_type == "review_task"


async def test_opening_claiming_and_dismissing_are_audited_but_renewals_are_not(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "alice")
    await reviews.renew(task_id, "alice")
    await reviews.dismiss(task_id, "alice", "duplicate")

    records = await AuditStore(engine).list(AuditFilter(subject_id=task_id), 10)

    assert [(r.actor, r.action) for r in reversed(records)] == [
        ("rule:confidence", "review.open"),
        ("alice", "review.claim"),
        ("alice", "review.dismiss"),
    ]


async def test_listeners_hear_of_each_decision(engine, double_checked):
    heard: list[DecisionMade] = []

    async def listener(made: DecisionMade) -> None:
        heard.append(made)

    double_checked.add_decision_listener(listener)
    task_id = await open_task(engine, double_checked)
    await double_checked.decide(task_id, "alice", Outcome.APPROVE)
    await double_checked.decide(task_id, "bob", Outcome.APPROVE)

    assert [(m.decision.reviewer, m.resolved) for m in heard] == [("alice", False), ("bob", True)]


async def test_a_failing_listener_does_not_undo_the_decision(engine, reviews):
    async def broken(made: DecisionMade) -> None:
        raise RuntimeError("webhook down")

    reviews.add_decision_listener(broken)
    task_id = await open_task(engine, reviews)

    decided = await reviews.decide(task_id, "alice", Outcome.APPROVE)

    assert decided.task.status is Status.RESOLVED


async def test_a_reopened_task_needs_new_decisions(engine, reviews, clock):
    task_id = await open_task(engine, reviews)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    clock.advance(hours=1)

    reopened = await reviews.reopen(task_id, "bob", "the fee changed again")
    decided = await reviews.decide(task_id, "alice", Outcome.REJECT)

    assert (reopened.task.status, reopened.task.round, reopened.task.outcome) == (Status.OPEN, 2, None)
    assert reopened.task.deadline == clock.now + reviews.levels.deadlines[Priority.HIGH]
    assert (decided.task.status, decided.task.outcome) == (Status.RESOLVED, Outcome.REJECT)
