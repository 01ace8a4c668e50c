"""Signing in and out through the pages: cookies, refusals, the rate limit, and where people land."""

from __future__ import annotations

import httpx
from admin_helpers import PASSWORD, sign_in
from html_page import parse

from gateway.accounts.records import Role


def cookie_header(response: httpx.Response, name: str) -> str:
    headers = [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


async def test_the_root_and_admin_pages_lead_to_the_sign_in_form(client):
    root = await client.get("/")
    admin = await client.get("/admin/users?x=1")
    form = await client.get(admin.headers["location"])

    assert root.status_code == 302 and root.headers["location"] == "/admin"
    assert admin.status_code == 303 and admin.headers["location"] == "/admin/sign-in?next=/admin/users%3Fx%3D1"
    page = parse(form.text)
    assert page.find("form", action="/admin/sign-in").find("input", name="next").attrs["value"] == "/admin/users?x=1"
    assert page.find("input", name="password").attrs["type"] == "password"
    assert page.find_all("nav") == []


async def test_signing_in_sets_an_httponly_samesite_session_cookie(client, add_user):
    await add_user("ana", Role.VIEWER)

    response = await sign_in(client, "ana")

    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = cookie_header(response, "feedgate_session")
    assert {"httponly", "samesite=lax", "path=/admin"} <= flags(cookie)
    assert "secure" not in flags(cookie)  # plain http: a Secure cookie would never come back
    overview = await client.get("/admin")
    assert overview.status_code == 200
    assert parse(overview.text).find(data_testid="user-name").text == "ana"
    assert parse(overview.text).find(data_testid="user-role").text == "viewer"


async def test_over_tls_the_session_cookie_is_secure(gateway, add_user):
    await add_user("ana", Role.VIEWER)
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="https://feedgate.test") as https:
        response = await sign_in(https, "ana")

    assert {"secure", "httponly", "samesite=lax"} <= flags(cookie_header(response, "feedgate_session"))


async def test_a_wrong_password_is_refused_with_the_form_again(client, add_user):
    await add_user("ana", Role.VIEWER)

    response = await sign_in(client, "ana", "not the password")

    assert response.status_code == 401
    page = parse(response.text)
    assert page.find(role="alert").text == "Wrong user name or password (or the account is disabled: ask an admin)."
    assert page.find("input", name="name").attrs["value"] == "ana"
    assert "feedgate_session" not in response.headers.get("set-cookie", "")
    assert (await client.get("/admin")).status_code == 303


async def test_the_sixth_try_after_five_failures_is_refused_with_the_wait(client, add_user):
    await add_user("ana", Role.VIEWER)
    for _ in range(5):
        assert (await sign_in(client, "ana", "not the password")).status_code == 401

    response = await sign_in(client, "ana", PASSWORD)

    assert response.status_code == 429
    assert 14 * 60 <= int(response.headers["retry-after"]) <= 15 * 60
    message = parse(response.text).find(role="alert").text
    assert message.startswith("Too many failed sign-ins for this user name. Try again in ")
    assert message.endswith(" minutes, or ask an admin to unlock it now (feedgate user unlock).")
    assert (await client.get("/admin")).status_code == 303


async def test_signing_out_ends_the_session(client, add_user):
    await add_user("ana", Role.VIEWER)
    await sign_in(client, "ana")
    overview = await client.get("/admin")
    token = parse(overview.text).find("form", action="/admin/sign-out").find("input", name="csrf_token")

    response = await client.post("/admin/sign-out", data={"csrf_token": token.attrs["value"]})

    assert response.status_code == 303 and response.headers["location"] == "/admin/sign-in?signed_out=1"
    assert "max-age=0" in flags(cookie_header(response, "feedgate_session"))
    # The old cookie no longer works, even if a browser kept it.
    client.cookies.set(
        "feedgate_session", overview.request.headers["cookie"].split("feedgate_session=")[1].split(";")[0]
    )
    assert (await client.get("/admin")).status_code == 303


async def test_after_signing_out_the_sign_in_page_says_so(client, add_user):
    await add_user("ana", Role.VIEWER)
    await sign_in(client, "ana")
    token = (
        parse((await client.get("/admin")).text).find("form", action="/admin/sign-out").find("input", name="csrf_token")
    )

    signed_out = await client.post("/admin/sign-out", data={"csrf_token": token.attrs["value"]})
    page = parse((await client.get(signed_out.headers["location"])).text)
    plain = parse((await client.get("/admin/sign-in")).text)

    assert page.find(role="status").text == "You have signed out."
    assert plain.find_all(role="status") == []


async def test_sign_in_only_redirects_to_admin_pages(client, add_user):
    await add_user("ana", Role.VIEWER)
    form = await client.get("/admin/sign-in")
    token = parse(form.text).find("input", name="csrf_token").attrs["value"]

    response = await client.post(
        "/admin/sign-in", data={"csrf_token": token, "name": "ana", "password": PASSWORD, "next": "//evil.test/x"}
    )

    assert response.headers["location"] == "/admin"
