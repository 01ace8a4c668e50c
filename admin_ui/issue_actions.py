"""The issue page's forms (reviewers and admins): change the status, rename, merge, open a review task.

Every action needs reviewer or admin, checked on the server, and goes through the same domain
services as the JSON API (IssueService, ReviewService), under the user's name. A done action
answers with a 303 to the issue page (post/redirect/get); a refused one renders the issue page
(admin_ui/issue_page.py) with the reason and the form as sent: 400 for a bad field, 409 when the
issue changed since the page showed it (or its review task conflicts), 404 for an unknown issue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.form_text import refusal_text, refused_field
from admin_ui.issue_page import issue_page
from admin_ui.issue_views import ISSUE_LIST, ISSUES_PATH
from admin_ui.list_back import sent_back, with_back
from admin_ui.public_urls import redirect
from admin_ui.review_task import task_conflict_text
from admin_ui.session import reviewer_or_admin, signed_in
from clustering.issue_status import TRIAGE_STATUSES, IssueStatus
from gateway.accounts.records import SignedInUser
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import not_one_of
from gateway.domain.issue_views import ChangeAlreadyMade, Difference, IssueChanged, IssueView
from gateway.domain.issues import IssueDetail
from gateway.domain.quoting import clipped, quoted
from gateway.domain.stored_text import refuse_nul, refuse_nuls
from gateway.review.errors import TaskConflict
from gateway.review.records import Priority, Source
from gateway.services import Services

# The issue page's forms' label for each field a refusal names (templates/issue.html), the services' names for them
# too (a merge's target is the service's `merged_into`); the hidden fields holding the issue as the page showed it
# are said as what they hold, as no box labels them.
FORM_LABELS = {
    "priority": "Priority",
    "reason": "Reason",
    "note": "Note",
    "title": "New title",
    "into": "Merge into",
    "merged_into": "Merge into",
    "expected_status": "The status this page showed",
    "expected_title": "The title this page showed",
    "expected_merged_into": "The merge this page showed",
}
# The field of the form a service's field is, for the page to mark it.
FORM_FIELD = {"merged_into": "into"}
# How a page names what changed under it (IssueChanged's differences).
SEEN_FIELDS = {"status": "its status", "title": "its title"}


def _form_field(exc: InvalidQuery) -> str | None:
    """The issue page's field a refusal names, for the page to mark it."""
    field = refused_field(exc)
    return FORM_FIELD.get(field, field) if field else None


async def _done(request: Request[Any, Any, Any], issue_id: str, what: str) -> Redirect:
    # Post/redirect/get: reloading the page does not repeat the action; the page keeps its way back to the list.
    back = ISSUE_LIST.kept(await sent_back(request))
    return redirect(request, with_back(f"{ISSUES_PATH}/{issue_id}?done={what}", back))


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}


def _seen(form: dict[str, str]) -> IssueView | None:
    """The issue as the page showed it, from the form's expected_status, expected_title and expected_merged_into (None: a form without them)."""
    refuse_nuls(
        [("expected_title", form.get("expected_title")), ("expected_merged_into", form.get("expected_merged_into"))]
    )
    return IssueView.sent(form.get("expected_status"), form.get("expected_title"), form.get("expected_merged_into"))


def _named(issue_id: str | None, titles: dict[str, str]) -> str:
    """Another issue as a person knows it: its title (its id only when it is gone)."""
    return f"“{titles[issue_id]}”" if issue_id in titles else str(issue_id)


def _said(difference: Difference, titles: dict[str, str]) -> str:
    """One way the issue changed under the page, in the page's words (`titles`: the other issues' titles by id)."""
    if difference.field != "merged_into":
        return f"{SEEN_FIELDS[difference.field]} is now “{difference.now}” (you saw “{difference.seen}”)"
    if difference.now is None:
        return (
            f"it is no longer merged into {_named(difference.seen, titles)} "
            "(a clustering run found its complaints apart again)"
        )
    # A clustering run's merge names nobody.
    merged = f"{difference.by} merged it" if difference.by else "it was merged"
    seen = f"merged into {_named(difference.seen, titles)}" if difference.seen is not None else "not merged"
    return f"{merged} into {_named(difference.now, titles)} (you saw it {seen})"


def _changed_message(exc: IssueChanged, titles: dict[str, str]) -> str:
    """What a page says of a change refused because the issue changed under it (`titles`: the other issues' by id)."""
    changed = "; ".join(_said(d, titles) for d in exc.differences)
    return (
        f"This issue changed since you opened the page: {changed}. Nothing was saved. "
        "The page now shows the issue as it is, with what you entered kept: send it again if you still want it."
    )


# How a page names a status change someone else already made.
MADE = {"open": "opened", "resolved": "resolved", "dismissed": "dismissed"}


def _already_made_message(exc: ChangeAlreadyMade, titles: dict[str, str]) -> str:
    """What a page says of a change someone else already made while this one carried a note (IssueView's rule)."""
    change = exc.change
    who = exc.by or "Someone else"
    if exc.again:
        did = f"{MADE.get(exc.status.value, exc.status.value)} this issue"
    else:
        did = f"merged this issue into {_named(exc.merged_into, titles)}"
    noting = f", noting “{change.note}”" if change is not None and change.note else ""
    then = (
        "It is kept below: press “Add the note” to add it to the issue's history."
        if exc.again
        else "A merge cannot be made again, so it cannot be added to it: it is kept here for you to copy."
    )
    return f"{who} already {did}{noting} before you sent yours, so your note was not saved. {then}"


async def _triage(
    request: Request[Any, Any, Any],
    services: Services,
    issue_id: str,
    kept: dict[str, str],
    change: Callable[[], Awaitable[IssueDetail | None]],
    done: str,
) -> Response[Any]:
    """Make a triage form's change (status, rename or merge) and go to the issue page, saying `done`.

    A refused change renders the page again with why and `kept`, the form as sent: 400 for a bad
    field (a bad title marks the rename box), 409 when the issue changed since the page showed it,
    or when someone else already made this change and the note sent with it would be lost.
    """
    try:
        changed = await change()
    except InvalidQuery as exc:
        return await issue_page(
            request,
            services,
            issue_id,
            status_code=400,
            error=refusal_text(exc, FORM_LABELS),
            kept=kept,
            error_field=_form_field(exc),
        )
    except IssueChanged as exc:
        merges = [d for d in exc.differences if d.field == "merged_into"]
        titles = await services.issue_service.titles([i for d in merges for i in (d.seen, d.now) if i is not None])
        error = _changed_message(exc, titles)
        return await issue_page(request, services, issue_id, status_code=409, error=error, kept=kept)
    except ChangeAlreadyMade as exc:
        titles = await services.issue_service.titles([exc.merged_into] if exc.merged_into else [])
        error = _already_made_message(exc, titles)
        if not exc.again:
            error = f"{error} Your note: “{kept.get('note', '')}”"
        return await issue_page(request, services, issue_id, status_code=409, error=error, kept=kept)
    if changed is None:
        raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
    return await _done(request, issue_id, done)


class IssueActionsController(Controller):
    """POST /admin/issues/{id}/…: only reviewers and admins; every change is audited under the user's name."""

    path = "/issues"
    guards = [signed_in]

    @post("/{issue_id:str}/status", guards=[reviewer_or_admin])
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Reopen, resolve or dismiss the issue, with an optional note.

        The triage forms (this one, rename and merge) send the status, title and merge the page showed
        (expected_status, expected_title, expected_merged_into): when the issue changed since (merged
        meanwhile, say), IssueService refuses the change (IssueView's rule) and the page comes back
        (409) saying what changed, the form as sent.
        """
        form = await _form(request)
        status = form.get("status", "")

        async def triage() -> IssueDetail | None:
            if status not in {triaged.value for triaged in TRIAGE_STATUSES}:
                # Said as the page's buttons read: the status is the button pressed, no box of the form.
                raise InvalidQuery("status", f"Choose Open (Reopen), Resolve or Dismiss; got {quoted(status)}")
            refuse_nul("note", form.get("note"))
            return await services.issue_service.triage(
                issue_id, IssueStatus(status), form.get("note") or None, actor=user.name, seen=_seen(form)
            )

        kept = {"action": "status", "status": status, "note": form.get("note", "")}
        # An issue nobody had triaged yet (the page showed it `new`) is opened, not reopened.
        opened = status == IssueStatus.OPEN.value and form.get("expected_status") == IssueStatus.NEW.value
        return await _triage(request, services, issue_id, kept, triage, "opened" if opened else status)

    @post("/{issue_id:str}/rename", guards=[reviewer_or_admin])
    async def rename(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Give the issue a new title (refused as a status change is when the page was stale)."""
        form = await _form(request)

        async def rename() -> IssueDetail | None:
            refuse_nul("title", form.get("title"))
            return await services.issue_service.rename(
                issue_id, form.get("title", ""), actor=user.name, seen=_seen(form)
            )

        kept = {"action": "rename", "title": form.get("title", "")}
        return await _triage(request, services, issue_id, kept, rename, "renamed")

    @post("/{issue_id:str}/merge", guards=[reviewer_or_admin])
    async def merge(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Merge the issue into another issue of the same app; the page then shows the merged issue.

        Refused as a status change is when the page (or its merge-candidates panel) was stale.
        """
        form = await _form(request)

        async def merge() -> IssueDetail | None:
            refuse_nuls([("into", form.get("into")), ("note", form.get("note"))])
            return await services.issue_service.merge(
                issue_id, form.get("into", ""), actor=user.name, note=form.get("note") or None, seen=_seen(form)
            )

        kept = {"action": "merge", "into": form.get("into", ""), "note": form.get("note", "")}
        return await _triage(request, services, issue_id, kept, merge, "merged")

    @post("/{issue_id:str}/review", guards=[reviewer_or_admin])
    async def open_review(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Open a review task for the issue (or add to its open one); the review service has it take the issue's
        complaints no task holds, as for `POST /api/reviews` naming the issue."""
        form = await _form(request)
        detail = await services.issue_service.get(issue_id)
        if detail is None:
            raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
        priority = form.get("priority", "")
        reason = form.get("reason") or f"Review the issue “{detail.issue.title}”."
        # What was typed, not the reason said for an empty box, comes back in the form when refused.
        kept = {"action": "review", "priority": priority, "reason": form.get("reason", "")}
        try:
            if priority not in {p.value for p in Priority}:
                raise not_one_of("priority", [p.value for p in Priority], priority)
            refuse_nul("reason", form.get("reason"))
            opened = await services.reviews.open_or_update(
                app=detail.issue.app,
                source=Source.MANUAL,
                reason=reason,
                priority=Priority(priority),
                issue_id=issue_id,
                evidence={"from": "the issue page", "issue": {"id": issue_id, "title": detail.issue.title}},
                tags=detail.issue.keywords[:3],
                actor=user.name,
            )
        except InvalidQuery as exc:
            error = refusal_text(exc, FORM_LABELS)
            return await issue_page(
                request, services, issue_id, status_code=400, error=error, kept=kept, error_field=_form_field(exc)
            )
        except TaskConflict as exc:
            # Said as the review pages say it (a claim: who, until when as pages show times, how soon).
            error = task_conflict_text(exc, datetime.now(UTC))
            return await issue_page(request, services, issue_id, status_code=409, error=error, kept=kept)
        if opened is None:
            return await _done(request, issue_id, "review-unchanged")
        return await _done(request, issue_id, "review" if opened.created else "review-updated")
