"""The admin pages at https://tools.example.com/feedgate/admin, behind a proxy that strips or keeps the prefix.

The proxy rewrites nothing it relays (tests/reverse_proxy.py), so every link, form, redirect, cookie
path, asset and panel URL a browser gets must carry the prefix itself (`FEEDGATE_ROOT_PATH`).
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from admin_helpers import PASSWORD
from asgi_lifespan import LifespanManager
from html_page import csrf_token_of, parse
from page_seed import feedback, interaction_row, issue, store, task
from reverse_proxy import ReverseProxy

from gateway.accounts.records import Role
from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

PREFIX = "/feedgate"
# Every attribute of the pages' markup that names a URL the browser loads, follows or posts to.
URL_ATTRIBUTE = re.compile(r'\s(href|src|action|data-[a-z-]*(?:url|src))="([^"]*)"')


@pytest.fixture
async def gateway_under_prefix(settings: Settings) -> AsyncIterator[FeedgateApp]:
    app = create_app(settings.model_copy(update={"root_path": PREFIX, "admin_https": True}), environ={})
    async with LifespanManager(app):
        await app.services.accounts.create("ana", Role.ADMIN, PASSWORD, actor="test")
        ids = await store(app, interaction_row("What is the fee?", "It is 5%"), interaction_row("Fees?", "None"))
        for interaction_id in ids:
            await feedback(app, interaction_id, comment="wrong fee")
        await task(app, ids, issue_id=await issue(app, ids))
        yield app


@pytest.fixture(params=[False, True], ids=["prefix-stripped", "prefix-kept"])
def browser(request: pytest.FixtureRequest, gateway_under_prefix: FeedgateApp) -> Callable[[], httpx.AsyncClient]:
    """A browser on https://tools.example.com, through a proxy that strips or keeps /feedgate."""
    proxy = ReverseProxy(gateway_under_prefix, prefix=PREFIX, keep_prefix=request.param)
    return proxy.in_process


async def sign_in(http: httpx.AsyncClient) -> httpx.Response:
    """GET the sign-in page the admin pages lead to, then post its own form to its own action."""
    leading = await http.get(f"{PREFIX}/admin/issues")
    assert leading.status_code in (302, 303, 307), leading.text
    form_page = await http.get(leading.headers["location"])
    assert form_page.status_code == 200, form_page.text
    action = dict(URL_ATTRIBUTE.findall(form_page.text))["action"]
    fields = {"csrf_token": csrf_token_of(form_page.text), "name": "ana", "password": PASSWORD}
    fields["next"] = re.search(r'name="next" value="([^"]*)"', form_page.text).group(1)  # type: ignore[union-attr]
    return await http.post(action, data=fields)


def urls_in(page: str) -> list[tuple[str, str]]:
    """(attribute, URL) of every link, asset, form action and panel in `page` that stays on this site."""
    return [
        (name, html.unescape(url)) for name, url in URL_ATTRIBUTE.findall(page) if not url.startswith(("#", "http"))
    ]


async def test_a_redirect_to_sign_in_and_signing_in_stay_under_the_prefix(browser):
    async with browser() as http:
        signed_in = await sign_in(http)

    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == f"{PREFIX}/admin/issues"


async def test_cookies_are_secure_and_scoped_to_the_prefixed_admin_path(browser):
    async with browser() as http:
        signed_in = await sign_in(http)

    cookies = [cookie for cookie in signed_in.headers.get_list("set-cookie") if "max-age=0" not in cookie.lower()]
    assert any(cookie.startswith("feedgate_session=") for cookie in cookies)
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes, cookie
        assert f"path={PREFIX}/admin" in attributes, cookie


async def test_every_link_asset_form_and_panel_on_every_page_works_under_the_prefix(browser):
    async with browser() as http:
        assert (await sign_in(http)).status_code == 303
        seen: set[str] = set()
        to_visit = [f"{PREFIX}/admin"]
        checked: dict[str, int] = {}
        while to_visit and len(seen) < 60:
            page_url = to_visit.pop()
            if page_url in seen:
                continue
            seen.add(page_url)
            page = await http.get(page_url)
            assert page.status_code == 200, (page_url, page.status_code)
            for name, url in urls_in(page.text):
                assert url.startswith(f"{PREFIX}/"), f"{page_url}: {name}={url!r} leaves the prefix"
                path = url.split("#")[0]
                if name == "action":
                    continue  # posted to below, one of them: a GET of a form's action is no check
                if path not in checked:
                    checked[path] = (await http.get(path)).status_code
                if name == "href" and path.startswith(f"{PREFIX}/admin") and "/static/" not in path:
                    to_visit.append(path)

    broken = {path: status for path, status in checked.items() if status != 200}
    assert not broken, broken
    assert any("/static/" in path for path in checked)
    assert any("panel" in path or "fragment" in path or "/overview/" in path for path in checked), sorted(checked)


async def test_signing_out_lands_on_the_prefixed_sign_in_page(browser):
    async with browser() as http:
        await sign_in(http)
        page = await http.get(f"{PREFIX}/admin")
        action = next(url for name, url in urls_in(page.text) if name == "action" and url.endswith("sign-out"))
        signed_out = await http.post(action, data={"csrf_token": csrf_token_of(page.text)})
        landing = await http.get(signed_out.headers["location"])

    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"{PREFIX}/admin/sign-in?signed_out=1"
    assert landing.status_code == 200
    assert "You have signed out." in landing.text


async def test_the_root_leads_to_the_prefixed_admin_pages(browser):
    async with browser() as http:
        root = await http.get(f"{PREFIX}/")

    assert root.headers["location"] == f"{PREFIX}/admin"


async def test_a_form_posted_under_the_prefix_redirects_under_it(browser, gateway_under_prefix: Any):
    async with browser() as http:
        await sign_in(http)
        page = await http.get(f"{PREFIX}/admin/issues")
        issue_link = next(url for name, url in urls_in(page.text) if name == "href" and "/admin/issues/" in url)
        issue_page = await http.get(issue_link)
        form = parse(issue_page.text).find("form", id="status-open")
        fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input")}
        answer = await http.post(form.attrs["action"], data=fields)

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"{PREFIX}/admin/issues/")
