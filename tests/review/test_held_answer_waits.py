"""Whether an app still waits on a held answer: what decides if a reviewer's `r` asks before refusing it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.held_poll import app_waits
from gateway.review.records import TaskEvent

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HOLDING = {HELD_KEY: held_evidence(b'{"choices": []}', NOW + timedelta(minutes=10), "refuse")}


def test_an_app_waits_while_the_hold_runs_and_nobody_decided():
    assert app_waits(HOLDING, [TaskEvent("claimed", "rita", NOW, {})], NOW)


def test_an_app_waits_no_more_once_a_decision_settled_its_answer():
    decided = TaskEvent("decided", "rita", NOW, {"outcome": "approve"})

    assert not app_waits(HOLDING, [decided], NOW)


def test_an_app_waits_no_more_once_the_hold_is_over():
    assert not app_waits(HOLDING, [], NOW + timedelta(minutes=10))


def test_no_app_waits_on_a_task_holding_no_answer():
    assert not app_waits({"threshold": 0.7}, [], NOW)
