"""The sign-in page, signing in (rate-limited by the accounts service) and signing out.

The sign-in page may hold a form refused because its session ended (`admin_ui/unsent_forms.py`):
signing in there answers with that form, filled in, to check and send with the new session.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery

from admin_ui.csrf import SIGN_IN_COOKIE, ensure_sign_in_cookie
from admin_ui.form_origin import ensure_forms_cookie, set_forms_cookie
from admin_ui.public_urls import cookie_path, redirect
from admin_ui.rendering import render
from admin_ui.session import (
    accounts_of,
    adopt_session,
    clear_session_cookie,
    current_user,
    safe_next,
    session_token,
    set_session_cookie,
)
from admin_ui.unsent_forms import UnsentForm, unsent_sign_in
from admin_ui.unsent_task import UnsentTask, unsent_task
from gateway.accounts.records import SignInRefused
from gateway.api.client_address import client_address
from gateway.api.request_services import services_of

SIGNED_OUT = "You have signed out."
KEPT = "What you wrote is kept in this page (not on the server): sign in and it comes back, to check and send."


def sign_in_page(
    request: Request[Any, Any, Any],
    *,
    status_code: int = 200,
    next_page: str = "/admin",
    name: str = "",
    error: str | None = None,
    error_fields: tuple[str, ...] = (),
    unsent: UnsentForm | None = None,
    notice: str | None = None,
) -> Response[Any]:
    """The sign-in form, going on to `next_page`; carrying `unsent` (as hidden fields) when it holds text.

    `error_fields`: the boxes the refusal is about, marked invalid and described by it."""
    ensure_sign_in_cookie(request)
    kept = unsent if unsent is not None and unsent.has_text else None
    return render(
        request,
        "sign_in.html",
        status_code=status_code,
        next=safe_next(next_page),
        name=name,
        error=error,
        error_fields=error_fields,
        unsent=kept,
        kept_notice=KEPT if kept is not None else None,
        notice=notice,
    )


def unsent_page(
    request: Request[Any, Any, Any],
    unsent: UnsentForm,
    task: UnsentTask | None,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response[Any]:
    """The unsent form filled in with what was kept, to send again with this session's token (or leave).

    Written on a review task's page, it names that task, so the reviewer knows where it goes back to.
    """
    return render(request, "unsent_form.html", status_code=status_code, unsent=unsent, task=task, error=error)


def sign_in_address(request: Request[Any, Any, Any]) -> str:
    """The address sign-in attempts are counted against: the browser's, from the configured header behind a trusted proxy."""
    settings = services_of(request).settings
    return client_address(request, settings.admin_client_address_header, settings.trusted_proxies) or "unknown"


class SignInController(Controller):
    """GET and POST /admin/sign-in, POST /admin/sign-out; no role needed."""

    @get("/sign-in")
    async def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        next: FromQuery[str | None] = None,  # noqa: A002
        signed_out: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """The sign-in form (saying so after signing out), or on to the admin pages for someone signed in."""
        if current_user(request) is not None:
            return redirect(request, safe_next(next))
        notice = SIGNED_OUT if signed_out == "1" else None
        return sign_in_page(request, next_page=safe_next(next), notice=notice)

    @post("/sign-in")
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Check the name and password; on success start a session and go on to the page asked for.

        A sign-in form holding an unsent form answers, once signed in, with that form filled in.
        """
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        target = safe_next(str(form.get("next", "")))
        unsent = unsent_sign_in(request, form)
        accounts = accounts_of(request)
        outcome = await accounts.sign_in(name, password, sign_in_address(request))
        if isinstance(outcome, SignInRefused):
            status = 429 if outcome.retry_after else 401
            response = sign_in_page(
                request,
                status_code=status,
                next_page=target,
                name=name,
                error=outcome.message,
                error_fields=outcome.fields,
                unsent=unsent,
            )
            if outcome.retry_after:
                response.headers["retry-after"] = str(outcome.retry_after)
            return response
        ensure_forms_cookie(request)
        if unsent is not None and unsent.has_text:
            adopt_session(request, outcome.token, outcome.user)
            task = await unsent_task(services_of(request), unsent)
            response = unsent_page(request, unsent, task)  # sets the forms cookie with the page
        else:
            response = redirect(request, target)
            set_forms_cookie(response, request)
        set_session_cookie(response, request, outcome.token, int(accounts.session_lifetime.total_seconds()))
        response.delete_cookie(SIGN_IN_COOKIE, path=cookie_path(request))
        return response

    @post("/sign-out")
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """End the session and return to the sign-in page."""
        token = session_token(request)
        if token:
            await accounts_of(request).sign_out(token)
        # The sign-in page says the session ended: a bare sign-in form left people unsure it had.
        response = redirect(request, "/admin/sign-in?signed_out=1")
        clear_session_cookie(response, request)
        return response
