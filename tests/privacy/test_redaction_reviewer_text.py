"""With redaction on, what people write on review tasks is stored redacted, saying which rules fired; off, as written.

A reviewer's correction usually rewrites the end user's answer and so copies its personal data.
The review service on each database, as the API and the admin pages call it; the decision row,
the task's events and the audit log are read back from the store.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.review.records import Outcome, Priority, ReviewTaskDetail, Source
from gateway.review.service import ReviewService, review_service
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.interactions import InteractionStore

APP = "support-bot"
CORRECTION = "Write to alice@example.com, she refunds card 4111 1111 1111 1111."
REDACTED_CORRECTION = "Write to [redacted:email], she refunds card [redacted:card]."
COMMENT = "The user gave +44 20 7946 0958 as a contact."
REDACTED_COMMENT = "The user gave [redacted:phone] as a contact."


def service(engine: AsyncEngine, redaction: bool) -> ReviewService:
    """The review service the gateway builds, with redaction on or off and no second reviewer."""
    return review_service(engine, Settings(redaction=redaction, review_second_opinion_share=0.0))


async def stored_interaction(engine: AsyncEngine) -> str:
    interaction_id = str(uuid_utils.uuid7())
    row = {
        "id": interaction_id,
        "created_at": datetime.now(UTC),
        "app": APP,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-test",
        "stream": False,
        "partial": False,
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": "Who refunds me?"}]},
        "response_text": "Nobody.",
    }
    await InteractionStore(engine).insert_many([row])
    return interaction_id


async def open_task(engine: AsyncEngine, reviews: ReviewService) -> str:
    opened = await reviews.open_or_update(
        app=APP,
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.42",
        priority=Priority.HIGH,
        interaction_ids=[await stored_interaction(engine)],
        evidence={"confidence": 0.42},
    )
    assert opened is not None
    return opened.task.task.id


async def corrected(engine: AsyncEngine, redaction: bool) -> ReviewTaskDetail:
    reviews = service(engine, redaction)
    task_id = await open_task(engine, reviews)
    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction=CORRECTION, comment=COMMENT)
    return await reviews.get(task_id)


def event(detail: ReviewTaskDetail, kind: str) -> dict:
    found = [e.detail for e in detail.events if e.kind == kind]
    assert len(found) == 1
    return dict(found[0])


async def audited(engine: AsyncEngine, task_id: str, action: str) -> dict:
    [record] = await AuditStore(engine).list(AuditFilter(subject_id=task_id, action=action), 10)
    return dict(record.detail)


async def test_a_correction_is_stored_redacted_in_the_decision(engine):
    detail = await corrected(engine, redaction=True)

    [decision] = detail.decisions
    assert (decision.correction, decision.comment) == (REDACTED_CORRECTION, REDACTED_COMMENT)


async def test_the_decided_event_holds_the_redacted_texts_and_the_rules_that_fired(engine):
    detail = await corrected(engine, redaction=True)

    decided = event(detail, "decided")
    assert (decided["correction"], decided["comment"]) == (REDACTED_CORRECTION, REDACTED_COMMENT)
    assert decided["redactions"] == {"card": 1, "email": 1, "phone": 1}
    # A task without a held answer keeps no exact copy of the correction.
    assert "exact_correction" not in decided


async def test_the_audit_record_of_a_decision_holds_the_redacted_texts_and_the_rules_that_fired(engine):
    detail = await corrected(engine, redaction=True)

    record = await audited(engine, detail.task.id, "review.decision")
    assert (record["correction"], record["comment"]) == (REDACTED_CORRECTION, REDACTED_COMMENT)
    assert record["redactions"] == {"card": 1, "email": 1, "phone": 1}


async def test_with_redaction_off_a_decision_is_stored_as_written_everywhere(engine):
    detail = await corrected(engine, redaction=False)

    [decision] = detail.decisions
    decided = event(detail, "decided")
    record = await audited(engine, detail.task.id, "review.decision")
    assert (decision.correction, decided["correction"], record["correction"]) == (CORRECTION,) * 3
    assert (decision.comment, decided["comment"], record["comment"]) == (COMMENT,) * 3
    assert "redactions" not in decided and "redactions" not in record


async def test_a_decision_nothing_fired_on_notes_no_redactions(engine):
    reviews = service(engine, redaction=True)
    task_id = await open_task(engine, reviews)

    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction="The fee is 1%.", comment="old price")

    detail = await reviews.get(task_id)
    assert detail.decisions[0].correction == "The fee is 1%."
    assert "redactions" not in event(detail, "decided")


async def test_names_ids_and_statuses_are_kept_as_given(engine):
    # A reviewer named by an e-mail address is an identity, not text about an end user.
    reviews = service(engine, redaction=True)
    task_id = await open_task(engine, reviews)

    await reviews.decide(task_id, "bob@example.com", Outcome.REJECT, comment="write to bob@example.com")

    detail = await reviews.get(task_id)
    [decision] = detail.decisions
    assert (decision.reviewer, decision.outcome.value, decision.task_id) == ("bob@example.com", "reject", task_id)
    assert decision.comment == "write to [redacted:email]"
    decided = next(e for e in detail.events if e.kind == "decided")
    assert (decided.actor, decided.detail["outcome"]) == ("bob@example.com", "reject")
    assert detail.task.status.value == "resolved"


@pytest.mark.parametrize("action", ["dismiss", "reopen"])
async def test_a_dismissal_or_reopening_note_is_stored_redacted_in_the_event_and_the_audit_record(engine, action):
    reviews = service(engine, redaction=True)
    task_id = await open_task(engine, reviews)
    if action == "reopen":
        await reviews.dismiss(task_id, "alice")

    await getattr(reviews, action)(task_id, "alice", note="Asked alice@example.com to resend it")

    kind = "dismissed" if action == "dismiss" else "reopened"
    note = event(await reviews.get(task_id), kind)
    record = await audited(engine, task_id, f"review.{action}")
    for detail in (note, record):
        assert (detail["note"], detail["redactions"]) == ("Asked [redacted:email] to resend it", {"email": 1})


async def test_a_manual_tasks_reason_and_evidence_are_stored_redacted_with_the_rules_that_fired(engine):
    reviews = service(engine, redaction=True)

    opened = await reviews.open_manual(
        app=APP,
        reason="alice@example.com says the fee is wrong",
        priority=Priority.MEDIUM,
        interaction_ids=[await stored_interaction(engine)],
        issue_id=None,
        tags=["billing"],
        evidence={"ticket": "call +44 20 7946 0958", "amount": 42},
        actor="carol",
    )

    task = opened.task.task
    assert task.reason == "[redacted:email] says the fee is wrong"
    assert task.evidence == {"ticket": "call [redacted:phone]", "amount": 42}
    opening = event(opened.task, "opened")
    assert (opening["reason"], opening["evidence"]) == (task.reason, task.evidence)
    assert opening["redactions"] == {"email": 1, "phone": 1}
    record = await audited(engine, task.id, "review.open")
    assert (record["reason"], record["redactions"]) == (task.reason, {"email": 1, "phone": 1})


async def test_a_manual_reason_at_its_length_limit_is_checked_before_it_is_redacted(engine):
    # "a@b.io" (6 characters) becomes "[redacted:email]" (16): the limit is on what the person wrote.
    reviews = service(engine, redaction=True)
    reason = "a@b.io " + "x" * 1993

    opened = await reviews.open_manual(
        app=APP,
        reason=reason,
        priority=Priority.MEDIUM,
        interaction_ids=[await stored_interaction(engine)],
        issue_id=None,
        tags=[],
        evidence=None,
        actor="carol",
    )

    assert opened.task.task.reason.startswith("[redacted:email] x")


async def test_a_manual_tasks_tags_are_stored_redacted_with_the_rules_that_fired(engine):
    reviews = service(engine, redaction=True)

    opened = await reviews.open_manual(
        app=APP,
        reason="The fee is wrong",
        priority=Priority.MEDIUM,
        interaction_ids=[await stored_interaction(engine)],
        issue_id=None,
        tags=["billing", "alice@example.com", "call +44 20 7946 0958"],
        evidence=None,
        actor="carol",
    )

    assert sorted(opened.task.task.tags) == ["[redacted:email]", "billing", "call [redacted:phone]"]
    assert (await reviews.get(opened.task.task.id)).task.tags == opened.task.task.tags
    assert event(opened.task, "opened")["redactions"] == {"email": 1, "phone": 1}


async def test_with_redaction_off_a_manual_tasks_tags_are_kept_as_written(engine):
    reviews = service(engine, redaction=False)

    opened = await reviews.open_manual(
        app=APP,
        reason="The fee is wrong",
        priority=Priority.MEDIUM,
        interaction_ids=[await stored_interaction(engine)],
        issue_id=None,
        tags=["alice@example.com"],
        evidence=None,
        actor="carol",
    )

    assert opened.task.task.tags == ("alice@example.com",)
