"""CSRF protection: every state-changing request to /admin carries a token only our own pages can know.

The token is a hash of a secret the browser holds in an HttpOnly cookie: the session token when
signed in, else a random sign-in cookie (so the sign-in form is protected too). Another site can
make the browser send the cookie, but cannot read it, so it cannot put the matching token in a
form. Forms send it as the `csrf_token` field, scripts as the `x-csrf-token` header.

A refused post is refused whatever else it carries; signed out, the refusal is "your session
ended" (401, the sign-in page) rather than 403, and either refusal carries what the person wrote
when it came from our own page in this browser (`admin_ui/unsent_forms.py`), to give back to them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from markupsafe import Markup

from admin_ui.form_origin import ORIGIN_FIELD
from admin_ui.public_urls import cookie_path
from admin_ui.session import SIGN_IN_PATH, current_user, is_tls, session_token
from admin_ui.unsent_forms import UnsentForm, unsent_post
from admin_ui.unsent_task import UnsentTask, unsent_task
from gateway.api.request_services import services_of

FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SIGN_IN_COOKIE = "feedgate_signin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED = "This form has expired or did not come from this site. Reload the page and try again."
SESSION_ENDED = "Your session has ended, so this was not saved. Sign in again."


class SessionEnded(NotAuthorizedException):
    """A change sent without a live session (401): `unsent` is what the person wrote, when it may be given back."""

    def __init__(self, unsent: UnsentForm | None) -> None:
        super().__init__(SESSION_ENDED)
        self.unsent = unsent


class FormRefused(PermissionDeniedException):
    """A change whose CSRF token does not match (403): `unsent` as for SessionEnded (a form of an earlier session).

    `task` names the review task it was written on, read here: the 403 page is made where nothing can be awaited.
    """

    def __init__(self, unsent: UnsentForm | None, task: UnsentTask | None = None) -> None:
        super().__init__(REFUSED)
        self.unsent = unsent
        self.task = task


def _token_for(secret: str) -> str:
    # A one-way hash: a token that leaks (in a page, a log) does not give away the cookie it comes from.
    return hashlib.sha256(b"feedgate-admin-csrf\0" + secret.encode()).hexdigest()


def _secrets(connection: ASGIConnection[Any, Any, Any, Any]) -> list[str]:
    """The browser's secret a token is bound to: its live session's token, else its sign-in cookie.

    Signed in, only the session counts: a sibling subdomain (same site, so the session cookie still
    goes along) or a network attacker on plain http can set the sign-in cookie to a value of their
    choosing, and a token made from it passed every admin form (it turned a viewer into an admin).
    """
    session = session_token(connection)
    if session and current_user(connection) is not None:
        return [session]
    sign_in = connection.cookies.get(SIGN_IN_COOKIE) or connection.state.get(SIGN_IN_COOKIE)
    return [sign_in] if sign_in else []


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token this request's forms must send back ("" for a visitor without any cookie yet)."""
    found = _secrets(connection)
    return _token_for(found[0]) if found else ""


def csrf_field(token: str, origin: str = "") -> Markup:
    """The hidden fields carrying `token` and the page's `form_origin` (what `{{ csrf_field }}` renders)."""
    field = Markup('<input type="hidden" name="{}" value="{}">')
    return field.format(FORM_FIELD, token) + (field.format(ORIGIN_FIELD, origin) if origin else Markup(""))


def ensure_sign_in_cookie(request: Request[Any, Any, Any]) -> None:
    """Give a visitor without one a random sign-in cookie, for the sign-in form's token (see `set_sign_in_cookie`)."""
    if not request.cookies.get(SIGN_IN_COOKIE) and not request.state.get(SIGN_IN_COOKIE):
        request.state[SIGN_IN_COOKIE] = secrets.token_urlsafe(32)


def set_sign_in_cookie(response: Response[Any], request: Request[Any, Any, Any]) -> None:
    """Send the sign-in cookie chosen by `ensure_sign_in_cookie` in this request, if any."""
    value = request.state.get(SIGN_IN_COOKIE)
    if value and not request.cookies.get(SIGN_IN_COOKIE):
        response.set_cookie(
            SIGN_IN_COOKIE, value, path=cookie_path(request), secure=is_tls(request), httponly=True, samesite="strict"
        )


async def _posted_form(connection: ASGIConnection[Any, Any, Any, Any]) -> FormMultiDict | None:
    if isinstance(connection, Request) and connection.headers.get("content-type", "").startswith(FORM_TYPES):
        # The body is kept on the request, so the handler reads the same form again.
        return await connection.form()
    return None


def _matches(connection: ASGIConnection[Any, Any, Any, Any], sent: object) -> bool:
    if not isinstance(sent, str) or not sent.isascii():  # compare_digest takes ASCII text only
        return False
    return any(hmac.compare_digest(sent, _token_for(secret)) for secret in _secrets(connection))


async def csrf_protected(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: refuse a state-changing request whose token does not match the browser's cookie."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    form = await _posted_form(connection)
    sent = connection.headers.get(HEADER) or (form.get(FORM_FIELD) if form is not None else None)
    if _matches(connection, sent):
        return
    unsent = unsent_post(connection, form) if form is not None else None
    if current_user(connection) is None and connection.url.path != SIGN_IN_PATH:
        raise SessionEnded(unsent)
    # Signed in, the form comes back at once (admin_ui.errors.forbidden): its task is named only then.
    task = await unsent_task(services_of(connection), unsent) if unsent is not None and unsent.has_text else None
    raise FormRefused(unsent, task)
