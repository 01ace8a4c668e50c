"""Fix previews in the admin pages: try a knowledge entry or prompt text on an issue's traffic before it goes live.

/admin/issues/{id}/previews holds the two candidate forms and the issue's earlier previews;
sending a form replays up to `limit` of the issue's newest interactions with the candidate
(gateway.fixes.preview: one upstream call each, so reviewers and admins only) and leads to
/admin/previews/{id}, where each question shows the answer the user got, the new one and the
user's correction side by side. From there a reviewer makes exactly what was previewed live for
the issue (gateway.fixes.issue_fixes: the fix created and linked to the issue, so its effect is
measured), or resolves one of the issue's open review tasks by it on the task's page.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.choice_views import ShownChoice, shown_choices
from admin_ui.form_keys import ALREADY_SENT, KEY_FIELD, differs_text, new_form_key, sent_key
from admin_ui.form_text import canary_share, form_text, non_blank_lines, refusal_text, refused_field
from admin_ui.public_urls import redirect
from admin_ui.query_params import is_whole_number
from admin_ui.rendering import render
from admin_ui.session import current_user, reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.conversation import ToolCall, tool_calls_of
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.quoting import clipped, quoted
from gateway.effect.links import IssueMergedAway, IssueNotFound
from gateway.fixes.candidates import candidate_from
from gateway.fixes.issue_fixes import LiveFixDiffers
from gateway.fixes.new_fix import PromptRollout
from gateway.fixes.preview import DEFAULT_LIMIT, MAX_LIMIT, FixPreview, NothingToReplay
from gateway.knowledge.errors import EntrySwitchedOff
from gateway.prompts.records import MODES
from gateway.review.suggestion import entry_draft
from gateway.services import Services
from gateway.store.reviews import ReviewFilter

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
# How many of the issue's open review tasks the result page offers for making the fix live.
TASKS_OFFERED = 5
TASKS_LOOKED_AT = 20
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
    merged_into = detail.issue.merged_into
    titles = await services.issue_service.titles([merged_into]) if merged_into else {}
    can_preview = user is not None and user.allows(Role.REVIEWER) and merged_into is None
    # The entry form starts as a review task's does: the issue's title and its first correction.
    suggestion = await services.reviews.issue_suggestion(issue_id, detail.member_ids) if can_preview else None
    return render(
        request,
        "fix_preview_form.html",
        status_code=status_code,
        issue=detail.issue,
        previews=await services.previews.for_issue(issue_id),
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
        return redirect(request, f"{PREVIEWS_PATH}/{preview.id}")


async def _title(services: Services, issue_id: str | None) -> str | None:
    """An issue's title (its id when it has none), or None for no issue."""
    if issue_id is None:
        return None
    return (await services.issue_service.titles([issue_id])).get(issue_id, issue_id)


async def _covered(services: Services, issue_id: str) -> tuple[str, ...]:
    """The issues a filter on `issue_id` covers, merges followed (gateway.domain.issue_scope); none for an issue
    that is gone (the page says so by its 404)."""
    try:
        return (await services.issue_service.scope(issue_id)).issue_ids
    except InvalidQuery:
        return ()


async def _carried_over(services: Services, preview_issue: str, issue_id: str) -> bool:
    """Whether a preview of `preview_issue` may fill this issue's form: its own, or one of an issue merged into it
    (directly or through others)."""
    return preview_issue == issue_id or preview_issue in await _covered(services, issue_id)


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


async def _answer_choices(services: Services, preview: FixPreview) -> dict[str, tuple[ShownChoice, ...]]:
    """The choices of each replayed answer of `n` > 1 choices, by interaction id, as the interaction page shows them.

    The preview kept the recorded answer (the first listed choice's text) alone; the others are read from the interaction, while it is kept
    (one pruned or erased since shows the answer the preview kept).
    """
    choices = {}
    for item in preview.items:
        found = await services.interaction_service.get_with_feedback(item.interaction_id)
        shown = shown_choices(found) if found is not None else ()
        if shown:
            choices[item.interaction_id] = shown
    return choices


class AnswerCalls(NamedTuple):
    """The tool calls of one item's answer they got and of its replay, as the interaction page shows them."""

    original: tuple[ToolCall, ...]
    new: tuple[ToolCall, ...]


def _tool_calls(preview: FixPreview) -> dict[str, AnswerCalls]:
    """Each item's calls, by interaction id: an answer by tool call often has no text, and its calls are what changed."""
    return {
        item.interaction_id: AnswerCalls(tool_calls_of(item.original_tool_calls), tool_calls_of(item.new_tool_calls))
        for item in preview.items
    }


async def _preview_page(
    request: Request[Any, Any, Any],
    services: Services,
    preview: FixPreview,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    live_form: dict[str, str] | None = None,
) -> Response[Any]:
    # The tasks of the preview's issue and of every issue merged into it, as the issue's own page lists them.
    covered = await _covered(services, preview.issue_id)
    view, tasks = await asyncio.gather(
        services.issue_service.view(preview.issue_id),
        services.reviews.list(ReviewFilter(issue_ids=covered), sort="newest", limit=TASKS_LOOKED_AT),
    )
    user = current_user(request)
    return render(
        request,
        "fix_preview.html",
        status_code=status_code,
        preview=preview,
        counts=preview.counts(),
        answer_choices=await _answer_choices(services, preview),
        tool_calls=_tool_calls(preview),
        issue_title=view.title if view is not None else None,
        # Open or claimed: the tasks whose page can still resolve them by a fix.
        tasks=[task for task in tasks.data if task.active][:TASKS_OFFERED],
        form=form_of(preview),
        can_preview=user is not None and user.allows(Role.REVIEWER),
        # A merged issue's complaints are the other issue's now: a fix linked here would measure nothing
        # (making it live is refused, 409), so the page points there instead of offering the form.
        can_make_live=user is not None and user.allows(Role.REVIEWER) and view is not None and view.merged_into is None,
        merged_into=view.merged_into if view is not None else None,
        merged_into_title=await _title(services, view.merged_into if view is not None else None),
        live_form={"message": "", "rollout": "active", "canary_percent": "10", **(live_form or {})},
        # The make-live form's own key (admin_ui.form_keys), unless the form shown again keeps its own.
        new_key=new_form_key(),
        error=error,
        # The make-live form's field the refusal names.
        error_field=error_field,
    )


async def _stored(services: Services, preview_id: str) -> FixPreview:
    preview = await services.previews.get(preview_id)
    if preview is None:
        raise NotFoundException(f"No preview with id {preview_id}.")
    return preview


class PreviewPageController(Controller):
    """/admin/previews/{id}: a stored preview, for every signed-in user; making it live, for reviewers and admins."""

    path = "/previews"
    guards = [signed_in]

    @get("/{preview_id:str}")
    async def preview(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], preview_id: FromPath[str]
    ) -> Response[Any]:
        """The candidate, what it cost, and each replayed question's old answer, new answer and correction."""
        return await _preview_page(request, services, await _stored(services, preview_id))

    @post("/{preview_id:str}/live", guards=[reviewer_or_admin])
    async def make_live(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
        preview_id: FromPath[str],
    ) -> Response[Any]:
        """Make exactly what was previewed live for its issue and link it; 303 to the issue's page."""
        preview = await _stored(services, preview_id)
        form = await request.form()
        fields = {name: form_text(form, name) for name in ("message", "rollout", "canary_percent", KEY_FIELD)}
        rollout: PromptRollout = "canary" if fields["rollout"] == "canary" else "active"
        try:
            share = canary_share(form, "canary_percent") if rollout == "canary" else None
            made = await services.issue_fixes.make_live(
                preview,
                user.name,
                # Blank (zero-width spaces too) is no message: make_live reads it by the one rule.
                message=fields["message"] or None,
                rollout=rollout,
                canary_share=share,
                idempotency_key=sent_key(form),
                key_field=KEY_FIELD,
            )
        except IssueNotFound:
            message = "The issue this preview was made for is gone (erased or pruned): nothing was made live."
            return await _preview_page(request, services, preview, status_code=409, error=message, live_form=fields)
        except IssueMergedAway as exc:
            titles = await services.issue_service.titles([exc.holding])
            other = f"“{titles[exc.holding]}”" if exc.holding in titles else "another issue"
            message = (
                f"This issue was merged into {other} since this preview, so nothing was made live: a fix linked here "
                "would measure nothing. Preview it on that issue and make it live from there."
            )
            return await _preview_page(request, services, preview, status_code=409, error=message, live_form=fields)
        except KeyReused as exc:
            # The form's key made a fix from other fields: nothing was made now; a fresh form holds what was chosen.
            message = ALREADY_SENT.format(what=f"the fix {exc.subject_id}", differs=differs_text(exc.differs, LABELS))
            fresh = {**fields, KEY_FIELD: new_form_key()}
            return await _preview_page(request, services, preview, status_code=409, error=message, live_form=fresh)
        except (LiveFixDiffers, EntrySwitchedOff) as exc:
            return await _preview_page(request, services, preview, status_code=409, error=exc.message, live_form=fields)
        except InvalidQuery as exc:
            return await _preview_page(
                request,
                services,
                preview,
                status_code=400,
                error=refusal_text(exc, LABELS),
                error_field=refused_field(exc),
                live_form=fields,
            )
        done = "fixed-already" if made.again else "fixed-revised" if made.revised else "fixed"
        return redirect(request, f"/admin/issues/{preview.issue_id}?done={done}")
