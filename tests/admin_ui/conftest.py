"""Admin page fixtures: users made through the accounts service, and clients signed in as them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from admin_helpers import PASSWORD, sign_in

from gateway.accounts.records import Role
from gateway.app import FeedgateApp


@pytest.fixture
def add_user(gateway: FeedgateApp) -> Callable[..., Awaitable[None]]:
    """Create a user directly through the accounts service."""

    async def add(name: str, role: Role = Role.ADMIN, password: str = PASSWORD) -> None:
        await gateway.services.accounts.create(name, role, password, actor="test")

    return add


@pytest.fixture
async def browser_as(
    gateway: FeedgateApp, add_user: Callable[..., Awaitable[None]]
) -> AsyncIterator[Callable[..., Awaitable[httpx.AsyncClient]]]:
    """Clients with their own cookies, each signed in as a new user with the given role."""
    clients: list[httpx.AsyncClient] = []

    async def make(name: str, role: Role = Role.ADMIN, base_url: str = "http://feedgate.test") -> httpx.AsyncClient:
        await add_user(name, role)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url=base_url)
        clients.append(http)
        response = await sign_in(http, name)
        assert response.status_code == 303, response.text
        return http

    yield make
    for http in clients:
        await http.aclose()
