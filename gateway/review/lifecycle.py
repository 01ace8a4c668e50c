"""A task's life after opening: claim, renew, release, assign, dismiss, reopen, decide.

Each verb is a pure function of the task as stored (read under its lock) and the time: it
refuses with TaskConflict or InvalidQuery, or returns the change for the store to write with
its event and audit record. What a person wrote (a correction, a comment, a note) comes in as it
is to be stored (gateway.review.reviewer_text: redacted with redaction on).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import AuditEntry
from gateway.domain.blank_text import says_nothing
from gateway.domain.errors import InvalidQuery
from gateway.review.errors import ClaimedByOther, TaskConflict
from gateway.review.held_answer import (
    DECISION_HASH_KEY,
    EXACT_CORRECTION_KEY,
    held_answer_hash,
    holds_unredacted_answer,
)
from gateway.review.levels import ServiceLevels
from gateway.review.merge_note import merged_evidence, merged_reason
from gateway.review.people import same_person
from gateway.review.records import Outcome, ReviewTask, Status
from gateway.review.resolution import FIX_KEY, ResolvingFix
from gateway.review.reviewer_text import DecisionText, NoteText
from gateway.store.review_writes import DecisionWrite, EventWrite, TaskChange, TaskState

SUBJECT: AuditSubjectType = "review_task"
# The audit log's action for each kind of event (a renewal decides nothing and is not audited).
AUDIT_ACTIONS: dict[str, AuditAction] = {
    "claimed": "review.claim",
    "released": "review.release",
    "assigned": "review.assign",
    "dismissed": "review.dismiss",
    "reopened": "review.reopen",
    "decided": "review.decision",
    "issue_merged": "review.follow_merge",
    "second_opinion_asked": "review.second_opinion",
}
# Who hands a task over when its issue is merged away (a person's merge or a clustering pass's).
MERGE_ACTOR = "rule:issue_merge"
# Columns that clear a claim.
NO_LEASE = {"lease_holder": None, "lease_expires_at": None}


def _view(state: TaskState, now: datetime) -> ReviewTask:
    return ReviewTask.from_row(state.row, now)


def _snapshot(task: ReviewTask) -> dict[str, Any]:
    """The fields the audit log shows before and after a change."""
    return {
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee": task.assignee,
        "lease_holder": task.lease.holder if task.lease else None,
        "outcome": task.outcome.value if task.outcome else None,
    }


def _after(task: ReviewTask, values: dict[str, Any]) -> dict[str, Any]:
    after = _snapshot(task)
    after.update({key: values[key] for key in after if key in values})
    return after


def _change(
    task: ReviewTask,
    now: datetime,
    actor: str,
    kind: str,
    values: dict[str, Any],
    detail: dict[str, Any],
    decision: DecisionWrite | None = None,
    event_detail: dict[str, Any] | None = None,
) -> TaskChange:
    """The change with its event (`event_detail`, else `detail`) and, for an audited kind, its audit record."""
    entry = None
    if kind in AUDIT_ACTIONS:
        entry = AuditEntry(
            actor=actor,
            action=AUDIT_ACTIONS[kind],
            subject_type=SUBJECT,
            subject_id=task.id,
            app=task.app,
            before=_snapshot(task),
            after=_after(task, values),
            detail=detail,
        )
    event = EventWrite(kind, actor, detail if event_detail is None else event_detail)
    return TaskChange(at=now, values=values, event=event, decision=decision, audit=entry)


def _noted(detail: dict[str, Any], note: NoteText) -> dict[str, Any]:
    """`detail` with the note as stored and the rules that fired on it, when there is a note."""
    if note.note:
        detail["note"] = note.note
        if note.redactions:
            detail["redactions"] = note.redactions
    return detail


def _require_active(task: ReviewTask) -> None:
    if not task.active:
        raise TaskConflict(f"review task {task.id} is {task.status.value}: reopen it first")


def _require_not_leased_by_other(task: ReviewTask, person: str) -> None:
    lease = task.lease
    if lease is not None and not same_person(lease.holder, person):
        raise ClaimedByOther(task.id, lease.holder, lease.expires_at)


def _require_holder(task: ReviewTask, reviewer: str, unclaimed_advice: str = "claim it first") -> None:
    """`reviewer` holds the task's running claim; `unclaimed_advice`: what to do when nobody does."""
    if task.lease is None:
        raise TaskConflict(f"review task {task.id} is not claimed (or its claim lapsed): {unclaimed_advice}")
    _require_not_leased_by_other(task, reviewer)


def _require_new_judge(task: ReviewTask, state: TaskState, reviewer: str) -> None:
    _require_new_judge_among(task, [decision["reviewer"] for decision in state.decisions], reviewer)


def _require_new_judge_among(task: ReviewTask, judges: Sequence[str], reviewer: str) -> None:
    # "alice" and "ALICE" are one person, not a second opinion (gateway.review.people).
    if any(same_person(judge, reviewer) for judge in judges):
        raise TaskConflict(
            f"{reviewer} already decided review task {task.id}: it needs a second opinion from a different reviewer"
        )


def refuse_claim(task: ReviewTask, judges: Sequence[str], reviewer: str) -> None:
    """What `claim` refuses, for a caller looking at the task as read (`judges`: who decided its round) before it
    takes the claim in a transaction of other writes, so the refusal it gives first is the claim's."""
    _require_active(task)
    _require_not_leased_by_other(task, reviewer)
    _require_new_judge_among(task, judges, reviewer)


def claim(state: TaskState, reviewer: str, now: datetime, levels: ServiceLevels) -> TaskChange:
    """`reviewer` takes the task for the lease's length (their own claim is extended) and becomes its assignee."""
    task = _view(state, now)
    refuse_claim(task, [decision["reviewer"] for decision in state.decisions], reviewer)
    if task.lease is not None:
        return renew(state, reviewer, now, levels)
    expires = now + levels.lease
    values = {
        "status": Status.IN_PROGRESS.value,
        "lease_holder": reviewer,
        "lease_expires_at": expires,
        "assignee": reviewer,
    }
    detail: dict[str, Any] = {"lease_expires_at": expires.isoformat()}
    stored_holder = state.row["lease_holder"]
    if (
        stored_holder is not None
        and not same_person(stored_holder, reviewer)
        and state.row["lease_expires_at"] is not None
    ):
        detail["lapsed_claim"] = {"holder": stored_holder, "expired_at": state.row["lease_expires_at"].isoformat()}
    if task.assignee is not None and not same_person(task.assignee, reviewer):
        # The claim makes its reviewer the assignee: the task's history names who was responsible before.
        detail["replaced_assignee"] = task.assignee
    return _change(task, now, reviewer, "claimed", values, detail)


def renew(state: TaskState, reviewer: str, now: datetime, levels: ServiceLevels) -> TaskChange:
    """The holder keeps the task for another lease; not audited (a renewal decides nothing)."""
    task = _view(state, now)
    _require_active(task)
    _require_holder(task, reviewer)
    expires = now + levels.lease
    detail = {"lease_expires_at": expires.isoformat()}
    return _change(task, now, reviewer, "renewed", {"lease_expires_at": expires}, detail)


def release(state: TaskState, reviewer: str, now: datetime) -> TaskChange:
    """The holder gives the task back to the queue."""
    task = _view(state, now)
    _require_active(task)
    # A task nobody holds is in the queue: claiming it to release it would change nothing.
    _require_holder(task, reviewer, "it is in the queue already, nothing to release")
    return _change(task, now, reviewer, "released", {"status": Status.OPEN.value, **NO_LEASE}, {})


def assign(state: TaskState, assignee: str | None, actor: str, now: datetime) -> TaskChange | None:
    """Make `assignee` responsible for the task (None: nobody); a running claim is left alone.

    None when `assignee` already holds it: a repeated assignment changes nothing, so it records no event
    and no audit entry (the task's history would fill with no-ops).
    """
    task = _view(state, now)
    _require_active(task)
    if same_person(task.assignee, assignee):
        return None
    detail = {"from": task.assignee, "to": assignee}
    return _change(task, now, actor, "assigned", {"assignee": assignee}, detail)


def ask_second_opinion(state: TaskState, actor: str, note: NoteText, now: datetime) -> TaskChange | None:
    """Make the task need decisions from two different reviewers, as a drawn second opinion does.

    An active task that needs one reviewer has no decision this round (the first would have resolved
    it); a task that needs two already changes nothing (None).
    """
    task = _view(state, now)
    _require_active(task)
    if task.second_opinion:
        return None
    return _change(task, now, actor, "second_opinion_asked", {"second_opinion": True}, _noted({}, note))


def dismiss(state: TaskState, actor: str, note: NoteText, now: datetime) -> TaskChange:
    """Close the task without a decision: nothing to judge."""
    task = _view(state, now)
    _require_active(task)
    _require_not_leased_by_other(task, actor)
    values = {"status": Status.DISMISSED.value, "closed_at": now, "active_issue_id": None, **NO_LEASE}
    return _change(task, now, actor, "dismissed", values, _noted({}, note))


def follow_merge(
    state: TaskState, merged_issue: str, into_issue: str, into_title: str, now: datetime
) -> TaskChange | None:
    """Give the task of an issue merged away to the issue that holds its complaints now; claim and decisions stay.

    Its reason notes the merge and its evidence names `into_issue` (gateway.review.merge_note), so the queue and the
    task say at once whose task it is now; the earlier reason and evidence stay in its opened/updated events. Neither
    goes into this event or the audit log: titles are complaints' words an erasure may take back.
    The store refuses (ActiveIssueTaken) when `into_issue` has an open task already: see `close_merged`.
    """
    task = _view(state, now)
    if not task.active or task.issue_id != merged_issue:
        return None  # closed, or handed over already
    values = {
        "issue_id": into_issue,
        "active_issue_id": into_issue,
        "reason": merged_reason(task.reason, into_title),
        "evidence": merged_evidence(state.row.get("evidence"), merged_issue, into_issue, into_title),
    }
    return _change(task, now, MERGE_ACTOR, "issue_merged", values, {"was_issue": merged_issue, "issue_id": into_issue})


def close_merged(
    state: TaskState, merged_issue: str, into_issue: str, carried_on_by: str | None, now: datetime
) -> TaskChange | None:
    """Dismiss the task of an issue merged into one whose own open task (`carried_on_by`) carries on: one issue, one task.

    Dismissed even while claimed: its issue is gone, and a decision made on it would be about nothing.
    Not a task holding an answer an app may wait on (a dismissal would answer the app by the fallback).
    """
    task = _view(state, now)
    if not task.active or task.issue_id != merged_issue or held_answer_hash(state.row.get("evidence")) is not None:
        return None
    values = {"status": Status.DISMISSED.value, "closed_at": now, "active_issue_id": None, **NO_LEASE}
    detail: dict[str, Any] = {
        "note": "Its issue was merged into another, whose own open task carries on.",
        "was_issue": merged_issue,
        "issue_id": into_issue,
    }
    if carried_on_by is not None:
        detail["carried_on_by"] = carried_on_by
    return _change(task, now, MERGE_ACTOR, "dismissed", values, detail)


def reopen(state: TaskState, actor: str, note: NoteText, now: datetime, levels: ServiceLevels) -> TaskChange:
    """Put a resolved or dismissed task back in the queue, for a new round of decisions and a new deadline."""
    task = _view(state, now)
    if task.active:
        raise TaskConflict(f"review task {task.id} is already {task.status.value}")
    if state.rival_for_issue is not None:
        raise TaskConflict(
            f"review task {state.rival_for_issue} is already open for issue {task.issue_id}: work on that one instead"
        )
    values = {
        "status": Status.OPEN.value,
        "outcome": None,
        "closed_at": None,
        "active_issue_id": task.issue_id,
        "round": task.round + 1,
        "deadline": levels.deadline(task.priority, now),
        **NO_LEASE,
    }
    detail = _noted({"from": task.status.value, "round": task.round + 1}, note)
    return _change(task, now, actor, "reopened", values, detail)


def decide(
    state: TaskState,
    reviewer: str,
    outcome: Outcome,
    text: DecisionText,
    now: datetime,
    fix: ResolvingFix | None = None,
    choice: int | None = None,
) -> TaskChange:
    """Record `reviewer`'s judgement; it resolves the task unless the task awaits a second, different reviewer.

    `choice`: the answer's choice judged, on an answer of several (gateway.review.judged_choice); None when the
    answer has one, or the task holds several. The decision stores it (0 for None) and the event tells it;
    two reviewers who judged different choices disagree, whatever their outcomes.

    Of two reviewers who disagree, the second one's outcome stands; the disagreement is kept
    (in the event, and in the agreement figures). `text` is checked as written and stored as
    redacted; with redaction on, the decided event of a task whose held answer is still kept
    exact also keeps the correction as written, for the app waiting on it (gateway.review.held_answer).
    A decision that resolves the task by a fix names it (`fix`) in the event, for gateway.review.resolution.
    """
    correction = text.written_correction
    if outcome is Outcome.CORRECT and says_nothing(correction):
        raise InvalidQuery("correction", "outcome 'correct' needs 'correction': the answer the model should have given")
    if outcome is not Outcome.CORRECT and correction is not None:
        raise InvalidQuery("correction", f"'correction' goes with outcome 'correct' only, not {outcome.value!r}")
    task = _view(state, now)
    _require_active(task)
    _require_not_leased_by_other(task, reviewer)
    _require_new_judge(task, state, reviewer)
    decision = DecisionWrite(reviewer, outcome.value, text.correction, text.comment, choice or 0)
    detail: dict[str, Any] = {"outcome": outcome.value, "round": task.round}
    if choice is not None:
        detail["choice"] = choice
    held_hash = held_answer_hash(state.row.get("evidence"))
    if held_hash is not None:
        # Read under the task's lock: the decision names the exact answer it judged, and a held
        # answer is released only if it still hashes to this (gateway.review.held_answer).
        detail[DECISION_HASH_KEY] = held_hash
    if text.correction is not None:
        detail["correction"] = text.correction
    if text.comment:
        detail["comment"] = text.comment
    if text.redactions:
        detail["redactions"] = text.redactions
    if fix is not None:
        detail[FIX_KEY] = fix.as_json()
    if task.second_opinion and not state.decisions:
        # The first of two: back to the queue for someone else.
        detail["awaiting_second_reviewer"] = True
        values: dict[str, Any] = {"status": Status.OPEN.value, **NO_LEASE}
    else:
        if state.decisions:
            first = state.decisions[0]
            detail["first_decision"] = {"reviewer": first["reviewer"], "outcome": first["outcome"]}
            if choice is not None:
                detail["first_decision"]["choice"] = first["choice"]
            detail["agreed"] = first["outcome"] == outcome.value and first["choice"] == (choice or 0)
        values = {
            "status": Status.RESOLVED.value,
            "outcome": outcome.value,
            "closed_at": now,
            "active_issue_id": None,
            **NO_LEASE,
        }
    event_detail = None
    if text.redacted and correction is not None and holds_unredacted_answer(state.row.get("evidence")):
        # The app waiting on the held answer gets this correction as its answer: kept as written
        # in the event alone (never in the decision row or the audit log) until the hold is over.
        event_detail = {**detail, EXACT_CORRECTION_KEY: correction}
    return _change(task, now, reviewer, "decided", values, detail, decision=decision, event_detail=event_detail)
