"""Fix previews in the admin pages: try a knowledge entry or prompt text on an issue's traffic before it goes live.

/admin/issues/{id}/previews holds the two candidate forms and the issue's earlier previews;
sending a form replays up to `limit` of the issue's newest interactions with the candidate
(gateway.fixes.preview: one upstream call each, so reviewers and admins only) and leads to
/admin/previews/{id} (admin_ui/fix_preview_page.py), where each question shows the answer the user got, the new one
and the user's correction side by side. From there a reviewer makes exactly what was previewed live for
the issue (gateway.fixes.issue_fixes: the fix created and linked to the issue, so its effect is
measured), or resolves one of the issue's open review tasks by it on the task's page.

Every page and form of the way keeps the way back to the Issues list as it was filtered (`back`,
admin_ui.list_back), as the issue's own page does, up to the redirect to the issue once the fix is live.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.form_text import form_text, non_blank_lines, refusal_text, refused_field
from admin_ui.issue_views import ISSUE_LIST
from admin_ui.list_back import back_context, sent_back, with_back
from admin_ui.public_urls import redirect
from admin_ui.query_params import is_whole_number
from admin_ui.rendering import render
from admin_ui.session import current_user, reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import clipped, quoted
from gateway.effect.links import IssueNotFound
from gateway.fixes.candidates import candidate_from
from gateway.fixes.made_live import live_links
from gateway.fixes.preview import DEFAULT_LIMIT, MAX_LIMIT, FixPreview, NothingToReplay
from gateway.prompts.records import MODES
from gateway.review.suggestion import entry_draft
from gateway.services import Services

PREVIEWS_PATH = "/admin/previews"
# The fields the two candidate forms send (each form sends its own kind's).
FORM_FIELDS = ("kind", "title", "content", "example_questions", "text", "mode", "limit")
# The preview forms' and the make-live form's label for each field a refusal names (templates/fix_preview*.html).
LABELS = {
    "title": "Title",
    "content": "Content",
    "example_questions": "Example questions",
    "text": "Instructions",
    "mode": "Placed",
    "limit": "How many to replay",
    "message": "What changed",
    "rollout": "Roll out",
    "canary_percent": "Canary share",
    # The make-live service's name for the canary's share.
    "share": "Canary share",
}
# The page's word for NothingToReplay: the API's message names the issue by id, this page is the issue's own.
NOTHING_TO_REPLAY = (
    "Nothing to replay: this issue holds no chat completion or Responses API interaction now (its complaints "
    "vanished), so nothing was sent upstream and no preview was kept."
)


def _limit(raw: str) -> int:
    """The form's `limit` as a number; InvalidQuery (as the service's own check) for anything else."""
    text = raw.strip()
    if not text:
        return DEFAULT_LIMIT
    if not is_whole_number(text) or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidQuery(
            "limit", f"How many to replay must be a whole number from 1 to {MAX_LIMIT}; got {quoted(text)}."
        )
    return int(text)


def form_of(preview: FixPreview) -> dict[str, str]:
    """A preview's candidate as the form that made it, to change and try again."""
    candidate = preview.candidate
    return {
        "kind": preview.kind,
        "title": candidate.get("title") or "",
        "content": candidate.get("content") or "",
        "example_questions": "\n".join(candidate.get("example_questions") or []),
        "text": candidate.get("text") or "",
        "mode": candidate.get("mode") or "",
        "limit": str(preview.requested),
    }


async def _form_page(
    request: Request[Any, Any, Any],
    services: Services,
    issue_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
) -> Response[Any]:
    detail = await services.issue_service.get(issue_id)
    if detail is None:
        raise NotFoundException(f"No issue with id {clipped(issue_id)}.")
    user = current_user(request)
    back = await sent_back(request)
    merged_into = detail.issue.merged_into
    titles = await services.issue_service.titles([merged_into]) if merged_into else {}
    can_preview = user is not None and user.allows(Role.REVIEWER) and merged_into is None
    # The entry form starts as a review task's does: the issue's title and its first correction.
    suggestion = await services.reviews.issue_suggestion(issue_id, detail.member_ids) if can_preview else None
    previews = await services.previews.for_issue(issue_id)
    return render(
        request,
        "fix_preview_form.html",
        status_code=status_code,
        issue=detail.issue,
        previews=previews,
        # Each preview made live, by id: its row says by whom and when and links the fix (as the preview's page does).
        live_links=await live_links(services.fix_links, issue_id, previews),
        # A merged issue's complaints are the other issue's now: a preview here could only come back empty.
        merged_into=merged_into,
        merged_into_title=titles.get(merged_into or "", merged_into),
        can_preview=can_preview,
        entry_draft=entry_draft(suggestion, detail.issue.title),
        # A form sent (or carried over from an earlier preview) shows what it held, blanks included.
        form_sent="title" in (form or {}),
        # In pass-through mode the gateway holds no upstream key: the form asks for one, used once.
        asks_for_key=services.settings.key_mode != "gateway",
        error=error,
        # The field the refusal names, marked in the form sent alone (both forms have a limit).
        refused={(form or {}).get("kind", ""): error_field},
        form={**dict.fromkeys(FORM_FIELDS, ""), "kind": "knowledge", "limit": str(DEFAULT_LIMIT), **(form or {})},
        modes=MODES,
        max_limit=MAX_LIMIT,
        default_limit=DEFAULT_LIMIT,
        # The way back to the Issues list as it was filtered, also after a refused form (admin_ui.list_back).
        **back_context(ISSUE_LIST, back),
    )


class FixPreviewsController(Controller):
    """The candidate forms and earlier previews of one issue; sending one replays it (reviewers and admins)."""

    path = "/issues"
    guards = [signed_in]

    @get("/{issue_id:str}/previews")
    async def previews(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], issue_id: FromPath[str]
    ) -> Response[Any]:
        """The forms to try a knowledge entry or prompt text on the issue's traffic, and its earlier previews."""
        return await _form_page(request, services, issue_id, form=await _form_from_query(request, services, issue_id))

    @post("/{issue_id:str}/previews", guards=[reviewer_or_admin])
    async def create(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        issue_id: FromPath[str],
    ) -> Response[Any]:
        """Replay the issue's newest interactions with the form's candidate; 303 to the stored preview."""
        form = await request.form()
        fields = {name: form_text(form, name) for name in FORM_FIELDS}
        knowledge = fields["kind"] == "knowledge"
        try:
            # Each form sends only its own kind's fields; the other kind's are left out, not refused.
            candidate = candidate_from(
                fields["kind"],
                title=fields["title"] if knowledge else None,
                content=fields["content"] if knowledge else None,
                example_questions=non_blank_lines(fields["example_questions"]) if knowledge else (),
                text=None if knowledge else fields["text"],
                mode=None if knowledge else (fields["mode"] or None),
            )
            preview = await services.previews.preview(
                issue_id,
                candidate,
                _limit(fields["limit"]),
                authorization=form_text(form, "authorization") or None,
                author=user.name,
            )
        except IssueNotFound as exc:
            raise NotFoundException(f"No issue with id {clipped(issue_id)}.") from exc
        except InvalidQuery as exc:
            return await _form_page(
                request,
                services,
                issue_id,
                status_code=400,
                error=refusal_text(exc, LABELS),
                error_field=refused_field(exc),
                form=fields,
            )
        except NothingToReplay:
            return await _form_page(request, services, issue_id, status_code=409, error=NOTHING_TO_REPLAY, form=fields)
        back = ISSUE_LIST.kept(await sent_back(request))
        return redirect(request, with_back(f"{PREVIEWS_PATH}/{preview.id}", back))


async def covered_issues(services: Services, issue_id: str) -> tuple[str, ...]:
    """The issues a filter on `issue_id` covers, merges followed (gateway.domain.issue_scope); none for an issue
    that is gone (the page says so by its 404)."""
    try:
        return (await services.issue_service.scope(issue_id)).issue_ids
    except InvalidQuery:
        return ()


async def _carried_over(services: Services, preview_issue: str, issue_id: str) -> bool:
    """Whether a preview of `preview_issue` may fill this issue's form: its own, or one of an issue merged into it
    (directly or through others)."""
    return preview_issue == issue_id or preview_issue in await covered_issues(services, issue_id)


async def _form_from_query(request: Request[Any, Any, Any], services: Services, issue_id: str) -> dict[str, str]:
    """A form started from a link: `?from=` an earlier preview of this issue (or of one merged into it) fills it in,
    `?kind=` picks the form."""
    earlier = request.query_params.get("from")
    if earlier:
        preview = await services.previews.get(earlier)
        if preview is not None and await _carried_over(services, preview.issue_id, issue_id):
            return form_of(preview)
    kind = request.query_params.get("kind")
    return {"kind": kind} if kind in ("knowledge", "prompt") else {}
