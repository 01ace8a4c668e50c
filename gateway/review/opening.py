"""Opening a task, or folding a rule's new finding into the open task it concerns (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import uuid_utils

from gateway.audit.records import AuditEntry, as_stored_json
from gateway.domain.blank_text import without_blank_ends
from gateway.review.errors import HoldsNothing
from gateway.review.held_answer import keeping_held_answer, task_deadline
from gateway.review.levels import ServiceLevels
from gateway.review.records import Priority, ReviewTaskDetail, Source, Status, SuggestedAction
from gateway.store.idempotency import KeyUse
from gateway.store.review_writes import EventWrite, TaskOpening

Row = dict[str, Any]
MAX_TAG = 200
# An audit record names at most this many interactions; the task holds them all.
AUDITED_IDS = 50


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """What a rule (or a person) asks for: a task about these interactions and/or this issue."""

    app: str
    source: Source
    reason: str
    priority: Priority
    interaction_ids: tuple[str, ...]
    issue_id: str | None
    evidence: Any
    tags: tuple[str, ...]
    # "rule:<source>" for rules, the person's name otherwise.
    actor: str
    # Which redaction rules fired on a person's reason and evidence (gateway.review.reviewer_text); None: none did.
    redactions: dict[str, int] | None = None
    # The issue the person named, when it was merged away: `issue_id` is the issue holding its complaints now.
    asked_issue_id: str | None = None

    @property
    def followed_merge(self) -> dict[str, str]:
        """The `issue_id` and `asked_issue_id` entries of an event's or audit record's detail when the issue asked for
        was merged away (what was asked for, and where it went); none otherwise."""
        if self.asked_issue_id is None or self.issue_id is None or self.asked_issue_id == self.issue_id:
            return {}
        return {"issue_id": self.issue_id, "asked_issue_id": self.asked_issue_id}


@dataclass(frozen=True, slots=True)
class Opened:
    """The task an opening created (`created`) or updated, and which interactions it took or refused."""

    task: ReviewTaskDetail
    created: bool
    added: tuple[str, ...]
    # Already held by a task (this one or an earlier one): never added again.
    already_held: tuple[str, ...]
    # The opening's idempotency key was claimed before: nothing was written, `task` is that opening's.
    earlier: KeyUse | None = None
    # The issue a person's request named (None: none): the task's issue is where its complaints are now.
    asked_issue_id: str | None = None


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags trimmed by the one rule (gateway.domain.blank_text), non-empty, at most MAX_TAG characters, each once, in the
    order given."""
    cleaned = (without_blank_ends(tag)[:MAX_TAG] for tag in tags)
    return list(dict.fromkeys(tag for tag in cleaned if tag))


def plan_opening(
    request: OpenRequest,
    action: SuggestedAction,
    now: datetime,
    levels: ServiceLevels,
    existing: Row | None,
    fresh: list[str],
    told: Mapping[str, Row] | None,
) -> TaskOpening | None:
    """What to write for `request`: a new task, an update of `existing`, or nothing.

    No new task is opened to hold nothing (an interaction is never reviewed twice, so other tasks
    holding all it concerns leave it nothing to decide): when no open task concerns the request and
    every interaction it names was held before (`fresh`: those nobody held), nothing is written for a
    rule, and a person's is refused (HoldsNothing). A person's request naming an issue names its
    complaints too (the review service adds them), so a task about an issue whose complaints are all
    held is refused, and one about an issue of no complaints still opens. Nothing, too, when `existing`
    would not change, or when the request's source tells what it last told of the task (`told`:
    each source's latest opened/updated event detail) and brings nothing else: two rules that
    find the same task would otherwise overwrite each other's reason at every run. Nothing, too,
    when a rule tells the task's own reason again and adds nothing (`_retold`): only its evidence
    differs, naming the complaint that set it off.
    """
    if existing is None:
        if not fresh and request.source != Source.MANUAL:
            return None
        if not fresh and request.interaction_ids:
            raise HoldsNothing(request.interaction_ids)
        return _new_task(request, action, now, levels, fresh)
    return _update(request, action, now, levels, existing, fresh, (told or {}).get(request.source.value))


def _same_telling(request: OpenRequest, told: Row) -> bool:
    """Whether `request` says what its source last told of the task: the same reason and evidence (none: kept)."""
    if told.get("reason") != request.reason:
        return False
    return request.evidence is None or as_stored_json(told.get("evidence")) == as_stored_json(request.evidence)


def _retold(request: OpenRequest, existing: Row) -> bool:
    """Whether a rule tells the task its own reason again: only its evidence differs, which adds nothing.

    A rule's reason carries its numbers ("4 of the 10 most similar recent answers got negative
    feedback"); its evidence differs with the complaint that set it off (the similar-negative rule's
    names that complaint and its neighbours). Each complaint on an answer the task held wrote an
    "updated" event and an audit record that changed nothing (17 on one task in a walkthrough).
    What would change the task (interactions, priority, an issue) is weighed by the caller; a
    person's new evidence is theirs to add.
    """
    return (
        request.source != Source.MANUAL
        and existing["source"] == request.source.value
        and existing["reason"] == request.reason
    )


def _audited_reason(reason: str, *issue_ids: str | None) -> str | None:
    # The issue rule's reasons quote the issue's title, words of its complaints that an erasure or a
    # prune may have to take back; the audit log is a hash chain that cannot be edited, so a task
    # about an issue keeps its reasons out of it (the issue id names the issue). Other rules'
    # reasons are the rule's own words, a manual task's the person's.
    return None if any(issue_ids) else reason


def _noted(request: OpenRequest) -> dict[str, Any]:
    """The `redactions` entry of an event's or audit record's detail: which rules fired on a person's text, if any."""
    return {"redactions": request.redactions} if request.redactions else {}


def _new_task(
    request: OpenRequest, action: SuggestedAction, now: datetime, levels: ServiceLevels, fresh: list[str]
) -> TaskOpening:
    task_id = str(uuid_utils.uuid7())
    deadline = task_deadline(levels.deadline(request.priority, now), request.evidence)
    values = {
        "app": request.app,
        "source": request.source.value,
        "reason": request.reason,
        "priority": request.priority.value,
        "status": Status.OPEN.value,
        "deadline": deadline,
        "issue_id": request.issue_id,
        "active_issue_id": request.issue_id,
        "suggested_action": action.as_json(),
        "evidence": request.evidence,
        "second_opinion": levels.needs_second_opinion(task_id),
        "round": 1,
        "created_at": now,
        "updated_at": now,
    }
    detail = {
        "source": request.source.value,
        "reason": request.reason,
        "priority": request.priority.value,
        "issue_id": request.issue_id,
        "interactions_added": len(fresh),
        # The evidence as it was on opening: the task's own copy is replaced by later updates.
        "evidence": request.evidence,
        **request.followed_merge,
        **_noted(request),
    }
    entry = AuditEntry(
        actor=request.actor,
        action="review.open",
        subject_type="review_task",
        subject_id=task_id,
        app=request.app,
        after={"status": Status.OPEN.value, "priority": request.priority.value, "deadline": deadline.isoformat()},
        detail={
            "source": request.source.value,
            "reason": _audited_reason(request.reason, request.issue_id),
            "issue_id": request.issue_id,
            "interaction_ids": fresh[:AUDITED_IDS],
            "interactions": len(fresh),
            "second_opinion": values["second_opinion"],
            **request.followed_merge,
            **_noted(request),
        },
    )
    event = EventWrite("opened", request.actor, detail)
    return TaskOpening(task_id, True, now, values, clean_tags(request.tags), event, entry)


def joins_a_rules_task(source: str, task_source: str) -> bool:
    """Whether a person's request (`source` manual) folds into a task a rule opened (`task_source`) and tells."""
    return source == Source.MANUAL.value and task_source != Source.MANUAL.value


def takes_over(source: str, task_source: str) -> bool:
    """Whether a finding of `source` folded into a task told by `task_source` makes the task its own.

    Its reason, evidence and source become the finding's (`_update`) when the source is another one, except
    that a person's request joining a rule's task leaves the rule telling it.
    """
    return source != task_source and not joins_a_rules_task(source, task_source)


def _update(
    request: OpenRequest,
    action: SuggestedAction,
    now: datetime,
    levels: ServiceLevels,
    existing: Row,
    fresh: list[str],
    last_told: Row | None,
) -> TaskOpening | None:
    """Fold `request` into the open task: new reason and evidence, a higher priority, more interactions."""
    old_priority = Priority(existing["priority"])
    raised = request.priority.rank < old_priority.rank
    priority = request.priority if raised else old_priority
    # An update without evidence (a person asking again) keeps the task's; new evidence replaces it,
    # but a held answer stays with its task whatever a later rule finds (the client waits for it).
    kept = existing.get("evidence")
    told_again = last_told is not None and _same_telling(request, last_told)
    values: dict[str, Any] = {"updated_at": now, "suggested_action": action.as_json()}
    if joins_a_rules_task(request.source.value, existing["source"]):
        # A person asking about interactions a rule's task holds joins that task, but the task keeps
        # the rule's reason and evidence (the rule would tell them again at its next run): their
        # reason is told by the update's event, and the task's story changes only when theirs did.
        reason, new_story = existing["reason"], not told_again
    else:
        evidence = kept if request.evidence is None else keeping_held_answer(kept, request.evidence)
        reason = request.reason
        same_story = existing["reason"] == reason and as_stored_json(existing["evidence"]) == as_stored_json(evidence)
        new_story = not (same_story or told_again or _retold(request, existing))
        # The task now tells this request's story, so it names its source: a reason of the issue rule
        # under the similar-negative rule's name contradicted itself.
        values.update(reason=reason, evidence=evidence, source=request.source.value)
    if raised:
        values["priority"] = priority.value
        # A raised priority may bring the deadline closer, never push it back.
        values["deadline"] = min(existing["deadline"], levels.deadline(priority, now))
    attaches_issue = request.issue_id is not None and existing["issue_id"] is None
    if attaches_issue:
        values["issue_id"] = request.issue_id
        values["active_issue_id"] = request.issue_id
    if not (fresh or raised or attaches_issue or new_story):
        return None
    detail: dict[str, Any] = {
        "source": request.source.value,
        "reason": request.reason,
        "interactions_added": len(fresh),
        "evidence": request.evidence,
        **_noted(request),
    }
    if raised:
        detail["priority"] = {"from": old_priority.value, "to": priority.value}
    if request.issue_id is not None:
        # The task's issue: the one it attaches, or the one it had (a request naming an issue, the issue rule's
        # taking a task over among them, would otherwise say it was about an issue and not which).
        detail["issue_id"] = request.issue_id if attaches_issue else existing["issue_id"]
    detail.update(request.followed_merge)
    entry = AuditEntry(
        actor=request.actor,
        action="review.update",
        subject_type="review_task",
        subject_id=existing["id"],
        app=existing["app"],
        before={
            "priority": old_priority.value,
            "reason": _audited_reason(existing["reason"], existing["issue_id"], request.issue_id),
        },
        after={
            "priority": priority.value,
            "reason": _audited_reason(reason, existing["issue_id"], request.issue_id),
        },
        detail={
            "source": request.source.value,
            "interaction_ids": fresh[:AUDITED_IDS],
            "interactions": len(fresh),
            **request.followed_merge,
            **_noted(request),
        },
    )
    event = EventWrite("updated", request.actor, detail)
    return TaskOpening(existing["id"], False, now, values, clean_tags(request.tags), event, entry)
