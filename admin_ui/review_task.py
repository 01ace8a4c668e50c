"""A review task's page: reason, evidence, suggested action, its interactions with their feedback, decisions, events, forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.choice_views import ShownChoice, shown_choices
from admin_ui.form_keys import form_keys
from admin_ui.list_back import back_context, sent_back
from admin_ui.rendering import duration_text, render, when_text
from admin_ui.review_evidence import evidence_view
from admin_ui.review_queue import QUEUE_LIST
from admin_ui.session import signed_in
from admin_ui.task_events import event_views, issues_named
from gateway.accounts.records import Role, SignedInUser
from gateway.discovery.items import last_user_message
from gateway.domain.interactions import InteractionWithFeedback
from gateway.domain.quoting import clipped
from gateway.effect.links import IssueNotFound
from gateway.knowledge.fields import MAX_TITLE as KNOWLEDGE_MAX_TITLE
from gateway.review.errors import ClaimedByOther, TaskConflict, TaskNotFound
from gateway.review.fix_resolution import fix_decision
from gateway.review.held_answer import held_answer_of
from gateway.review.held_poll import app_waits, hold_outcome
from gateway.review.issue_holders import NAMED as NAMED_ELSEWHERE
from gateway.review.issue_holders import HeldElsewhere, held_elsewhere
from gateway.review.judged_choice import nothing_to_decide
from gateway.review.people import same_person
from gateway.review.records import Decision, ReviewTask, ReviewTaskDetail, Status
from gateway.review.suggestion import entry_draft
from gateway.review.task_issues import fixes_in_force
from gateway.services import Services
from gateway.store.review_holders import ReviewHolders

# A task about an issue may hold hundreds of interactions: the page shows the first ones and links to the rest.
SHOWN_INTERACTIONS = 10
# What a finished action says on the task page it returns to (?done=…); anything else says nothing.
DONE_NOTICES = {
    "claimed": "You claimed this task.",
    "released": "You released this task back to the queue.",
    "approve": "Decision recorded: approve.",
    "reject": "Decision recorded: reject.",
    "correct": "Decision recorded: correct.",
    "dismissed": "Task dismissed.",
    "reopened": "Task reopened: it is back in the queue with a new deadline.",
    "assigned": "Assignee saved.",
    "second_opinion": "This task now needs decisions from two different reviewers.",
}
# A decision or a fix is said together with what became of the task, read from its status now.
DECISIONS = {"approve", "reject", "correct"}
FIXES = {
    "knowledge": "Knowledge-base entry added",
    "prompt": "Prompt version published",
    "linked": "Decision recorded naming the fix already live",
}
AWAITS_SECOND = "the task awaits a second, different reviewer"
# The page's forms that carry an idempotency key, each its own (admin_ui.form_keys).
KEYED_FORMS = ("approve-form", "reject-form", "correct-form", "linked-fix-form", "knowledge-form", "prompt-form")


def done_notice(done: str | None, task: ReviewTask) -> str | None:
    """What the page says after the action `done`, true to the task's status now: a decision or a fix on a task
    that needs a second opinion leaves it open for another reviewer; it does not resolve it."""
    if done in FIXES:
        if task.status is Status.RESOLVED:
            return f"{FIXES[done]} and the task resolved by it."
        if task.active:
            return f"{FIXES[done]}; {AWAITS_SECOND} (it needs two different reviewers)."
        return f"{FIXES[done]}."
    if done in DECISIONS and task.active and task.second_opinion:
        return f"Decision recorded: {done}; {AWAITS_SECOND}."
    return DONE_NOTICES.get(done or "")


def claimed_by_other(refusal: ClaimedByOther, now: datetime) -> str:
    """Someone else's claim as the page says it: who holds the task, until when (as pages show times) and how soon."""
    left = refusal.expires_at - now
    soon = f"in {duration_text(left)}"
    return (
        f"{refusal.holder} has claimed this task until {when_text(refusal.expires_at)} ({soon}): wait for the "
        f"claim to lapse or ask {refusal.holder} to release it."
    )


def task_conflict_text(refusal: TaskConflict, now: datetime) -> str:
    """A refused change to a review task as every page says it: someone else's claim in the pages' words, else why."""
    return claimed_by_other(refusal, now) if isinstance(refusal, ClaimedByOther) else refusal.message


def wait_text(minutes: float | None) -> str | None:
    """The estimated wait as the page says spans ("under a minute", "3 h 20 min", "2 d 1 h"); None without one."""
    if minutes is None:
        return None
    return duration_text(timedelta(minutes=minutes))


def current_decisions(detail: ReviewTaskDetail) -> list[Decision]:
    """The decisions of the task's current round (a reopened task starts a new round)."""
    return [decision for decision in detail.decisions if decision.round == detail.task.round]


@dataclass(frozen=True, slots=True)
class ShownInteraction:
    """One of the task's interactions as the task page shows it."""

    record: InteractionWithFeedback
    question: str
    # An answer of `n` > 1 choices: each with the feedback on it (admin_ui.choice_views); () for one choice.
    choices: tuple[ShownChoice, ...] = ()


def judged_choices(detail: ReviewTaskDetail, shown: list[ShownInteraction]) -> tuple[int, ...]:
    """The indexes of the choices a decision on the task may name: its one answer's, when it has several; else ()."""
    if len(detail.interaction_ids) != 1 or len(shown) != 1:
        return ()
    return tuple(choice.choice.index for choice in shown[0].choices)


async def _active_prompt_text(services: Services, app: str) -> str:
    listing = await services.prompts.service.list(app)
    for listed in listing.versions:
        if listed.state == "active" and listed.version.model is None:
            return listed.version.text
    return ""


def _held_outcome(services: Services, detail: ReviewTaskDetail) -> str | None:
    """What the app waiting on the task's held answer got, once its hold is over (None: none held, or it waits)."""
    held = held_answer_of(detail.task.evidence, detail.events)
    if held is None:
        return None
    return hold_outcome(held, detail.events, datetime.now(UTC), services.settings.review_hold_fallback)


async def _held_elsewhere(services: Services, task: ReviewTask) -> list[HeldElsewhere]:
    """The other tasks holding complaints of the task's issue (none for a task about no issue)."""
    if task.issue_id is None:
        return []
    members = await services.issue_service.members(task.issue_id)
    if members is None:
        return []
    return await held_elsewhere(ReviewHolders(services.engine), task, members.member_ids)


async def task_page(
    request: Request[Any, Any, Any],
    services: Services,
    user: SignedInUser,
    task_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    refused: dict[str, str | None] | None = None,
    form: dict[str, str] | None = None,
    sent_by: str | None = None,
) -> Response[Any]:
    """The task page, with an error from a refused action and what was typed in its form kept.

    `refused`: the field the error is about, by the id of the form that sent it (marked in that form alone);
    `sent_by`: that form's id, whose idempotency key the page keeps (every other keyed form gets a fresh one).
    """
    try:
        detail: ReviewTaskDetail = await services.reviews.get(task_id)
    except TaskNotFound:
        raise NotFoundException(f"There is no review task {clipped(task_id)}.") from None
    shown = []
    for interaction_id in detail.interaction_ids[:SHOWN_INTERACTIONS]:
        found = await services.interaction_service.get_with_feedback(interaction_id)
        if found is not None:
            shown.append(ShownInteraction(found, last_user_message(found.interaction.request), shown_choices(found)))
    task = detail.task
    # The issues the page names (the task's, and those its events name), by their titles.
    titles = await services.issue_service.titles(
        [*([task.issue_id] if task.issue_id else []), *issues_named(detail.events)]
    )
    can_act = user.allows(Role.REVIEWER)
    # The issues its answers belong to, with their fixes in force: what a fix already live resolves it by.
    task_issues = await services.task_fixes.task_issues(detail)
    done = request.query_params.get("done")
    me = user.name.casefold()
    return render(
        request,
        "review_task.html",
        status_code=status_code,
        detail=detail,
        task=task,
        interactions=shown,
        estimated_wait=wait_text(detail.estimated_wait_minutes),
        hidden_interactions=max(len(detail.interaction_ids) - SHOWN_INTERACTIONS, 0),
        held_elsewhere=await _held_elsewhere(services, task),
        # A task holding no answer (its issue's complaints held first by other tasks): no decision is offered.
        nothing_to_decide=nothing_to_decide(len(detail.interaction_ids)),
        named_elsewhere=NAMED_ELSEWHERE,
        evidence=evidence_view(task.evidence, task.reason, _held_outcome(services, detail)),
        events=event_views(detail.events, task.app, titles, task.issue_id),
        issue_title=titles.get(task.issue_id or "", task.issue_id),
        can_act=can_act,
        # `r` asks before refusing an app that waits on the task's held answer: the app cannot be un-refused.
        app_waits=app_waits(task.evidence, detail.events, datetime.now(UTC)),
        mine=task.lease is not None and same_person(task.lease.holder, user.name),
        error=error,
        refused=refused or {},
        notice=done_notice(done, task),
        # A second-opinion task after its first decision: the first reviewer may not judge it again, and a task
        # already resolved by a fix gets the second opinion on that fix, not a second fix.
        decided_by_me=task.active and any(d.reviewer.casefold() == me for d in current_decisions(detail)),
        existing_fix=fix_decision(detail) if task.active else None,
        # The choices a decision may name (an answer of `n` > 1 on a task about it alone); () offers no pick.
        judged_choices=judged_choices(detail, shown),
        task_issues=task_issues,
        linked_fixes=fixes_in_force(task_issues) if can_act and task.active else [],
        issue_titles={found.issue_id: found.title for found in task_issues},
        # Whom the task may be given to: the people who can act on it (and whoever holds it now, named by the API).
        assignees=await assignees(services, task.assignee) if can_act and task.active else [],
        # A fix is measured on the issue holding the task's complaints now (its issue, or where it was merged).
        fix_issue_id=await _fix_issue(services, task.issue_id) if can_act and task.active else task.issue_id,
        form=form or {},
        # The form `form` was sent by: a comment or note kept goes back into that form alone.
        sent_by=sent_by,
        # Each keyed form's own key (admin_ui.form_keys), by its id: the form refused keeps the one it sent.
        form_keys=form_keys(KEYED_FORMS, sent_by, form),
        # The browser stops a title the knowledge base would refuse, as the Knowledge page's form does.
        knowledge_title_max=KNOWLEDGE_MAX_TITLE,
        # The entry form starts with the issue's title and the first correction (a form sent back keeps what it held).
        entry_draft=entry_draft(task.suggested_action, titles.get(task.issue_id or "")),
        prompt_text=(form or {}).get("text") or (await _active_prompt_text(services, task.app) if can_act else ""),
        here=f"/admin/reviews/{task.id}",
        # The way back to the queue as it was filtered, also after a form sent here (admin_ui.list_back).
        **back_context(QUEUE_LIST, await sent_back(request)),
    )


async def _fix_issue(services: Services, issue_id: str | None) -> str | None:
    """The issue a fix resolving the task is linked to: the end of `issue_id`'s chain of merges."""
    if issue_id is None:
        return None
    try:
        return await services.fix_links.surviving_issue(issue_id)
    except IssueNotFound:
        return issue_id


async def assignees(services: Services, current: str | None) -> list[str]:
    """The enabled reviewers' and admins' names, by name, with the current assignee among them."""
    names = {u.name for u in await services.accounts.list() if u.disabled_at is None and u.role.allows(Role.REVIEWER)}
    return sorted(names | ({current} if current else set()), key=str.casefold)


class ReviewTaskController(Controller):
    """GET /admin/reviews/{id}: every signed-in user reads a task; its forms need the reviewer role."""

    path = "/reviews"
    guards = [signed_in]

    @get("/{task_id:str}")
    async def task(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """The task with everything it rests on and the forms to act on it."""
        return await task_page(request, services, user, task_id)
