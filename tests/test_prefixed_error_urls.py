"""Under a public path prefix (FEEDGATE_ROOT_PATH), the URLs Feedgate's own error messages name are the public ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings

PREFIX = "/feedgate"


@pytest.fixture
async def prefixed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an in-process gateway whose public path prefix is PREFIX."""
    app = create_app(settings.model_copy(update={"root_path": PREFIX}), environ={})
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://feedgate.test") as http:
            yield http


# A reverse proxy in front may keep the prefix on the paths it passes on, or strip it.
@pytest.mark.parametrize("sent", [PREFIX, ""], ids=["prefix-kept", "prefix-stripped"])
async def test_a_held_answer_url_naming_no_task_names_the_public_url_to_poll(prefixed, sent):
    response = await prefixed.get(f"{sent}/v1/reviews/a/b", headers={"authorization": "Bearer sk-app-key"})

    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert message == (
        f"{PREFIX}/v1/reviews/a/b is not a URL this gateway serves: poll a held answer at "
        f"GET {PREFIX}/v1/reviews/{{task_id}}, the task id its 202 answer named"
    )


@pytest.mark.parametrize("sent", [PREFIX, ""], ids=["prefix-kept", "prefix-stripped"])
async def test_a_method_a_v1_endpoint_does_not_take_names_its_public_path(prefixed, sent):
    response = await prefixed.get(f"{sent}/v1/feedback")

    assert response.status_code == 405
    assert response.json()["error"]["message"].startswith(f"GET is not a method {PREFIX}/v1/feedback takes; it takes")


@pytest.mark.parametrize("sent", [PREFIX, ""], ids=["prefix-kept", "prefix-stripped"])
async def test_a_method_an_admin_endpoint_does_not_take_names_its_public_path(prefixed, admin_headers, sent):
    response = await prefixed.delete(f"{sent}/api/kb", headers=admin_headers)

    assert response.status_code == 405
    assert (
        response.json()["detail"] == f"DELETE is not a method {PREFIX}/api/kb takes; it takes GET, HEAD, OPTIONS, POST"
    )


async def test_an_unknown_address_names_its_public_path(prefixed):
    response = await prefixed.post(f"{PREFIX}/no-such-thing", json={})

    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(f"Invalid URL (POST {PREFIX}/no-such-thing): ")
