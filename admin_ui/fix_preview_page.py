"""One fix preview's page (/admin/previews/{id}): the candidate, each replayed question's old and new answers side
by side, and (for reviewers and admins) making exactly what was previewed live for its issue.

The page and its make-live form keep the way back to the Issues list as it was filtered (`back`, admin_ui.list_back),
and making it live returns to the issue's page with it, as the issue's own actions do.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from admin_ui.choice_views import ShownChoice, shown_choices
from admin_ui.fix_previews import LABELS, covered_issues, form_of
from admin_ui.form_keys import ALREADY_SENT, KEY_FIELD, differs_text, new_form_key, sent_key
from admin_ui.form_text import canary_share, form_text, refusal_text, refused_field
from admin_ui.issue_views import ISSUE_LIST, ISSUES_PATH
from admin_ui.list_back import back_context, sent_back, with_back
from admin_ui.public_urls import redirect
from admin_ui.rendering import render
from admin_ui.session import current_user, reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.conversation import ToolCall, tool_calls_of
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.effect.links import IssueMergedAway, IssueNotFound
from gateway.fixes.issue_fixes import LiveFixDiffers
from gateway.fixes.made_live import live_links
from gateway.fixes.new_fix import PromptRollout
from gateway.fixes.preview import FixPreview
from gateway.knowledge.errors import EntrySwitchedOff
from gateway.services import Services
from gateway.store.reviews import ReviewFilter

# How many of the issue's open review tasks the result page offers for making the fix live.
TASKS_OFFERED = 5
TASKS_LOOKED_AT = 20


async def _title(services: Services, issue_id: str | None) -> str | None:
    """An issue's title (its id when it has none), or None for no issue."""
    if issue_id is None:
        return None
    return (await services.issue_service.titles([issue_id])).get(issue_id, issue_id)


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
    covered = await covered_issues(services, preview.issue_id)
    view, tasks = await asyncio.gather(
        services.issue_service.view(preview.issue_id),
        services.reviews.list(ReviewFilter(issue_ids=covered), sort="newest", limit=TASKS_LOOKED_AT),
    )
    user = current_user(request)
    back = await sent_back(request)
    return render(
        request,
        "fix_preview.html",
        status_code=status_code,
        preview=preview,
        # Made live already: the page says so and links the fix, as GET /api/previews/{id} gives `live_link_id`.
        live_link=(await live_links(services.fix_links, preview.issue_id, [preview])).get(preview.id),
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
        # The way back to the Issues list as it was filtered, also after a refused make-live (admin_ui.list_back).
        **back_context(ISSUE_LIST, back),
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
        # Post/redirect/get to the issue's page, with the way back to the list kept (as its own actions keep it).
        back = ISSUE_LIST.kept(await sent_back(request))
        return redirect(request, with_back(f"{ISSUES_PATH}/{preview.issue_id}?done={done}", back))
