"""The Prompts pages (/admin/prompts): instruction versions per app, a diff view, and the rollout verbs of PromptService.

Reading is for every signed-in user; publishing, activating, canaries, promoting and rolling
back need a reviewer or an admin. Every change goes through PromptService with the user's name
as the actor, so it is audited like a change through the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from admin_ui.form_keys import ALREADY_SENT, KEY_FIELD, differs_text, new_form_key, sent_key
from admin_ui.form_text import canary_share, form_text, refusal_text, refused_field
from admin_ui.public_urls import redirect
from admin_ui.query_params import given_text
from admin_ui.rendering import render
from admin_ui.session import reviewer_or_admin, signed_in
from gateway.accounts.records import Role, SignedInUser
from gateway.domain.blank_text import without_blank_ends
from gateway.domain.errors import InvalidQuery
from gateway.domain.idempotency import KeyReused
from gateway.domain.quoting import quoted
from gateway.domain.stored_text import NUL, refuse_nuls
from gateway.prompts.errors import PromptConflict, VersionNotFound
from gateway.prompts.records import MODES, AppPromptListing, ListedVersion, PromptVersion, VersionToPublish
from gateway.prompts.service import MAX_NAME
from gateway.services import Services

PROMPTS_PATH = "/admin/prompts"
# The publish form's label for each field the prompt service names in a refusal (templates/prompts.html).
PUBLISH_LABELS = {
    "app": "App",
    "model": "Model",
    "text": "Instructions",
    "message": "What changed",
    "mode": "Mode",
    "share_percent": "Canary share",
    # The service's names for what the Roll out choice sets.
    "rollout": "Roll out",
    "active": "Roll out",
    "canary_share": "Canary share",
}


def _app_page(request: Request[Any, Any, Any], app: str, changed: str | None = None) -> Redirect:
    query = urlencode({"app": app, **({"changed": changed} if changed else {})})
    return redirect(request, f"{PROMPTS_PATH}?{query}")


def _listable(app: str) -> str | None:
    """The app whose versions a refused form's page lists: none for a name no version can have (too long, or
    holding a NUL, which PostgreSQL cannot even look up), whose listing would fail as the form did."""
    return app if app and NUL not in app and len(app) <= MAX_NAME else None


def _previous_in_series(listing: AppPromptListing) -> dict[str, PromptVersion]:
    """Each version's predecessor in its own series: numbers count per model, so v1 of gpt-4o follows no app-wide v3."""
    previous: dict[str, PromptVersion] = {}
    latest: dict[str | None, PromptVersion] = {}
    for item in reversed(listing.versions):  # oldest first
        version = item.version
        if version.model in latest:
            previous[version.id] = latest[version.model]
        latest[version.model] = version
    return previous


async def _prompts_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    services: Services,
    app: str | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
    open_the_only_app: bool = False,
) -> Response[Any]:
    prompt_service = services.prompts.service
    apps = await prompt_service.apps()
    if open_the_only_app and app is None and len(apps) == 1:
        # One app leaves nothing to choose: its versions are what the reader came for.
        app = apps[0]
    listing = await prompt_service.list(app) if app else None
    changed = request.query_params.get("changed")
    saved = changed in ("published", "activated", "canary", "promoted", "rolled back", "mode")
    return render(
        request,
        "prompts.html",
        status_code=status_code,
        apps=apps,
        app=app,
        listing=listing,
        previous=_previous_in_series(listing) if listing is not None else {},
        modes=MODES,
        can_change=user.allows(Role.REVIEWER),
        error=error,
        # The publish form's field the refusal names (a PromptConflict names none).
        error_field=error_field,
        notice=f"Saved: {changed}." if saved else None,
        # As the API's `warnings`: saved for an app that has had no call, the version may never apply.
        app_warnings=await services.seen_apps.warnings(app, "mode" if changed == "mode" else "version")
        if saved and app
        else [],
        # Only the publish form (for reviewers and admins) offers them.
        known_apps=await services.seen_apps.names() if user.allows(Role.REVIEWER) else [],
        form={
            "text": "",
            "message": "",
            "model": "",
            "mode": "",
            "rollout": "inactive",
            "share_percent": "10",
            KEY_FIELD: new_form_key(),
            **(form or {}),
        },
    )


class PromptsController(Controller):
    """/admin/prompts: versions per app with their rollout state; changes by reviewers and admins."""

    path = "/prompts"
    guards = [signed_in]

    @get("/")
    async def prompts(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """The apps with instructions, or one app's versions (?app=) with the forms to change them."""
        app = given_text(request, "app") or None
        try:
            return await _prompts_page(request, user, services, app, open_the_only_app=True)
        except InvalidQuery as exc:
            return await _prompts_page(request, user, services, None, status_code=400, error=exc.message)

    @get("/diff")
    async def diff(self, request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
        """A unified diff between two versions (?from=&to=), line by line."""
        from_id, to_id = request.query_params.get("from", ""), request.query_params.get("to", "")
        missing = [name for name, given in (("from", from_id), ("to", to_id)) if not given]
        if missing:
            # A link cut short is the reader's to mend, not a version that went missing (404).
            names = " and ".join(f"?{name}=" for name in missing)
            raise ClientException(
                f"Say which versions to compare: {names} (a version's id; the versions list links each)."
            )
        try:
            found = await services.prompts.service.diff(from_id, to_id)
        except VersionNotFound as exc:
            raise NotFoundException(f"There is no prompt version {quoted(exc.version_id)}.") from None
        lines = [(_line_kind(line), line.rstrip("\n")) for line in found.diff.splitlines(keepends=True)]
        return render(request, "prompt_diff.html", diff=found, lines=lines)

    @get("/versions")
    async def versions(self, request: Request[Any, Any, Any]) -> Redirect:
        """The versions are listed on the Prompts page (this address answered the API's JSON 404)."""
        return redirect(request, PROMPTS_PATH)

    @get("/versions/{version_id:str}")
    async def version(
        self, request: Request[Any, Any, Any], services: NamedDependency[Services], version_id: FromPath[str]
    ) -> Response[Any]:
        """One version's instructions, as the gateway sends them, with its state and who published it why."""
        try:
            listed = await services.prompts.service.get(version_id)
        except VersionNotFound:
            raise NotFoundException(f"There is no prompt version {quoted(version_id)}.") from None
        return render(request, "prompt_version.html", listed=listed, version=listed.version)

    @post("/publish", guards=[reviewer_or_admin])
    async def publish(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Publish a new version from the form: inactive, active at once, or as a canary with a share.

        Once per form: the same form sent again (a double click) answers the version the first published.
        """
        form = await request.form()
        fields = {
            name: form_text(form, name)
            for name in ("app", "text", "message", "model", "mode", "rollout", "share_percent")
        }
        key = sent_key(form)
        if key is not None:
            # A form refused for its fields keeps its key: nothing was stored under it.
            fields[KEY_FIELD] = key
        # Trimmed by the one rule, for the page to list: a zero-width app (str.strip kept it) was listed, and its
        # listing refused it, a 500 in place of the form's 400.
        app = without_blank_ends(fields["app"])
        shown = _listable(app)
        try:
            refuse_nuls((name, fields[name]) for name in ("app", "text", "message", "model", "mode"))
            rollout = fields["rollout"]
            asked = VersionToPublish(
                app,
                fields["text"],
                fields["message"],
                user.name,
                model=fields["model"] or None,
                mode=fields["mode"] or None,
                activate=rollout == "active",
                canary_share=canary_share(form, "share_percent") if rollout == "canary" else None,
            )
            await services.prompts.service.publish_once(key, asked, key_field=KEY_FIELD)
        except KeyReused as exc:
            first = await services.prompts.service.get(exc.subject_id)
            what = f"{first.version.label()} of {first.version.app}"
            message = ALREADY_SENT.format(what=what, differs=differs_text(exc.differs, PUBLISH_LABELS))
            fresh = {**fields, KEY_FIELD: new_form_key()}
            return await _prompts_page(request, user, services, shown, status_code=409, error=message, form=fresh)
        except (InvalidQuery, PromptConflict) as exc:
            status = 409 if isinstance(exc, PromptConflict) else 400
            field, said = (
                (refused_field(exc), refusal_text(exc, PUBLISH_LABELS))
                if isinstance(exc, InvalidQuery)
                else (None, exc.message)
            )
            return await _prompts_page(
                request, user, services, shown, status_code=status, error=said, error_field=field, form=fields
            )
        return _app_page(request, app, "published")

    @post("/mode", guards=[reviewer_or_admin])
    async def set_mode(
        self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser], services: NamedDependency[Services]
    ) -> Response[Any]:
        """Set how the app's versions meet its own system message (prepend, append or replace)."""
        form = await request.form()
        app = without_blank_ends(str(form.get("app", "")))
        mode = str(form.get("mode", ""))
        try:
            refuse_nuls([("app", app), ("mode", mode)])
            await services.prompts.service.set_mode(app, mode, user.name)
        except InvalidQuery as exc:
            return await _prompts_page(request, user, services, _listable(app), status_code=400, error=exc.message)
        return _app_page(request, app, "mode")

    @post("/{version_id:str}/activate", guards=[reviewer_or_admin])
    async def activate(
        self,
        request: Request[Any, Any, Any],
        version_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Make the version active (re-activating an earlier one rolls back to it)."""
        return await _change(
            request,
            user,
            services,
            version_id,
            "activated",
            lambda: services.prompts.service.activate(version_id, user.name),
        )

    @post("/{version_id:str}/canary", guards=[reviewer_or_admin])
    async def canary(
        self,
        request: Request[Any, Any, Any],
        version_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Run the version as a canary on the form's share of traffic (or change the running canary's share)."""
        form = await request.form()

        async def start() -> ListedVersion:
            return await services.prompts.service.canary(version_id, canary_share(form, "share_percent"), user.name)

        return await _change(request, user, services, version_id, "canary", start)

    @post("/{version_id:str}/promote", guards=[reviewer_or_admin])
    async def promote(
        self,
        request: Request[Any, Any, Any],
        version_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """Make the running canary the active version for all traffic."""
        return await _change(
            request,
            user,
            services,
            version_id,
            "promoted",
            lambda: services.prompts.service.promote(version_id, user.name),
        )

    @post("/{version_id:str}/rollback", guards=[reviewer_or_admin])
    async def rollback(
        self,
        request: Request[Any, Any, Any],
        version_id: FromPath[str],
        user: NamedDependency[SignedInUser],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        """End the canary, or go back from the active version to the one active before it."""
        return await _change(
            request,
            user,
            services,
            version_id,
            "rolled back",
            lambda: services.prompts.service.rollback(version_id, user.name),
        )


async def _change(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    services: Services,
    version_id: str,
    done: str,
    change: Callable[[], Awaitable[ListedVersion]],
) -> Response[Any]:
    try:
        changed = await change()
    except VersionNotFound:
        raise NotFoundException(f"There is no prompt version {quoted(version_id)}.") from None
    except (InvalidQuery, PromptConflict) as exc:
        version = await services.prompts.service.get(version_id)
        status = 409 if isinstance(exc, PromptConflict) else 400
        return await _prompts_page(request, user, services, version.version.app, status_code=status, error=exc.message)
    return _app_page(request, changed.version.app, done)


def _line_kind(line: str) -> str:
    """How a unified-diff line is shown: a header, a hunk marker, an added, removed or unchanged line."""
    if line.startswith(("---", "+++")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "added"
    if line.startswith("-"):
        return "removed"
    return "same"
