"""The Users page (admins only): list, add, disable or enable, and change roles, through AccountService."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from admin_ui.form_text import refused_field
from admin_ui.public_urls import redirect
from admin_ui.rendering import render
from admin_ui.session import accounts_of, admin_only
from gateway.accounts.errors import AccountError, LastAdmin, NameTaken
from gateway.accounts.records import ROLE_ORDER, SignedInUser, User
from gateway.accounts.rules import parse_role

USERS_PATH = "/admin/users"


async def _users_page(
    request: Request[Any, Any, Any],
    user: SignedInUser,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    **form: str,
) -> Response[Any]:
    users = await accounts_of(request).list()
    # Only a user that exists is named, and the words come from their account as it is now (the URL
    # only says which kind of change), so a crafted link cannot put words on the page.
    changed = next((account for account in users if account.name == request.query_params.get("changed")), None)
    notice = _notice(changed, request.query_params.get("change")) if changed else None
    return render(
        request,
        "users.html",
        status_code=status_code,
        users=users,
        roles=[role.value for role in ROLE_ORDER],
        me=user,
        error=error,
        # The "Add user" field the refusal names (a refused change in the table names none there).
        error_field=error_field,
        notice=notice,
        form={"name": "", "role": "viewer", **form},
    )


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def _notice(account: User, change: str | None) -> str:
    """What the change did, said of the account as it is now: "Saved: name." for a change it does not know."""
    name = account.name
    if change == "added":
        return f"Added {name} as {_a(account.role.value)}."
    if change == "role":
        return f"{name} is now {_a(account.role.value)}."
    if change == "disabled" and account.disabled:
        return f"{name} is disabled: they cannot sign in, and their sessions have ended."
    if change == "enabled" and not account.disabled:
        return f"{name} can sign in again."
    return f"Saved: {name}."


async def _refused(
    request: Request[Any, Any, Any], user: SignedInUser, exc: AccountError, **added: str
) -> Response[Any]:
    """The page again with why: 409 when the change would leave no enabled admin (it conflicts with who the
    admins are now, perhaps since another admin's change) or takes a name a user has (in any case), 400 for
    anything else asked wrongly. `added`: the "Add user" form as sent, kept, its refused field marked."""
    status = 409 if isinstance(exc, LastAdmin | NameTaken) else 400
    field = refused_field(exc) if added else None
    return await _users_page(request, user, status_code=status, error=exc.message, error_field=field, **added)


def _done(request: Request[Any, Any, Any], name: str, change: str) -> Redirect:
    # Post/redirect/get: reloading the page does not repeat the change.
    return redirect(request, f"{USERS_PATH}?changed={quote(name, safe='')}&change={change}")


class UsersController(Controller):
    """/admin/users: every handler needs the admin role; every change is audited under the admin's name."""

    path = "/users"
    guards = [admin_only]

    @get("/")
    async def list_users(self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser]) -> Response[Any]:
        """Every user with their role and state, and the forms to change them."""
        return await _users_page(request, user)

    @post("/")
    async def add_user(self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser]) -> Response[Any]:
        """Add a user from the form (name, role, password)."""
        form = await request.form()
        name, role = str(form.get("name", "")), str(form.get("role", ""))
        try:
            added = await accounts_of(request).create(
                name, parse_role(role), str(form.get("password", "")), actor=user.name
            )
        except AccountError as exc:
            return await _refused(request, user, exc, name=name, role=role)
        return _done(request, added.name, "added")

    @post("/role")
    async def change_role(self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser]) -> Response[Any]:
        """Give the named user the chosen role."""
        form = await request.form()
        try:
            changed = await accounts_of(request).set_role(
                str(form.get("name", "")), parse_role(str(form.get("role", ""))), actor=user.name
            )
        except AccountError as exc:
            return await _refused(request, user, exc)
        return _done(request, changed.name, "role")

    @post("/disable")
    async def disable_user(self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser]) -> Response[Any]:
        """Bar the named user from signing in; their sessions end at once."""
        form = await request.form()
        try:
            changed = await accounts_of(request).disable(str(form.get("name", "")), actor=user.name)
        except AccountError as exc:
            return await _refused(request, user, exc)
        return _done(request, changed.name, "disabled")

    @post("/enable")
    async def enable_user(self, request: Request[Any, Any, Any], user: NamedDependency[SignedInUser]) -> Response[Any]:
        """Let the named user sign in again."""
        form = await request.form()
        try:
            changed = await accounts_of(request).enable(str(form.get("name", "")), actor=user.name)
        except AccountError as exc:
            return await _refused(request, user, exc)
        return _done(request, changed.name, "enabled")
