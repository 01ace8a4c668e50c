"""The review task forms (reviewers and admins): claim, release, decide, dismiss, reopen, and resolve by a fix.

Each calls the same ReviewService (or TaskFixes) verb as the JSON API, as the signed-in user, and
answers with a 303 to the page the form names (post/redirect/get). A refusal renders the task page
with the reason: 409 for a conflict (someone else holds the claim, the task is closed), 400 for a
bad field (422 for a choice the task's answer has not), 404 for an unknown task.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.form_keys import ALREADY_SENT, KEY_FIELD, differs_text, new_form_key, sent_key
from admin_ui.form_text import canary_share, form_text, non_blank_lines, refusal_text, refused_field, said_back
from admin_ui.list_back import with_back
from admin_ui.public_urls import redirect
from admin_ui.review_queue import QUEUE_LIST
from admin_ui.review_task import assignees, task_conflict_text, task_page
from admin_ui.session import reviewer_or_admin
from gateway.accounts.records import SignedInUser
from gateway.domain.answer_choices import MAX_CHOICE_INDEX
from gateway.domain.blank_text import without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.quoting import clipped, quoted
from gateway.domain.stored_text import refuse_nul
from gateway.fixes.new_fix import PromptRollout
from gateway.prompts.errors import PromptConflict
from gateway.review.errors import ChoiceRefused, TaskConflict, TaskNotFound
from gateway.review.records import ACTIVE_STATUSES, Outcome
from gateway.services import Services

MAX_TEXT = 20_000
# The task page's forms' label for each field a refusal or a reused key names (templates/review_task.html).
FORM_LABELS = {
    "comment": "Comment",
    "correction": "Correction",
    "choice": "The choice judged",
    "title": "Title",
    "content": "Content",
    "example_questions": "Example questions",
    "text": "Instructions",
    "message": "What changed",
    "rollout": "Roll out",
    "canary_percent": "Canary share",
    "canary_share": "Canary share",
    "link_id": "The fix",
    # The dismiss and second-opinion forms' reason (their boxes say "Why dismiss", "Why two").
    "note": "Note",
}
# The closed task page's one form: its refusals (the task reopened meanwhile) are said as the service words them.
REOPEN_FORM = "reopen-form"
# The fields of those forms a person types in, said back when the task closed meanwhile (the closed page has no form).
TYPED_FIELDS = frozenset({"comment", "correction", "title", "content", "example_questions", "text", "message", "note"})


def _field(form: FormMultiDict, name: str, max_length: int = MAX_TEXT) -> str | None:
    # Trimmed by the one rule, zero-width characters too (str.strip kept them: a comment of U+200B was stored).
    text = without_blank_ends(form_text(form, name))
    refuse_nul(name, text)
    if len(text) > max_length:
        raise InvalidQuery(name, f"'{name}' may be at most {max_length} characters")
    return text or None


def _choice(form: FormMultiDict) -> int | None:
    """The answer's choice the decision judges, as the form's picker sends it; None when the form has no picker."""
    text = _field(form, "choice", 10)
    if text is None:
        return None
    if not text.isdecimal() or int(text) > MAX_CHOICE_INDEX:
        raise InvalidQuery("choice", f"'choice' must be the index of one of the answer's choices, not {quoted(text)}")
    return int(text)


def _outcome(form: FormMultiDict) -> str:
    return str(form.get("outcome", ""))


def _back(request: Request[Any, Any, Any], form: FormMultiDict, task_id: str, done: str) -> Redirect:
    """Where the form asked to go: a review page on this site (the queue keeps its filters); else the task page, with
    the way back to the queue it was opened from (admin_ui.list_back)."""
    target = form.get("next")
    if isinstance(target, str) and target.startswith("/admin/reviews") and "\\" not in target and "//" not in target:
        return redirect(request, target)
    back = form.get("back")
    kept = QUEUE_LIST.kept(back if isinstance(back, str) else None)
    return redirect(request, with_back(f"/admin/reviews/{task_id}?done={done}", kept))


async def _act(
    request: Request[Any, Any, Any],
    services: Services,
    user: SignedInUser,
    task_id: str,
    action: Callable[[FormMultiDict], Awaitable[Any]],
    done: str | Callable[[FormMultiDict], str],
    form_id: str | Callable[[FormMultiDict], str],
) -> Response[Any]:
    """Run `action` on the form; on success go where the form says, on refusal show the task page with why.

    `form_id`: the task page's form that sent it (its id there), whose field a refusal names is marked on the page.
    """
    form = await request.form()
    kept = {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}
    sent = form_id if isinstance(form_id, str) else form_id(form)

    async def again(status_code: int, error: str, shown: dict[str, str], **refusal: Any) -> Response[Any]:
        """The task page with why, holding what was sent in the form `sent`, whose key it keeps."""
        return await task_page(
            request, services, user, task_id, status_code=status_code, error=error, form=shown, sent_by=sent, **refusal
        )

    try:
        await action(form)
    except TaskNotFound:
        raise NotFoundException(f"There is no review task {clipped(task_id)}.") from None
    except TaskConflict as exc:
        error = task_conflict_text(exc, datetime.now(UTC))
        task_status = (await services.reviews.get(task_id)).task.status
        if task_status not in ACTIVE_STATUSES and sent != REOPEN_FORM:
            # The service's "reopen it first" named an action: on this page it is the form the closed page shows.
            error = (
                f"This task is {task_status.value} now, so nothing was saved. "
                "Reopen it below first if it still needs work."
            )
            error = said_back(error, kept, FORM_LABELS, TYPED_FIELDS)
        return await again(409, error, kept)
    except KeyReused as exc:
        # The form's key made a fix or a decision from other fields: nothing was made now; a fresh form holds what
        # was typed. A decision's key names the task (gateway.review.decision_keys).
        what = "your decision on this task" if exc.subject_id == task_id else f"the fix {exc.subject_id}"
        message = ALREADY_SENT.format(what=what, differs=differs_text(exc.differs, FORM_LABELS))
        return await again(409, message, {**kept, KEY_FIELD: new_form_key()})
    except PromptConflict as exc:
        return await again(409, getattr(exc, "message", str(exc)), kept)
    except InvalidQuery as exc:
        # Several of the page's forms have a comment or a note: only the one sent is marked. A choice the answer
        # has not is a 422, as the API answers it.
        status = 422 if isinstance(exc, ChoiceRefused) else 400
        return await again(status, refusal_text(exc, FORM_LABELS), kept, refused={sent: refused_field(exc)})
    return _back(request, form, task_id, done if isinstance(done, str) else done(form))


class ReviewActionsController(Controller):
    """POST /admin/reviews/{id}/…: only reviewers and admins; every change is audited under the user's name."""

    path = "/reviews"
    guards = [reviewer_or_admin]

    @post("/{task_id:str}/claim")
    async def claim(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Take the task for one lease (or renew your own claim)."""

        async def claim(_: FormMultiDict) -> None:
            await services.reviews.claim(task_id, user.name)

        return await _act(request, services, user, task_id, claim, "claimed", "claim-form")

    @post("/{task_id:str}/release")
    async def release(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Give your claim back to the queue."""

        async def release(_: FormMultiDict) -> None:
            await services.reviews.release(task_id, user.name)

        return await _act(request, services, user, task_id, release, "released", "release-form")

    @post("/{task_id:str}/assign")
    async def assign(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Make someone responsible for the task (nobody when the field is empty); a running claim stays."""

        async def assign(form: FormMultiDict) -> None:
            assignee = _field(form, "assignee", 200)
            # The form lists who can act on a task; a forged post names no one else.
            if assignee is not None and assignee not in await assignees(services, None):
                raise InvalidQuery(
                    "assignee", f"{quoted(assignee)} is no enabled reviewer or admin: choose one from the list"
                )
            await services.reviews.assign(task_id, assignee, user.name)

        return await _act(request, services, user, task_id, assign, "assigned", "assign-form")

    @post("/{task_id:str}/decide")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Approve, reject or correct (with the corrected answer), with an optional comment."""

        async def decide(form: FormMultiDict) -> None:
            outcome = _field(form, "outcome", 20)
            if outcome not in {o.value for o in Outcome}:
                raise InvalidQuery("outcome", "choose approve, reject or correct")
            correction = _field(form, "correction") if outcome == Outcome.CORRECT.value else None
            comment = _field(form, "comment")
            choice = _choice(form)
            await services.reviews.decide(
                task_id,
                user.name,
                Outcome(outcome),
                correction,
                comment,
                choice=choice,
                # The form's own key: sent again (a double click, a retry), it records one decision.
                idempotency_key=sent_key(form),
                key_field=KEY_FIELD,
            )

        # The approve, reject and correct forms all send here: each says which by its outcome.
        return await _act(request, services, user, task_id, decide, _outcome, lambda form: f"{_outcome(form)}-form")

    @post("/{task_id:str}/dismiss")
    async def dismiss(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Close the task without a decision, saying why."""

        async def dismiss(form: FormMultiDict) -> None:
            await services.reviews.dismiss(task_id, user.name, _field(form, "note", 2000))

        return await _act(request, services, user, task_id, dismiss, "dismissed", "dismiss-form")

    @post("/{task_id:str}/reopen")
    async def reopen(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Put a resolved or dismissed task back in the queue (a new round, a new deadline), saying why."""

        async def reopen(form: FormMultiDict) -> None:
            await services.reviews.reopen(task_id, user.name, _field(form, "note", 2000))

        return await _act(request, services, user, task_id, reopen, "reopened", REOPEN_FORM)

    @post("/{task_id:str}/second-opinion")
    async def ask_second_opinion(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Make the task need two different reviewers' decisions."""

        async def ask(form: FormMultiDict) -> None:
            await services.reviews.ask_second_opinion(task_id, user.name, _field(form, "note", 2000))

        return await _act(request, services, user, task_id, ask, "second_opinion", "second-opinion-form")

    @post("/{task_id:str}/fix/knowledge")
    async def resolve_with_entry(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Add a knowledge-base entry and resolve the task by it (linked to the task's issue)."""

        async def resolve(form: FormMultiDict) -> None:
            await services.task_fixes.resolve_with_entry(
                task_id,
                user.name,
                title=_field(form, "title", 500) or "",
                content=_field(form, "content") or "",
                example_questions=non_blank_lines(_field(form, "example_questions") or ""),
                comment=_field(form, "comment"),
                idempotency_key=sent_key(form),
                key_field=KEY_FIELD,
                choice=_choice(form),
            )

        return await _act(request, services, user, task_id, resolve, "knowledge", "knowledge-form")

    @post("/{task_id:str}/fix/linked")
    async def resolve_with_linked_fix(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Resolve the task by a fix already linked to its issue (made live from a preview or the issue page)."""

        async def resolve(form: FormMultiDict) -> None:
            link_id = _field(form, "link_id", 36)
            if link_id is None:
                raise InvalidQuery("link_id", "choose the fix that resolves this task")
            await services.task_fixes.resolve_with_linked_fix(
                task_id,
                user.name,
                link_id=link_id,
                comment=_field(form, "comment"),
                idempotency_key=sent_key(form),
                key_field=KEY_FIELD,
                choice=_choice(form),
            )

        return await _act(request, services, user, task_id, resolve, "linked", "linked-fix-form")

    @post("/{task_id:str}/fix/prompt")
    async def resolve_with_prompt(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Publish a new prompt version (active, or a canary) and resolve the task by it (linked to its issue)."""

        async def resolve(form: FormMultiDict) -> None:
            rollout: PromptRollout = "canary" if form.get("rollout") == "canary" else "active"
            share = canary_share(form, "canary_percent") if rollout == "canary" else None
            await services.task_fixes.resolve_with_prompt(
                task_id,
                user.name,
                text=_field(form, "text", 100_000) or "",
                message=_field(form, "message", 2000) or "",
                rollout=rollout,
                canary_share=share,
                comment=_field(form, "comment"),
                idempotency_key=sent_key(form),
                key_field=KEY_FIELD,
                choice=_choice(form),
            )

        return await _act(request, services, user, task_id, resolve, "prompt", "prompt-form")
