"""What the admin page tests share: the test password and signing in through the form."""

from __future__ import annotations

import httpx
from html_page import csrf_token_of

from gateway.accounts.records import Role

PASSWORD = "a long enough password"


async def sign_in(http: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Fill in and send the sign-in form as a browser would (GET the form, POST it with its token)."""
    form = await http.get("/admin/sign-in")
    return await http.post(
        "/admin/sign-in",
        data={"csrf_token": csrf_token_of(form.text), "name": name, "password": password, "next": "/admin"},
    )


def signed_in_page(gateway, browser):  # a LiveGateway and a Playwright browser
    """A Playwright page of a new context, signed in as a new admin called root (the browser tests)."""
    gateway.run_coroutine(gateway.app.services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    return page
