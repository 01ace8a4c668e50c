"""Which browser a form was shown to, proven without a session: the check that lets an unsent form be kept.

A CSRF token is bound to the session, so once the session ends it proves nothing more. Every form
also carries `form_origin`: a hash of a random secret this browser holds in an HttpOnly,
SameSite=Strict cookie (`feedgate_forms`, one per browser, outliving sessions, never stored on the
server). A post whose `form_origin` matches the cookie it came with was sent by a form our own pages
gave this browser: another site's post never comes with the cookie (Strict), and no page but ours
can read the cookie or a page holding the hash. The match never lets a change through: it only lets
the refusal give the person back what they wrote (see `admin_ui/unsent_forms.py`).

A sibling subdomain is the same site, though: it can set the cookie to a value it knows (cookie tossing) and
post along with it. So a post the browser marks as coming from anywhere but this origin (`Sec-Fetch-Site`,
sent by every current browser) is never from our page, whatever it carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection

from admin_ui.public_urls import cookie_path
from admin_ui.session import is_tls

FORMS_COOKIE = "feedgate_forms"
ORIGIN_FIELD = "form_origin"
# The secret names the browser, not a user or a session: it may outlive both (browsers cap cookies at 400 days).
FORMS_COOKIE_MAX_AGE = 365 * 24 * 3600
# What a browser's Sec-Fetch-Site says of a post made by a page of this very origin.
SAME_ORIGIN = "same-origin"


def _origin_for(secret: str) -> str:
    # Its own prefix: a form_origin is never a CSRF token, nor the other way round.
    return hashlib.sha256(b"feedgate-admin-form-origin\0" + secret.encode()).hexdigest()


def _secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    chosen = connection.state.get(FORMS_COOKIE)
    return chosen if isinstance(chosen, str) else connection.cookies.get(FORMS_COOKIE)


def ensure_forms_cookie(request: Request[Any, Any, Any]) -> None:
    """Give a browser without one its forms secret (sent by `set_forms_cookie` with the response)."""
    if not _secret(request):
        request.state[FORMS_COOKIE] = secrets.token_urlsafe(32)


def set_forms_cookie(response: Response[Any], request: Request[Any, Any, Any]) -> None:
    """Send the forms secret chosen by `ensure_forms_cookie` in this request, if any."""
    chosen = request.state.get(FORMS_COOKIE)
    if isinstance(chosen, str) and not request.cookies.get(FORMS_COOKIE):
        response.set_cookie(
            FORMS_COOKIE,
            chosen,
            max_age=FORMS_COOKIE_MAX_AGE,
            path=cookie_path(request),
            secure=is_tls(request),
            httponly=True,
            # Strict: a post from any other site comes without it, so its text is never kept.
            samesite="strict",
        )


def form_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The `form_origin` this request's forms carry ("" when the browser has no forms secret)."""
    secret = _secret(connection)
    return _origin_for(secret) if secret else ""


def from_our_page(connection: ASGIConnection[Any, Any, Any, Any], sent: object) -> bool:
    """Whether `sent` (a post's `form_origin`) matches the forms secret the request came with."""
    secret = connection.cookies.get(FORMS_COOKIE)
    if not secret or not isinstance(sent, str) or not sent.isascii():
        return False
    if connection.headers.get("sec-fetch-site", SAME_ORIGIN) != SAME_ORIGIN:  # a browser without it: the cookie alone
        return False
    return hmac.compare_digest(sent, _origin_for(secret))
