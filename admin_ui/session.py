"""Who is signed in: the session cookie, the signed-in user of a request, and the role guards.

Every admin page and action names the least role it needs with one of the guards below; the
check runs on the server for every request, whatever the page shows or hides.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from admin_ui.public_urls import cookie_path
from gateway.accounts.records import Role, SignedInUser
from gateway.accounts.service import AccountService
from gateway.api.client_address import public_scheme
from gateway.api.request_services import services_of

SESSION_COOKIE = "feedgate_session"
SIGN_IN_PATH = "/admin/sign-in"
# Where the signed-in user is kept for the rest of the request once looked up.
_STATE_KEY = "admin_user"
# A session opened by this very request (signing in), for the page it answers with.
_NEW_TOKEN_KEY = "admin_new_session_token"
_NOT_LOOKED_UP = object()

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def accounts_of(connection: ASGIConnection[Any, Any, Any, Any]) -> AccountService:
    """The running gateway's accounts service."""
    accounts: AccountService = services_of(connection).accounts
    return accounts


def is_tls(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the browser reaches the pages over TLS, so cookies get Secure and pages HSTS.

    Its own TLS, or a proxy's: `admin_https`, or `X-Forwarded-Proto: https` from a trusted proxy.
    """
    settings = services_of(connection).settings
    return bool(settings.admin_https) or public_scheme(connection, settings.trusted_proxies) == "https"


async def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedInUser | None:
    """The user whose live session the request's cookie names, looked up once per request."""
    cached = connection.state.get(_STATE_KEY, _NOT_LOOKED_UP)
    if cached is None or isinstance(cached, SignedInUser):  # looked up already
        return cached
    token = connection.cookies.get(SESSION_COOKIE)
    user = await accounts_of(connection).session_user(token) if token else None
    connection.state[_STATE_KEY] = user
    return user


async def load_session(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard run first on every admin route: look up the signed-in user, so the rest can read it without waiting."""
    await signed_in_user(connection)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedInUser | None:
    """The signed-in user as `load_session` found them (None when signed out, or before it ran)."""
    cached = connection.state.get(_STATE_KEY, None)
    return cached if isinstance(cached, SignedInUser) else None


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The session this request opened (signing in), else the session cookie's value, if the request carries one."""
    opened = connection.state.get(_NEW_TOKEN_KEY)
    return opened if isinstance(opened, str) else connection.cookies.get(SESSION_COOKIE)


def adopt_session(connection: ASGIConnection[Any, Any, Any, Any], token: str, user: SignedInUser) -> None:
    """Treat the rest of this request as signed in with the session it just opened (the page it answers with)."""
    connection.state[_NEW_TOKEN_KEY] = token
    connection.state[_STATE_KEY] = user


def safe_next(target: str | None) -> str:
    """Where to go after signing in: an admin page on this site, never another site nor another page of it."""
    if not target or "\\" in target:
        return "/admin"
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    if path != "/admin" and not path.startswith("/admin/"):
        return "/admin"
    # A browser resolves dot segments, percent-encoded ones too (`/admin/%2e%2e/api/export` is /api/export).
    if any(unquote(segment) in (".", "..") for segment in path.split("/")):
        return "/admin"
    return target


def require_role(needed: Role) -> Guard:
    """A guard that lets through only signed-in users whose role allows `needed`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = await signed_in_user(connection)
        if user is None:
            raise NotAuthorizedException("Sign in to see this page.")
        if not user.allows(needed):
            raise PermissionDeniedException(f"This needs the {needed.value} role; you are a {user.role.value}.")

    guard.__name__ = f"require_{needed.value}"
    return guard


# The guards page authors use: `guards=[reviewer_or_admin]` on a controller or a handler.
signed_in = require_role(Role.VIEWER)
reviewer_or_admin = require_role(Role.REVIEWER)
admin_only = require_role(Role.ADMIN)


def provide_user(request: Request[Any, Any, Any]) -> SignedInUser:
    """The `user` dependency: the signed-in user (a handler that asks for it needs a session)."""
    user = current_user(request)
    if user is None:
        raise NotAuthorizedException("Sign in to see this page.")
    return user


def set_session_cookie(response: Response[Any], request: Request[Any, Any, Any], token: str, max_age: int) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax cookie (Secure over TLS) for /admin."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path=cookie_path(request),
        secure=is_tls(request),
        httponly=True,
        # Lax, not Strict: a link to a page from chat or mail opens it signed in; forms carry a CSRF token.
        samesite="lax",
    )


def clear_session_cookie(response: Response[Any], request: Request[Any, Any, Any]) -> None:
    """Make the browser forget its session cookie."""
    response.delete_cookie(SESSION_COOKIE, path=cookie_path(request))
