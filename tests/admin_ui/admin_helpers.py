"""What the admin page tests share: the test password and signing in through the form."""

from __future__ import annotations

import httpx
from html_page import csrf_token_of

PASSWORD = "a long enough password"


async def sign_in(http: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Fill in and send the sign-in form as a browser would (GET the form, POST it with its token)."""
    form = await http.get("/admin/sign-in")
    return await http.post(
        "/admin/sign-in",
        data={"csrf_token": csrf_token_of(form.text), "name": name, "password": password, "next": "/admin"},
    )
