"""The review API's JSON: one shape per review record, as every review endpoint shows it."""

from __future__ import annotations

from typing import Any

from gateway.review.figures import ReviewFigures
from gateway.review.records import Decision, ReviewTask, ReviewTaskDetail, TaskEvent

JSON = dict[str, Any]


def task_json(task: ReviewTask) -> JSON:
    """One task as listings show it (as of the request: a lapsed claim already reads as open)."""
    lease = task.lease
    return {
        "id": task.id,
        "app": task.app,
        "source": task.source.value,
        "reason": task.reason,
        "priority": task.priority.value,
        "status": task.status.value,
        "assignee": task.assignee,
        "tags": list(task.tags),
        "deadline": task.deadline,
        "overdue": task.overdue,
        "issue_id": task.issue_id,
        "interaction_count": task.interaction_count,
        "suggested_action": task.suggested_action.as_json() if task.suggested_action else None,
        "second_opinion": task.second_opinion,
        "round": task.round,
        "claim": {"reviewer": lease.holder, "expires_at": lease.expires_at} if lease else None,
        "outcome": task.outcome.value if task.outcome else None,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "closed_at": task.closed_at,
    }


def decision_json(decision: Decision) -> JSON:
    """One reviewer's decision."""
    return {
        "id": decision.id,
        "round": decision.round,
        "reviewer": decision.reviewer,
        "outcome": decision.outcome.value,
        "correction": decision.correction,
        "comment": decision.comment,
        "at": decision.at,
    }


def event_json(event: TaskEvent) -> JSON:
    """One change to a task."""
    return {"kind": event.kind, "actor": event.actor, "at": event.at, "detail": event.detail}


def task_detail_json(detail: ReviewTaskDetail) -> JSON:
    """One task with its evidence, interactions, decisions, events and estimated wait."""
    return {
        **task_json(detail.task),
        "evidence": detail.task.evidence,
        "interaction_ids": list(detail.interaction_ids),
        "decisions": [decision_json(d) for d in detail.decisions],
        "events": [event_json(e) for e in detail.events],
        "estimated_wait_minutes": detail.estimated_wait_minutes,
    }


def figures_json(figures: ReviewFigures) -> JSON:
    """The queue's service-level figures."""
    return {
        "since": figures.since,
        "until": figures.until,
        "app": figures.app,
        "opened": figures.opened,
        "resolved": figures.resolved,
        "dismissed": figures.dismissed,
        "resolved_within_deadline": figures.resolved_within_deadline,
        "within_deadline_rate": figures.within_deadline_rate,
        "median_seconds_to_resolve": figures.median_seconds_to_resolve,
        "overdue_now": figures.overdue_now,
        "waiting_by_priority": figures.waiting_by_priority,
        "decisions_by_reviewer": figures.decisions_by_reviewer,
        "agreement": {
            "pairs": figures.agreement.pairs,
            "agreed": figures.agreement.agreed,
            "rate": figures.agreement.rate,
        },
    }
