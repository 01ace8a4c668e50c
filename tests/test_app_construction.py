"""Building the app: what does not depend on Settings is made once per process, not once per app."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from litestar import Litestar
from litestar.routes import HTTPRoute

from gateway.app import build_api, create_app
from gateway.config import Settings

OUR_PACKAGES = ("gateway.", "admin_ui.")


def our_handlers(api: Litestar) -> dict[tuple[str, str], object]:
    """Each handler of this project's own by (path, handler name), with its parsed signature."""
    return {
        (route.path, handler.handler_name): handler.parsed_fn_signature
        for route in api.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.fn.__module__.startswith(OUR_PACKAGES)
    }


def settings_for(tmp_path: Path, name: str, admin_token: str) -> Settings:
    """A gateway of its own: its database and spool in `tmp_path`, named `name`."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/{name}.db",
        upstream_url="http://127.0.0.1:9",
        admin_token=admin_token,
        spool_path=tmp_path / f"{name}.jsonl",
        shutdown_timeout=1.0,
    )


def test_a_second_api_takes_its_handlers_parsed_signatures_from_the_first():
    first = our_handlers(build_api())
    second = our_handlers(build_api())

    assert len(first) > 100
    assert first.keys() == second.keys()
    parsed_again = [key for key, signature in second.items() if signature is not first[key]]
    assert parsed_again == []


def test_gateways_with_different_settings_share_one_api(tmp_path: Path):
    first = create_app(settings_for(tmp_path, "first", "first-token-0123456789abcdef"), environ={})
    second = create_app(settings_for(tmp_path, "second", "second-token-0123456789abcdef"), environ={})

    assert first.api is second.api


def test_the_shared_api_has_no_lifespan_of_its_own_that_the_gateways_would_skip(tmp_path: Path):
    api = create_app(settings_for(tmp_path, "only", "only-token-0123456789abcdef"), environ={}).api

    assert (api.on_startup, api.on_shutdown, api.stores._stores) == ([], [], {})
    assert api._lifespan_managers == []


async def test_two_running_gateways_each_answer_with_their_own_settings(tmp_path: Path):
    first = create_app(settings_for(tmp_path, "first", "first-token-0123456789abcdef"), environ={})
    second = create_app(settings_for(tmp_path, "second", "second-token-0123456789abcdef"), environ={})

    async with LifespanManager(first, startup_timeout=30), LifespanManager(second, startup_timeout=30):
        statuses = []
        for app in (first, second):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                answer = await http.get("/api/stats", headers={"authorization": "Bearer first-token-0123456789abcdef"})
                statuses.append(answer.status_code)

    assert statuses == [200, 401]
