"""The Knowledge pages (/admin/knowledge): list and search entries, create and edit them, switch them on and off,
restore an earlier version, and see which interactions an entry was added to.

Reading is for every signed-in user; changes need a reviewer or an admin and go through
KnowledgeService with the user's name as the author, so they are audited as through the API.
The list links each entry with the way back to it as it was filtered (`back`, admin_ui.list_back), which the entry's
page, its forms and their redirects keep.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.form_keys import ALREADY_SENT, KEY_FIELD, differs_text, new_form_key, sent_key
from admin_ui.form_text import form_text, non_blank_lines, refusal_text, refused_field
from admin_ui.list_back import ListBack, back_context, sent_back, with_back
from admin_ui.public_urls import redirect
from admin_ui.query_params import QueryParams, choice_param, given_text, offset_param, url_with
from admin_ui.rendering import matched_text, render
from admin_ui.session import reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.blank_text import said_or_none
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.knowledge_usage import interactions_using
from gateway.domain.paging import Page
from gateway.domain.quoting import quoted
from gateway.domain.search_length import MAX_SEARCH_CHARS
from gateway.knowledge.errors import EntryChanged
from gateway.knowledge.fields import EntryToCreate
from gateway.knowledge.records import KnowledgeEntry
from gateway.services import Services
from gateway.store.knowledge import EntryFilter
from gateway.store.knowledge_usage import KnowledgeUsageStore

KNOWLEDGE_PATH = "/admin/knowledge"
PAGE_SIZE = 50
FIELDS = ("app", "title", "content", "example_questions", "tags")
# The forms' label for each field the knowledge service names in a refusal (templates/knowledge*.html): the
# search's, and an entry's.
LABELS = {
    "q": "Search",
    "tag": "Tag",
    "app": "App",
    "title": "Title",
    "content": "Content",
    "example_questions": "Example questions",
    "tags": "Tags",
    "active": "Active",
}

# The state filter's choices (its `active` in the URL) as its select shows them.
STATE_CHOICES = {"yes": "active", "no": "inactive"}


def _tags(text: str) -> list[str]:
    """The tags box's items, split at commas and line breaks: each trimmed by the one rule, blank ones left out (as
    non_blank_lines leaves a box's blank lines)."""
    return [tag for tag in map(said_or_none, text.replace("\n", ",").split(",")) if tag is not None]


def _filter_from(request: QueryParams) -> tuple[EntryFilter, dict[str, str]]:
    params = {name: given_text(request, name) for name in ("app", "q", "tag", "active")}
    # As the API refuses an `active` that is not a yes or no, rather than list every entry.
    active = {"yes": True, "no": False, None: None}[choice_param(request, "active", STATE_CHOICES)]
    where = EntryFilter(app=params["app"] or None, text=params["q"] or None, tag=params["tag"] or None, active=active)
    return where, params


def _list_query(request: QueryParams) -> tuple[EntryFilter, dict[str, str], int]:
    """The list's filters and where its page starts, as its URL holds them; a 400 naming the filter it refuses."""
    where, params = _filter_from(request)
    # Read as the other listings read theirs: a number past any row (once a 500) or none at all is a 400.
    return where, params, offset_param(request)


# The list's way back from an entry (admin_ui.list_back): its filters and page start, read as the list reads them.
KNOWLEDGE_LIST = ListBack(KNOWLEDGE_PATH, ("app", "q", "tag", "active", "offset"), _list_query)


async def _list_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    services: Services,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
) -> Response[Any]:
    where, params, offset = _list_query(request)
    # The filter a refusal of the search names, by its label: the list is then left out, as the interactions' is,
    # where every entry listed under the refusal read as the search's results.
    refused_filter_label = None
    knowledge = services.knowledge.service
    total: int | None = None
    try:
        # The count GET /api/kb says as `total`, by the same function, so the two never disagree.
        page, total = await asyncio.gather(knowledge.list(where, PAGE_SIZE, offset), knowledge.count(where))
    except InvalidQuery as exc:
        error, error_field, status_code, offset = refusal_text(exc, LABELS), refused_field(exc), 400, 0
        refused_filter_label = LABELS.get(error_field or "", "filters")
        page = Page((), "offset")
    # A later page leads back (the list had no way but the browser's back), and a page past the end says so.
    next_url = url_with(KNOWLEDGE_PATH, params, offset=page.next_offset) if page.next_offset else None
    previous_url = url_with(KNOWLEDGE_PATH, params, offset=max(offset - PAGE_SIZE, 0) or None) if offset else None
    return render(
        request,
        "knowledge.html",
        status_code=status_code,
        entries=page.data,
        params=params,
        state_choices=STATE_CHOICES,
        next_url=next_url,
        previous_url=previous_url,
        first_url=url_with(KNOWLEDGE_PATH, params),
        # Each entry's link carries the list's query, for its page's way back (admin_ui.list_back).
        back_query=KNOWLEDGE_LIST.item_query(url_with(KNOWLEDGE_PATH, params, offset=offset or None)),
        filtered=any(params.values()),
        total_text=matched_text(total, "entry", filtered=any(params.values()), plural="entries"),
        refused_filter_label=refused_filter_label,
        can_change=user.allows(Role.REVIEWER),
        error=error,
        error_field=error_field,
        search_max=MAX_SEARCH_CHARS,
        form={
            "app": params["app"],
            "title": "",
            "content": "",
            "example_questions": "",
            "tags": "",
            KEY_FIELD: new_form_key(),
            **(form or {}),
        },
        # Only the create form (for reviewers and admins) offers them.
        known_apps=await services.seen_apps.names() if user.allows(Role.REVIEWER) else [],
    )


async def _entry_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    services: Services,
    entry_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
    unsaved: dict[str, str] | None = None,
) -> Response[Any]:
    entry = await services.knowledge.service.get(entry_id)
    if entry is None:
        raise NotFoundException(f"There is no knowledge entry {quoted(entry_id)}.")
    versions = await services.knowledge.service.versions(entry_id) or ()
    used_by = await interactions_using(KnowledgeUsageStore(services.engine), entry)
    changed = request.query_params.get("changed")
    saved = changed in ("created", "edited", "activated", "deactivated", "restored")
    notice = f"Saved: {changed}." if saved else None
    if changed == "unchanged":
        notice = f"Nothing to save: the form holds the entry as it is, so it stays at version {entry.version}."
    return render(
        request,
        "knowledge_entry.html",
        status_code=status_code,
        entry=entry,
        versions=versions,
        used_by=used_by,
        can_change=user.allows(Role.REVIEWER),
        error=error,
        error_field=error_field,
        notice=notice,
        # As the API's `warnings`: saved for an app that has had no call, the entry may never apply.
        app_warnings=await services.seen_apps.warnings(entry.app, "entry") if saved else [],
        form=form or _form_of(entry),
        unsaved=unsaved,
        # The way back to the list as it was filtered, also after a form sent here (admin_ui.list_back).
        **back_context(KNOWLEDGE_LIST, await sent_back(request)),
    )


def _form_of(entry: KnowledgeEntry) -> dict[str, str]:
    return {
        "app": entry.app,
        "title": entry.title,
        "content": entry.content,
        "example_questions": "\n".join(entry.example_questions),
        "tags": ", ".join(entry.tags),
        # The version the edit form is based on: saving it after someone else's change is a 409.
        "expected_version": str(entry.version),
    }


async def _done(request: Request[Any, Any, Any], entry_id: str, what: str) -> Redirect:
    # Post/redirect/get: reloading the page does not repeat the change; the page keeps its way back to the list.
    back = KNOWLEDGE_LIST.kept(await sent_back(request))
    return redirect(request, with_back(f"{KNOWLEDGE_PATH}/{entry_id}?changed={what}", back))


class KnowledgeController(Controller):
    """/admin/knowledge: entries for every signed-in user; changes by reviewers and admins."""

    path = "/knowledge"
    guards = [signed_in]

    @get("/")
    async def entries(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Entries filtered by app, text, tag and state (all in the URL), most recently changed first."""
        return await _list_page(request, user, services)

    @post("/", guards=[reviewer_or_admin])
    async def create(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Create an entry from the form (active unless unticked), once per form: sent again, it answers the same entry."""
        form = await request.form()
        fields = {name: form_text(form, name) for name in FIELDS}
        # Sent back as ticked or not, so a refused form keeps an unticked box unticked.
        fields["active"] = "on" if form.get("active") == "on" else ""
        key = sent_key(form)
        if key is not None:
            # A form refused for its fields keeps its key: nothing was stored under it.
            fields[KEY_FIELD] = key
        try:
            asked = EntryToCreate(
                fields["app"],
                fields["title"],
                fields["content"],
                non_blank_lines(fields["example_questions"]),
                _tags(fields["tags"]),
                active=form.get("active") == "on",
                author=user.name,
            )
            made = await services.knowledge.service.create_once(key, asked, key_field=KEY_FIELD)
        except KeyReused as exc:
            first = await services.knowledge.service.get(exc.subject_id)
            what = f"the entry “{first.title}”" if first is not None else f"entry {exc.subject_id}"
            message = ALREADY_SENT.format(what=what, differs=differs_text(exc.differs, LABELS))
            fresh = {**fields, KEY_FIELD: new_form_key()}
            return await _list_page(request, user, services, status_code=409, error=message, form=fresh)
        except InvalidQuery as exc:
            return await _list_page(
                request,
                user,
                services,
                status_code=400,
                error=refusal_text(exc, LABELS),
                error_field=refused_field(exc),
                form=fields,
            )
        return await _done(request, made.value.id, "created")

    @get("/{entry_id:str}")
    async def entry(
        self,
        request: Request[Any, Any, Any],
        entry_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """One entry: its fields, the edit form, its versions (with restore) and the interactions it was added to."""
        return await _entry_page(request, user, services, entry_id)

    @post("/{entry_id:str}/edit", guards=[reviewer_or_admin])
    async def edit(
        self,
        request: Request[Any, Any, Any],
        entry_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Save the form's title, content, example questions and tags as a new version.

        The form carries the version it was opened at: when the entry changed since, nothing is saved
        and the page comes back (409) with the current text in the form and the unsaved text beside it.
        """
        form = await request.form()
        fields = {name: form_text(form, name) for name in FIELDS}
        expected = form.get("expected_version")
        if expected is not None:
            fields["expected_version"] = str(expected)
        try:
            changed = await services.knowledge.service.edit(
                entry_id,
                author=user.name,
                title=fields["title"],
                content=fields["content"],
                example_questions=non_blank_lines(fields["example_questions"]),
                tags=_tags(fields["tags"]),
                expected_version=fields.get("expected_version"),
            )
        except EntryChanged as exc:
            message = (
                f"This entry changed since you opened it (version {exc.expected_version}; it is now at version "
                f"{exc.entry.version}). Nothing was saved: the form now shows the current text; "
                "your text is below it to copy from."
            )
            return await _entry_page(request, user, services, entry_id, status_code=409, error=message, unsaved=fields)
        except InvalidQuery as exc:
            return await _entry_page(
                request,
                user,
                services,
                entry_id,
                status_code=400,
                error=refusal_text(exc, LABELS),
                error_field=refused_field(exc),
                form=fields,
            )
        # The service writes nothing for a form holding the entry as it is: say so rather than "Saved".
        unchanged = changed is not None and fields.get("expected_version") == str(changed.version)
        return await _changed(request, changed, entry_id, "unchanged" if unchanged else "edited")

    @post("/{entry_id:str}/activate", guards=[reviewer_or_admin])
    async def activate(
        self,
        request: Request[Any, Any, Any],
        entry_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Let the entry count in retrieval again."""
        activated = await services.knowledge.service.activate(entry_id, author=user.name)
        return await _changed(request, activated, entry_id, "activated")

    @post("/{entry_id:str}/deactivate", guards=[reviewer_or_admin])
    async def deactivate(
        self,
        request: Request[Any, Any, Any],
        entry_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Take the entry out of retrieval, keeping it and its history."""
        deactivated = await services.knowledge.service.deactivate(entry_id, author=user.name)
        return await _changed(request, deactivated, entry_id, "deactivated")

    @post("/{entry_id:str}/restore", guards=[reviewer_or_admin])
    async def restore(
        self,
        request: Request[Any, Any, Any],
        entry_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Bring back an earlier version's text as a new version."""
        form = await request.form()
        version, expected = form.get("version"), form.get("expected_version")
        try:
            # The service checks both versions as sent (digits, within the column's range).
            restored = await services.knowledge.service.restore(
                entry_id,
                None if version is None else str(version),
                author=user.name,
                expected_version=None if expected is None else str(expected),
            )
        except EntryChanged as exc:
            message = (
                f"This entry changed since you opened it (version {exc.expected_version}; it is now at version "
                f"{exc.entry.version}). Nothing was restored: check the current text, then restore again if you still want to."
            )
            return await _entry_page(request, user, services, entry_id, status_code=409, error=message)
        except InvalidQuery as exc:
            return await _entry_page(request, user, services, entry_id, status_code=400, error=exc.message)
        return await _changed(request, restored, entry_id, "restored")


async def _changed(request: Request[Any, Any, Any], entry: Any, entry_id: str, what: str) -> Redirect:
    if entry is None:
        raise NotFoundException(f"There is no knowledge entry {quoted(entry_id)}.")
    return await _done(request, entry_id, what)
