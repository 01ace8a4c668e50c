"""Feedback fixtures: answers from the gateway (with their feedback tokens) and posting feedback on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from chromium_launch import launched_chromium
from feedback_helpers import APP_KEY, Answer

from gateway.app import FeedgateApp, create_app

# The widget's browser tests launched a Chromium for every test: some 2 s each on an idle machine, far more
# on a loaded one, for 130 tests. One per module; each page a test opens has a context of its own
# (Browser.new_page), so no cookie, storage or route of one test reaches the next.


@pytest.fixture
def answer(client: httpx.AsyncClient, fake_upstream) -> Callable[..., Awaitable[Answer]]:
    """Make one chat completion through the gateway; returns its ids and feedback token."""

    async def make(key: str = APP_KEY, *, user: str | None = None, content: str = "hello") -> Answer:
        headers = {"authorization": f"Bearer {key}"}
        if user is not None:
            headers["x-feedgate-user"] = user
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
        response = await client.post("/v1/chat/completions", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return Answer(
            interaction_id=response.headers["x-feedgate-interaction-id"],
            token=response.headers["x-feedgate-feedback-token"],
            response_id=response.json()["id"],
        )

    return make


@pytest.fixture
def post_feedback(client: httpx.AsyncClient) -> Callable[..., Awaitable[httpx.Response]]:
    """POST /v1/feedback with a feedback token, an app key, or neither."""

    async def post(
        body: Any, *, token: str | None = None, key: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["x-feedgate-feedback-token"] = token
        if key is not None:
            sent["authorization"] = f"Bearer {key}"
        if isinstance(body, (bytes, str)):
            sent.setdefault("content-type", "application/json")
            return await client.post("/v1/feedback", content=body, headers=sent)
        return await client.post("/v1/feedback", json=body, headers=sent)

    return post


@pytest.fixture
def gateway_with(settings, fake_upstream):
    """An in-process gateway with some settings changed: `async with gateway_with(**changes) as (app, http)`."""

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
        app = create_app(settings.model_copy(update=changes), environ={})
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http,
        ):
            yield app, http

    return start


@pytest.fixture(scope="module")
def module_chromium() -> Iterator[Any]:
    """One headless Chromium for a module's browser tests (they are all synchronous: no event loop runs beside it)."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def browser(module_chromium: Any) -> Iterator[Any]:
    """The module's Chromium; every page (and its context) the test opened is closed after it."""
    yield module_chromium
    for context in module_chromium.contexts:
        context.close()
