"""The admin pages behind a TLS-terminating reverse proxy: Secure cookies, HSTS, and sign-in limits per browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from admin_helpers import sign_in
from asgi_lifespan import LifespanManager

from gateway.accounts.records import Role
from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

# The test client's socket address (httpx's ASGITransport) is the proxy's: 127.0.0.1.
PROXY = {
    "admin_https": True,
    "admin_client_address_header": "x-forwarded-for",
    "trusted_proxies": ["127.0.0.1"],
    "admin_sign_in_failures_per_address": 3,
}


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[FeedgateApp]:
    app = create_app(settings.model_copy(update=PROXY), environ={})
    async with LifespanManager(app):
        await app.services.accounts.create("ana", Role.VIEWER, "a long enough password", actor="test")
        yield app


def browser(app: FeedgateApp, address: str) -> httpx.AsyncClient:
    """A browser at `address` speaking https to the proxy, which speaks plain http to the gateway."""

    async def proxy(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "scheme": "http"} if scope["type"] == "http" else scope, receive, send)

    # The proxy appends the browser's address to X-Forwarded-For.
    headers = {"x-forwarded-for": f"198.51.100.7, {address}"}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=proxy), base_url="https://feedgate.test", headers=headers
    )


async def test_with_admin_https_cookies_are_secure_though_the_gateway_sees_http(proxied):
    async with browser(proxied, "203.0.113.1") as http:
        response = await sign_in(http, "ana")

    # Every cookie set (the session's, the forms'), not those deleted.
    cookies = [cookie for cookie in response.headers.get_list("set-cookie") if "max-age=0" not in cookie.lower()]
    assert any(cookie.startswith("feedgate_session=") for cookie in cookies)
    assert all("secure" in cookie.lower().split("; ") for cookie in cookies), cookies


async def test_with_admin_https_pages_send_strict_transport_security(proxied):
    async with browser(proxied, "203.0.113.1") as http:
        page = await http.get("/admin/sign-in")

    assert page.headers["strict-transport-security"] == "max-age=31536000"


async def test_over_plain_http_no_page_sends_strict_transport_security(client):
    page = await client.get("/admin/sign-in")

    assert "strict-transport-security" not in page.headers


async def test_failures_count_against_the_browser_the_proxy_names_not_the_proxy(proxied):
    async with browser(proxied, "203.0.113.1") as guesser, browser(proxied, "203.0.113.2") as colleague:
        for name in ("bo", "cy", "di"):
            assert (await sign_in(guesser, name, "not the password")).status_code == 401

        refused = await sign_in(guesser, "ana")
        signed_in = await sign_in(colleague, "ana")

    assert refused.status_code == 429, refused.text
    assert "Too many failed sign-ins from your address" in refused.text
    assert signed_in.status_code == 303, signed_in.text


async def test_a_browsers_own_forwarded_for_line_before_the_proxys_does_not_name_it(proxied):
    # A proxy such as HAProxy adds its own X-Forwarded-For line after any the browser sent: the lines
    # are one list, in order, and only its last entry is the proxy's word.
    async def proxy(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await proxied({**scope, "scheme": "http"} if scope["type"] == "http" else scope, receive, send)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="https://feedgate.test") as http:
        for index, name in enumerate(("bo", "cy", "di", "ana")):
            http.headers = httpx.Headers([("x-forwarded-for", f"192.0.2.{index}"), ("x-forwarded-for", "203.0.113.1")])
            answer = await sign_in(http, name, "not the password" if name != "ana" else "a long enough password")

    assert answer.status_code == 429, answer.text
    assert "Too many failed sign-ins from your address" in answer.text


def sender(app: FeedgateApp, peer: str, forwarded_for: str) -> httpx.AsyncClient:
    """A client at socket address `peer` sending its own X-Forwarded-For."""
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    return httpx.AsyncClient(
        transport=transport, base_url="https://feedgate.test", headers={"x-forwarded-for": forwarded_for}
    )


async def test_a_sender_that_is_no_trusted_proxy_cannot_name_its_own_address(proxied):
    # Straight to the gateway, past the proxy: a new X-Forwarded-For on every try escaped the address limit.
    for index, name in enumerate(("bo", "cy", "di")):
        async with sender(proxied, "198.51.100.66", f"192.0.2.{index}") as guesser:
            assert (await sign_in(guesser, name, "not the password")).status_code == 401

    async with sender(proxied, "198.51.100.66", "192.0.2.99") as guesser:
        refused = await sign_in(guesser, "ana")

    assert refused.status_code == 429, refused.text


async def test_behind_two_trusted_proxies_the_browser_is_the_last_address_no_trusted_proxy_has(settings):
    # A cloud load balancer (10.1.2.3) in front of nginx (127.0.0.1): nginx appends the balancer's address.
    update = {**PROXY, "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]}
    app = create_app(settings.model_copy(update=update), environ={})
    async with LifespanManager(app):
        await app.services.accounts.create("ana", Role.VIEWER, "a long enough password", actor="test")
        for index, name in enumerate(("bo", "cy", "di")):
            async with sender(app, "127.0.0.1", f"192.0.2.{index}, 203.0.113.1, 10.1.2.3") as guesser:
                assert (await sign_in(guesser, name, "not the password")).status_code == 401
        async with sender(app, "127.0.0.1", "203.0.113.1, 10.1.2.3") as guesser:
            refused = await sign_in(guesser, "ana")
        async with sender(app, "127.0.0.1", "203.0.113.2, 10.1.2.3") as colleague:
            signed_in = await sign_in(colleague, "ana")

    assert refused.status_code == 429, refused.text
    assert signed_in.status_code == 303, signed_in.text
