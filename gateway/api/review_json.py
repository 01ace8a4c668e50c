"""The review API's JSON: one shape per review record, as every review endpoint shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from gateway.api.effect_json import LinkedFixJSON, linked_fix_json
from gateway.effect.records import FixKind, NamedFix
from gateway.review.fix_resolution import FixResolution
from gateway.review.opening import Opened
from gateway.review.records import (
    ActionKind,
    Decision,
    Outcome,
    Priority,
    ReviewTask,
    ReviewTaskDetail,
    Source,
    Status,
    SuggestedAction,
    TaskEvent,
)
from gateway.review.resolution import ResolvingFix
from gateway.review.task_issues import TaskIssue


class ClaimJSON(TypedDict):
    """Who holds a claimed task, and until when."""

    reviewer: str
    expires_at: datetime


class SuggestedCorrectionJSON(TypedDict):
    """A right answer someone gave: an end user in feedback (`source` "feedback") or a reviewer ("review")."""

    interaction_id: str | None
    text: str
    source: str


class SuggestedExampleJSON(TypedDict):
    """One of the task's interactions, shown because it tells the most (a correction, then a comment)."""

    interaction_id: str
    question: str
    answer: str | None
    comment: str | None
    correction: str | None


class SuggestedActionJSON(TypedDict):
    """The fix a task suggests, and the corrections and examples it rests on."""

    kind: ActionKind
    label: str
    corrections: list[SuggestedCorrectionJSON]
    examples: list[SuggestedExampleJSON]


class ResolvingFixJSON(TypedDict):
    """The fix a decision resolved the task by: its kind, its name, and its id and version when known."""

    kind: str
    label: str
    id: str | None
    version: int | None


class ReviewTaskJSON(TypedDict):
    """One task as listings show it (as of the request: a lapsed claim already reads as open); `resolution` says
    what became of a closed task, in words."""

    id: str
    app: str
    source: Source
    reason: str
    priority: Priority
    status: Status
    assignee: str | None
    tags: list[str]
    deadline: datetime
    overdue: bool
    issue_id: str | None
    interaction_count: int
    suggested_action: SuggestedActionJSON | None
    second_opinion: bool
    round: int
    claim: ClaimJSON | None
    outcome: Outcome | None
    resolution: str | None
    resolved_by_fix: ResolvingFixJSON | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class ReviewTaskPage(TypedDict):
    """A page of review tasks, in the order asked for: pass `next_offset` as `offset` for the next (null: the last page).

    `total`: how many tasks the filters match, on every page (the Review queue's "N tasks match these filters.").
    """

    data: list[ReviewTaskJSON]
    next_offset: int | None
    total: int


class DecisionJSON(TypedDict):
    """One reviewer's decision in one round."""

    id: str
    round: int
    reviewer: str
    outcome: Outcome
    correction: str | None
    comment: str | None
    at: datetime
    # The index of the answer's choice judged (an answer to n > 1 has several); 0: the first.
    choice: int


class ReviewTaskDetailJSON(ReviewTaskJSON):
    """One task with its evidence, interactions, decisions, events and estimated wait (null: no recent throughput)."""

    evidence: Any
    interaction_ids: list[str]
    decisions: list[DecisionJSON]
    events: list[TaskEvent]
    estimated_wait_minutes: float | None


class OpenedTaskJSON(ReviewTaskDetailJSON):
    """A task just opened or updated, the interactions another open task already held (left out of this one), and the
    issue the request named."""

    already_held: list[str]
    # The issue the request named (null: none); `issue_id` is where its complaints are now, when it was merged away.
    asked_issue_id: str | None


class NamedFixJSON(LinkedFixJSON):
    """A fix in force for an issue: its link, what people know it by (`name`; null once the fix is gone), a prompt
    version's publishing message, and a knowledge entry's version now and last edit."""

    name: str | None
    message: str | None


class TaskIssueJSON(TypedDict):
    """An issue the task's answers belong to: how many it holds, and its fixes in force (what the task may be
    resolved by: POST /api/reviews/{id}/fix with kind "linked" and the fix's id as link_id)."""

    id: str
    title: str
    status: str
    regressed: bool
    interaction_count: int
    about_task: bool
    live_fixes: list[NamedFixJSON]


class ReviewTaskWithIssuesJSON(ReviewTaskDetailJSON):
    """One task with its detail, and the issues its interactions belong to."""

    issues: list[TaskIssueJSON]


class ResolutionFixJSON(TypedDict):
    """The fix a task was resolved by: a knowledge-base entry's id and version, or a prompt version's id and number."""

    kind: FixKind
    id: str
    version: int
    label: str


class FixResolutionJSON(TypedDict):
    """A task resolved by a fix: the task, the fix, and its link to the issue as `GET /api/issues/{id}/fixes` lists it
    (null, with `unlinked_reason`)."""

    task: ReviewTaskDetailJSON
    fix: ResolutionFixJSON
    link: LinkedFixJSON | None
    unlinked_reason: str | None


def task_json(task: ReviewTask) -> ReviewTaskJSON:
    """One task as listings show it (as of the request: a lapsed claim already reads as open)."""
    lease = task.lease
    return {
        "id": task.id,
        "app": task.app,
        "source": task.source,
        "reason": task.reason,
        "priority": task.priority,
        "status": task.status,
        "assignee": task.assignee,
        "tags": list(task.tags),
        "deadline": task.deadline,
        "overdue": task.overdue,
        "issue_id": task.issue_id,
        "interaction_count": task.interaction_count,
        "suggested_action": _action_json(task.suggested_action) if task.suggested_action else None,
        "second_opinion": task.second_opinion,
        "round": task.round,
        "claim": {"reviewer": lease.holder, "expires_at": lease.expires_at} if lease else None,
        "outcome": task.outcome,
        # What became of a closed task, as the admin pages say it (gateway.review.resolution).
        "resolution": task.resolution,
        "resolved_by_fix": _resolving_fix_json(task.resolved_by_fix) if task.resolved_by_fix else None,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "closed_at": task.closed_at,
    }


def _action_json(action: SuggestedAction) -> SuggestedActionJSON:
    """The suggested action as it is stored (SuggestedAction.as_json), its kind typed."""
    return {
        "kind": action.kind,
        "label": action.label,
        "corrections": [
            {"interaction_id": c.interaction_id, "text": c.text, "source": c.source} for c in action.corrections
        ],
        "examples": [
            {
                "interaction_id": e.interaction_id,
                "question": e.question,
                "answer": e.answer,
                "comment": e.comment,
                "correction": e.correction,
            }
            for e in action.examples
        ],
    }


def _resolving_fix_json(fix: ResolvingFix) -> ResolvingFixJSON:
    """As it is stored (ResolvingFix.as_json)."""
    return {"kind": fix.kind, "label": fix.label, "id": fix.fix_id, "version": fix.version}


def decision_json(decision: Decision) -> DecisionJSON:
    """One reviewer's decision."""
    return {
        "id": decision.id,
        "round": decision.round,
        "reviewer": decision.reviewer,
        "outcome": decision.outcome,
        "correction": decision.correction,
        "comment": decision.comment,
        "at": decision.at,
        "choice": decision.choice,
    }


def task_detail_json(detail: ReviewTaskDetail) -> ReviewTaskDetailJSON:
    """One task with its evidence, interactions, decisions, events and estimated wait."""
    return {
        **task_json(detail.task),
        "evidence": detail.task.evidence,
        "interaction_ids": list(detail.interaction_ids),
        "decisions": [decision_json(d) for d in detail.decisions],
        "events": list(detail.events),
        "estimated_wait_minutes": detail.estimated_wait_minutes,
    }


def opened_task_json(opened: Opened) -> OpenedTaskJSON:
    """A task just opened or updated, and the interactions already held by another."""
    return {
        **task_detail_json(opened.task),
        "already_held": list(opened.already_held),
        "asked_issue_id": opened.asked_issue_id,
    }


def named_fix_json(named: NamedFix) -> NamedFixJSON:
    """A fix link with every field, then its name and message, and its entry now."""
    return {**linked_fix_json(named), "name": named.name, "message": named.message}


def task_issue_json(issue: TaskIssue) -> TaskIssueJSON:
    """An issue the task's answers belong to: how many it holds, and its fixes in force."""
    return {
        "id": issue.issue_id,
        "title": issue.title,
        "status": issue.status,
        "regressed": issue.regressed,
        "interaction_count": issue.interactions,
        "about_task": issue.about_task,
        "live_fixes": [named_fix_json(named) for named in issue.fixes],
    }


def task_page_json(detail: ReviewTaskDetail, issues: list[TaskIssue]) -> ReviewTaskWithIssuesJSON:
    """One task as GET /api/reviews/{id} shows it: its detail, and the issues its interactions belong to."""
    return {**task_detail_json(detail), "issues": [task_issue_json(issue) for issue in issues]}


def fix_resolution_json(resolution: FixResolution, link: NamedFix | None) -> FixResolutionJSON:
    """A task resolved by a fix: the task, the fix, and its link to the issue (resolution.link named; None: why there
    is none), as every answer about an issue's fixes has it."""
    return {
        "task": task_detail_json(resolution.task),
        "fix": {
            "kind": resolution.kind,
            "id": resolution.fix_id,
            "version": resolution.fix_version,
            "label": resolution.fix_label,
        },
        "link": linked_fix_json(link) if link is not None else None,
        "unlinked_reason": resolution.unlinked_reason,
    }
