"""Roles checked on the server, CSRF on every change, escaping and the Content-Security-Policy."""

from __future__ import annotations

import hashlib

import pytest
from admin_helpers import PASSWORD
from html_page import csrf_token_of, parse

from gateway.accounts.records import Role

ADMIN_ACTIONS = [
    ("/admin/users", {"name": "mallory", "role": "admin", "password": PASSWORD}),
    ("/admin/users/role", {"name": "vic", "role": "admin"}),
    ("/admin/users/disable", {"name": "root"}),
]


async def test_a_viewer_gets_403_on_the_users_page_and_it_is_not_in_the_nav(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/users")
    overview = await viewer.get("/admin")

    assert response.status_code == 403
    assert parse(response.text).find(role="alert").text == "This needs the admin role; you are a viewer."
    assert "/admin/users" not in [link.attrs["href"] for link in parse(overview.text).find("nav").find_all("a")]


@pytest.mark.parametrize(("path", "form"), ADMIN_ACTIONS)
async def test_a_hand_made_post_from_a_viewer_is_refused_and_changes_nothing(browser_as, gateway, path, form):
    await browser_as("root", Role.ADMIN)
    viewer = await browser_as("vic", Role.VIEWER)
    # A valid CSRF token: the refusal must come from the role check.
    token = csrf_token_of((await viewer.get("/admin")).text)

    response = await viewer.post(path, data={**form, "csrf_token": token})

    assert response.status_code == 403
    users = {user.name: user for user in await gateway.services.accounts.list()}
    assert set(users) == {"root", "vic"}
    assert users["vic"].role == Role.VIEWER and not users["root"].disabled


@pytest.mark.parametrize(("path", "form"), ADMIN_ACTIONS)
async def test_a_post_without_the_csrf_token_is_refused(browser_as, gateway, path, form):
    admin = await browser_as("root", Role.ADMIN)
    await gateway.services.accounts.create("vic", Role.VIEWER, PASSWORD, actor="test")

    missing = await admin.post(path, data=form)
    wrong = await admin.post(path, data={**form, "csrf_token": "0" * 64})
    as_json = await admin.post(path, json=form)

    assert [missing.status_code, wrong.status_code, as_json.status_code] == [403, 403, 403]
    assert "This form has expired or did not come from this site." in parse(missing.text).find(role="alert").text
    users = {user.name: user for user in await gateway.services.accounts.list()}
    assert set(users) == {"root", "vic"} and users["vic"].role == Role.VIEWER


async def test_a_token_from_another_browser_is_refused(browser_as):
    admin = await browser_as("root", Role.ADMIN)
    other = await browser_as("ops", Role.ADMIN)
    their_token = csrf_token_of((await other.get("/admin")).text)

    response = await admin.post("/admin/users/disable", data={"name": "ops", "csrf_token": their_token})

    assert response.status_code == 403


async def test_signed_in_a_token_made_from_a_sign_in_cookie_someone_else_set_is_refused(browser_as, gateway):
    # A sibling subdomain can set the sign-in cookie to a value of its choosing (cookie tossing); the
    # session cookie still goes along with its post, so only the session may back a signed-in form.
    admin = await browser_as("root", Role.ADMIN)
    await gateway.services.accounts.create("vic", Role.VIEWER, PASSWORD, actor="test")
    admin.cookies.set("feedgate_signin", "attacker-chosen", domain="feedgate.test", path="/admin")
    tossed = hashlib.sha256(b"feedgate-admin-csrf\0attacker-chosen").hexdigest()

    response = await admin.post("/admin/users/role", data={"name": "vic", "role": "admin", "csrf_token": tossed})

    assert response.status_code == 403
    users = {user.name: user for user in await gateway.services.accounts.list()}
    assert users["vic"].role == Role.VIEWER


async def test_the_token_may_come_in_a_header_for_scripts(browser_as):
    admin = await browser_as("root", Role.ADMIN)
    token = csrf_token_of((await admin.get("/admin")).text)

    response = await admin.post(
        "/admin/users", data={"name": "ana", "role": "viewer", "password": PASSWORD}, headers={"x-csrf-token": token}
    )

    assert response.status_code == 303


async def test_a_script_in_a_user_name_renders_as_text(browser_as, gateway):
    admin = await browser_as("root", Role.ADMIN)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await gateway.services.accounts.create(payload, Role.VIEWER, PASSWORD, actor="test")

    response = await admin.get("/admin/users")

    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    page = parse(response.text)
    assert [script.attrs["src"] for script in page.find_all("script")] == ["/admin/static/notice_once.js"]
    assert all(not script.text for script in page.find_all("script")) and page.find_all("img") == []
    row = page.find("tr", data_user=payload)
    assert row.find("td", class_="name").text == payload


async def test_a_script_in_the_signed_in_users_name_renders_as_text(browser_as):
    payload = "<script>alert(1)</script>"
    viewer = await browser_as(payload, Role.VIEWER)

    response = await viewer.get("/admin")

    assert parse(response.text).find(data_testid="user-name").text == payload
    # Only our own script files (the overview loads its panels with one), never an inline script.
    scripts = parse(response.text).find_all("script")
    assert all(script.attrs.get("src", "").startswith("/admin/static/") and not script.text for script in scripts)


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/issues", "/admin/sign-in"])
async def test_pages_send_a_content_security_policy_without_inline_scripts(browser_as, path):
    admin = await browser_as("root", Role.ADMIN)

    response = await admin.get(path, follow_redirects=True)

    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_refusal_pages_send_the_policy_too(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/users")

    assert response.status_code == 403
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_the_json_api_still_takes_the_bearer_token_and_no_csrf_token(client, admin_headers):
    response = await client.get("/api/stats", headers=admin_headers)

    assert response.status_code == 200
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("path", "kind"), [("/admin/static/admin.css", "text/css"), ("/static/feedgate.js", "javascript")]
)
async def test_static_files_are_marked_nosniff(client, path, kind):
    response = await client.get(path)

    assert response.status_code == 200 and kind in response.headers["content-type"]
    assert response.headers["x-content-type-options"] == "nosniff"
