"""The review API's JSON: one shape per review record, as every review endpoint shows it."""

from __future__ import annotations

from typing import Any

from gateway.api.issue_fixes import fix_link_json
from gateway.review.calibration import MEASURES, MeasureReport
from gateway.review.calibration_report import AppCalibration
from gateway.review.figures import Automation, ReviewFigures
from gateway.review.fix_resolution import FixResolution
from gateway.review.records import Decision, ReviewTask, ReviewTaskDetail, TaskEvent
from gateway.review.task_issues import TaskIssue

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
        # What became of a closed task, as the admin pages say it (gateway.review.resolution).
        "resolution": task.resolution,
        "resolved_by_fix": task.resolved_by_fix.as_json() if task.resolved_by_fix else None,
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


def task_issue_json(issue: TaskIssue) -> JSON:
    """An issue the task's answers belong to: how many it holds, and its fixes in force (what the task may be
    resolved by: POST /api/reviews/{id}/fix with kind "linked" and the fix's id as link_id)."""
    return {
        "id": issue.issue_id,
        "title": issue.title,
        "status": issue.status,
        "regressed": issue.regressed,
        "interaction_count": issue.interactions,
        "about_task": issue.about_task,
        "live_fixes": [
            {**fix_link_json(named.link), "name": named.name, "message": named.message} for named in issue.fixes
        ],
    }


def task_page_json(detail: ReviewTaskDetail, issues: list[TaskIssue]) -> JSON:
    """One task as GET /api/reviews/{id} shows it: its detail, and the issues its interactions belong to."""
    return {**task_detail_json(detail), "issues": [task_issue_json(issue) for issue in issues]}


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
        "automation": automation_json(figures.automation),
        "automation_by_app": {app: automation_json(a) for app, a in figures.automation_by_app.items()},
    }


def automation_json(automation: Automation) -> JSON:
    """Answers in the range, how many a review task holds, and the share that went out without review."""
    return {"answers": automation.answers, "reviewed": automation.reviewed, "rate": automation.rate}


_MEANINGS = {measure.name: measure.meaning for measure in MEASURES}


def measure_json(report: MeasureReport) -> JSON:
    """How one confidence measure did: AUC, the threshold for the review rate and the bad answers it catches."""
    return {
        "measure": report.measure,
        "meaning": _MEANINGS.get(report.measure),
        "review_when": report.review_when,
        "answers": report.answers,
        "bad": report.bad,
        "auc": report.auc,
        "suggested_threshold": report.threshold,
        "reviewed_share": report.reviewed_share,
        "catch_rate": report.caught_share,
        "note": report.note,
    }


def calibration_json(calibration: AppCalibration) -> JSON:
    """An app's calibration report: every measure, the chosen one first among equals, and what was read."""
    report = calibration.report
    return {
        "app": calibration.app,
        "since": calibration.since,
        "until": calibration.until,
        "review_rate": report.review_rate,
        "chat_answers": calibration.chat_answers,
        "answers": report.answers,
        "bad": report.bad,
        "without_logprobs": calibration.without_logprobs,
        "capped": calibration.capped,
        "enough_data": calibration.enough_data,
        "note": calibration.note,
        "current_threshold": calibration.current_threshold,
        "chosen": measure_json(report.chosen),
        "best": report.best,
        "measures": [measure_json(measure) for measure in report.measures],
    }


def fix_resolution_json(resolution: FixResolution) -> dict[str, Any]:
    """A task resolved by a fix: the task, the fix, and its link to the issue (or why there is none)."""
    return {
        "task": task_detail_json(resolution.task),
        "fix": {
            "kind": resolution.kind,
            "id": resolution.fix_id,
            "version": resolution.fix_version,
            "label": resolution.fix_label,
        },
        "link": fix_link_json(resolution.link) if resolution.link is not None else None,
        "unlinked_reason": resolution.unlinked_reason,
    }
