"""X-Forwarded-Proto from a trusted proxy: behind a proxy that ends TLS, the admin cookies are Secure and pages send HSTS.

The gateway sees plain http from the proxy (tests/reverse_proxy.py, at 10.0.0.2, says `https` in
X-Forwarded-Proto). Believed only from FEEDGATE_TRUSTED_PROXIES, as the client-address header is;
FEEDGATE_ADMIN_HTTPS still forces it either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from admin_helpers import PASSWORD, sign_in
from asgi_lifespan import LifespanManager
from litestar.datastructures import Headers
from reverse_proxy import ReverseProxy

from gateway.accounts.records import Role
from gateway.api.client_address import public_scheme
from gateway.app import create_app
from gateway.config import Settings


@pytest.fixture
def behind_a_proxy(settings: Settings) -> Callable[..., Any]:
    """A gateway with `overrides`, behind a TLS-ending proxy at 10.0.0.2 (in process); yields a browser factory."""

    async def start(scheme: str = "https", **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update={"admin_https": False, **overrides}), environ={})
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            await app.services.accounts.create("ana", Role.VIEWER, PASSWORD, actor="test")
            async with ReverseProxy(app, scheme=scheme).in_process() as http:
                yield http

    return start


def set_cookies(response: httpx.Response) -> list[str]:
    """The cookies an answer sets (not those it deletes)."""
    return [cookie for cookie in response.headers.get_list("set-cookie") if "max-age=0" not in cookie.lower()]


def is_secure(cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


async def test_a_trusted_proxy_saying_https_makes_the_cookies_secure_and_pages_send_hsts(behind_a_proxy):
    async for http in behind_a_proxy(trusted_proxies=["10.0.0.0/8"]):
        page = await http.get("/admin/sign-in")
        signed_in = await sign_in(http, "ana")

    assert page.headers.get("strict-transport-security") == "max-age=31536000"
    assert set_cookies(page) and all(is_secure(cookie) for cookie in set_cookies(page)), set_cookies(page)
    assert any(cookie.startswith("feedgate_session=") for cookie in set_cookies(signed_in))
    assert all(is_secure(cookie) for cookie in set_cookies(signed_in)), set_cookies(signed_in)


@pytest.mark.parametrize("trusted", [[], ["192.0.2.1"]], ids=["no-trusted-proxies", "another-proxy"])
async def test_x_forwarded_proto_from_a_sender_not_trusted_is_not_believed(behind_a_proxy, trusted):
    async for http in behind_a_proxy(trusted_proxies=trusted):
        page = await http.get("/admin/sign-in")
        signed_in = await sign_in(http, "ana")

    assert "strict-transport-security" not in page.headers
    assert signed_in.status_code == 303
    assert not any(is_secure(cookie) for cookie in set_cookies(page) + set_cookies(signed_in))


async def test_a_trusted_proxy_saying_http_leaves_the_cookies_plain(behind_a_proxy):
    async for http in behind_a_proxy("http", trusted_proxies=["10.0.0.2"]):
        page = await http.get("/admin/sign-in")

    assert "strict-transport-security" not in page.headers
    assert not any(is_secure(cookie) for cookie in set_cookies(page))


class Connection:
    """What public_scheme reads of a request: its peer, its headers, its own scheme."""

    def __init__(self, peer: str, scheme: str, *headers: tuple[str, str]) -> None:
        self.client = type("Client", (), {"host": peer})()
        self.headers = Headers([(name.encode(), value.encode()) for name, value in headers])
        self.url = httpx.URL(f"{scheme}://gateway.internal/admin")


@pytest.mark.parametrize(
    ("headers", "scheme"),
    [
        ([("x-forwarded-proto", "https")], "https"),
        ([("x-forwarded-proto", "HTTPS ")], "https"),
        # Proxies that append: the first entry is the scheme the browser used with the outermost one.
        ([("x-forwarded-proto", "https, http")], "https"),
        ([("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")], "https"),
        ([("x-forwarded-proto", "http")], "http"),
        # Nothing a scheme: the connection's own.
        ([("x-forwarded-proto", "gopher")], "http"),
        ([("x-forwarded-proto", "")], "http"),
        ([], "http"),
    ],
)
def test_the_scheme_a_trusted_proxy_names(headers, scheme):
    connection = Connection("10.0.0.2", "http", *headers)

    assert public_scheme(connection, ["10.0.0.0/8"]) == scheme  # type: ignore[arg-type]


def test_the_connections_own_scheme_without_a_trusted_proxy():
    assert public_scheme(Connection("203.0.113.9", "http", ("x-forwarded-proto", "https")), ["10.0.0.0/8"]) == "http"  # type: ignore[arg-type]
    assert public_scheme(Connection("10.0.0.2", "https", ("x-forwarded-proto", "http")), []) == "https"  # type: ignore[arg-type]
