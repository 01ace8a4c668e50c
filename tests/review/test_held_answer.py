"""Held answers: the hold cap, the approval's binding to the held bytes, the corrected completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from gateway.review.held_answer import (
    HELD_KEY,
    corrected_completion,
    decided_hash,
    held_answer_of,
    held_evidence,
    keeping_held_answer,
    sha256_hex,
    verified_body,
)
from gateway.review.hold_cap import HoldCap
from gateway.review.records import Outcome, Priority, Source, TaskEvent

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HELD = orjson.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fees are 5%."}, "finish_reason": "stop"}],
    }
)


def event(kind: str, detail: dict) -> TaskEvent:
    return TaskEvent(kind=kind, actor="someone", at=NOW, detail=detail)


def test_the_cap_allows_its_share_of_the_window_even_before_the_window_fills():
    cap = HoldCap(max_share=0.2, window=10)

    allowed = []
    for _ in range(3):
        allowed.append(cap.allows_hold("a"))
        if allowed[-1]:
            cap.record("a", True)

    assert allowed == [True, True, False]
    assert cap.allows_hold("b")  # counted per app


def test_the_cap_frees_up_as_held_calls_leave_the_window():
    cap = HoldCap(max_share=0.2, window=5)
    cap.record("a", True)
    assert not cap.allows_hold("a")  # 1 of 5 is the whole 20 %
    for _ in range(4):
        cap.record("a", False)

    assert cap.allows_hold("a")  # the held call is the one the next call pushes out


def test_an_approved_answer_is_released_only_when_its_bytes_match_the_approved_hash():
    held = held_evidence(HELD, NOW)
    approved = held["sha256"]

    assert verified_body(held, approved) == HELD
    assert verified_body(held, sha256_hex(b"another answer")) is None
    assert verified_body(held, None) is None
    tampered = {**held, "body": held["body"].replace("5%", "1%")}
    assert verified_body(tampered, approved) is None


def test_the_decision_hash_is_the_latest_decided_events():
    events = [event("opened", {}), event("decided", {"held_answer_sha256": "h1"}), event("claimed", {})]

    assert decided_hash(events) == "h1"
    assert decided_hash([event("decided", {"outcome": "approve"})]) is None


def test_the_held_answer_survives_an_update_that_replaced_the_evidence():
    held = held_evidence(HELD, NOW)
    opened = event("opened", {"evidence": {"held_answer": held}})

    assert held_answer_of({"threshold": 0.7}, [opened]) == held
    assert held_answer_of(None, []) is None


def test_a_correction_keeps_the_held_completions_id_and_model():
    corrected = orjson.loads(corrected_completion(HELD, "Fees are 1%."))

    assert corrected["id"] == "chatcmpl-1" and corrected["model"] == "gpt-4o-mini"
    assert corrected["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Fees are 1%.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]


def test_a_rules_new_evidence_keeps_the_held_answer():
    held = held_evidence(HELD, NOW)

    assert keeping_held_answer({HELD_KEY: held}, {"distance": 3.2}) == {"distance": 3.2, HELD_KEY: held}
    assert keeping_held_answer({HELD_KEY: held}, None) == {HELD_KEY: held}
    assert keeping_held_answer({"threshold": 0.7}, {"distance": 3.2}) == {"distance": 3.2}


def test_an_update_carrying_another_held_answer_keeps_the_one_the_gate_held():
    held, forged = held_evidence(HELD, NOW), held_evidence(b'{"forged": true}', NOW.replace(year=2999))

    assert keeping_held_answer({HELD_KEY: held}, {HELD_KEY: forged, "note": "x"}) == {HELD_KEY: held, "note": "x"}


def test_the_answer_the_gate_held_wins_over_one_in_the_current_evidence():
    held, forged = held_evidence(HELD, NOW), held_evidence(b'{"forged": true}', NOW)
    opened = event("opened", {"evidence": {HELD_KEY: held}})

    assert held_answer_of({HELD_KEY: forged}, [opened]) == held


async def low_confidence_task(reviews, evidence: dict):
    """What the confidence gate opens for a risky answer of bot's: a high-priority task on interaction i-1."""
    return await reviews.open_or_update(
        app="bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.30",
        priority=Priority.HIGH,
        interaction_ids=["i-1"],
        evidence={"threshold": 0.7, **evidence},
    )


async def test_an_approval_after_another_rules_update_is_still_bound_to_the_held_answer(reviews):
    held = held_evidence(HELD, NOW)
    opened = await low_confidence_task(reviews, {HELD_KEY: held})
    await reviews.open_or_update(
        app="bot",
        source=Source.ANOMALOUS,
        reason="Unlike the app's usual questions",
        priority=Priority.LOW,
        interaction_ids=["i-1"],
        evidence={"distance": 3.2},
    )

    detail = await reviews.decide(opened.task.task.id, "alice", Outcome.APPROVE)

    assert detail.task.evidence[HELD_KEY] == held
    assert verified_body(held_answer_of(detail.task.evidence, detail.events), decided_hash(detail.events)) == HELD


async def test_a_task_holding_an_answer_is_due_when_its_app_stops_waiting(reviews, clock):
    hold_until = clock() + timedelta(minutes=30)

    opened = await low_confidence_task(reviews, {HELD_KEY: held_evidence(HELD, hold_until)})

    assert opened.task.task.deadline == hold_until


async def test_a_task_holding_no_answer_is_due_by_its_priority(reviews):
    opened = await low_confidence_task(reviews, {})

    assert opened.task.task.deadline - opened.task.task.created_at == timedelta(hours=24)
