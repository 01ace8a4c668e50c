"""Building the app: what does not depend on Settings is made once per process, not once per app."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.routes import HTTPRoute

from gateway.app import create_app
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


def test_a_second_app_takes_its_handlers_parsed_signatures_from_the_first(tmp_path: Path):
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/feedgate.db",
        upstream_url="http://127.0.0.1:9",
        admin_token="test-admin-token-0123456789abcdef",
    )
    first = our_handlers(create_app(settings, environ={}).api)
    second = our_handlers(create_app(settings, environ={}).api)

    assert len(first) > 100
    assert first.keys() == second.keys()
    parsed_again = [key for key, signature in second.items() if signature is not first[key]]
    assert parsed_again == []
