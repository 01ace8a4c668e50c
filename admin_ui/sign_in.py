"""The sign-in page, signing in (rate-limited by the accounts service) and signing out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from admin_ui.csrf import SIGN_IN_COOKIE, ensure_sign_in_cookie
from admin_ui.errors import safe_next
from admin_ui.rendering import render
from admin_ui.session import (
    COOKIE_PATH,
    accounts_of,
    clear_session_cookie,
    current_user,
    session_token,
    set_session_cookie,
)
from gateway.accounts.records import SignInRefused


def client_address(request: Request[Any, Any, Any]) -> str:
    """The address sign-in attempts are counted against (the peer's: behind a proxy, the proxy's)."""
    return request.client.host if request.client else "unknown"


class SignInController(Controller):
    """GET and POST /admin/sign-in, POST /admin/sign-out; no role needed."""

    @get("/sign-in")
    async def sign_in_page(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Response[Any]:  # noqa: A002
        """The sign-in form, or on to the admin pages for someone already signed in."""
        if current_user(request) is not None:
            return Redirect(safe_next(next), status_code=303)
        ensure_sign_in_cookie(request)
        return render(request, "sign_in.html", next=safe_next(next), name="", error=None)

    @post("/sign-in")
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Check the name and password; on success start a session and go on to the page asked for."""
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        target = safe_next(str(form.get("next", "")))
        accounts = accounts_of(request)
        outcome = await accounts.sign_in(name, password, client_address(request))
        if isinstance(outcome, SignInRefused):
            status = 429 if outcome.retry_after else 401
            response = render(
                request, "sign_in.html", status_code=status, next=target, name=name, error=outcome.message
            )
            if outcome.retry_after:
                response.headers["retry-after"] = str(outcome.retry_after)
            return response
        response = Redirect(target, status_code=303)
        set_session_cookie(response, request, outcome.token, int(accounts.session_lifetime.total_seconds()))
        response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH)
        return response

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """End the session and return to the sign-in page."""
        token = session_token(request)
        if token:
            await accounts_of(request).sign_out(token)
        response = Redirect("/admin/sign-in", status_code=303)
        clear_session_cookie(response)
        return response
