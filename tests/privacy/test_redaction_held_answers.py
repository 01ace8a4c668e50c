"""A held answer through the whole gateway: exact while its hold runs, redacted in store once it is over (redaction on).

The confidence gate holds an unsure answer ("[confidence=0.3]" makes the fake upstream's answer
that unsure; the answer echoes the question, e-mail address included); a reviewer decides through
the admin API and the app polls GET /v1/reviews/{task_id}, as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.proxy.credentials import CallerResolver
from gateway.review.held_answer import sha256_hex

SALT = "held-redaction-salt"
KEY = "sk-gated"
AUTH = {"authorization": f"Bearer {KEY}"}
QUESTION = "Please write to alice@example.com about the fee [confidence=0.3]"
ANSWER = f"Echo: {QUESTION}"
REDACTED_ANSWER = "Echo: Please write to [redacted:email] about the fee [confidence=0.3]"

Started = Callable[..., AbstractAsyncContextManager[tuple[FeedgateApp, httpx.AsyncClient]]]


async def _no_keys(_: str) -> None:
    return None


APP = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)


@pytest.fixture
def gateway_with(settings: Settings) -> Started:
    """Start the gateway holding APP's unsure answers, with `redaction` on or off and other setting overrides."""

    @asynccontextmanager
    async def start(redaction: bool, **overrides: Any) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
        update = {
            "key_salt": SALT,
            "review_gates": [ReviewGate(app=APP, mode="hold")],
            "review_second_opinion_share": 0.0,
            "redaction": redaction,
            **overrides,
        }
        app = create_app(settings.model_copy(update=update), environ={})
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http,
        ):
            yield app, http

    return start


async def held(http: httpx.AsyncClient) -> str:
    """Make a call the gate holds; returns its task's id."""
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}]}
    response = await http.post("/v1/chat/completions", json=chat, headers=AUTH)
    assert response.status_code == 202, response.text
    return str(response.json()["task_id"])


async def task(http: httpx.AsyncClient, admin_headers: dict[str, str], task_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/reviews/{task_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def copies(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The task's stored copies of its held answer: its evidence's, then its "opened" event's."""
    opened = next(event for event in found["events"] if event["kind"] == "opened")
    return [found["evidence"]["held_answer"], opened["detail"]["evidence"]["held_answer"]]


def said(copy: dict[str, Any]) -> str:
    return str(orjson.loads(copy["body"])["choices"][0]["message"]["content"])


async def approve_and_collect(http: httpx.AsyncClient, admin_headers: dict[str, str], task_id: str) -> httpx.Response:
    decision = {"outcome": "approve", "reviewer": "alice"}
    decided = await http.post(f"/api/reviews/{task_id}/decision", json=decision, headers=admin_headers)
    assert decided.status_code == 200, decided.text
    return await http.get(f"/v1/reviews/{task_id}", headers=AUTH)


async def test_with_redaction_on_the_reviewer_sees_the_exact_answer_and_the_app_gets_it(gateway_with, admin_headers):
    async with gateway_with(redaction=True) as (app, http):
        task_id = await held(http)

        # The gateway's periodic sweep, while the hold runs.
        assert app.services.held_redaction is not None
        assert await app.services.held_redaction.sweep() == 0
        during = copies(await task(http, admin_headers, task_id))
        released = await approve_and_collect(http, admin_headers, task_id)

    assert [said(copy) for copy in during] == [ANSWER, ANSWER]
    assert released.status_code == 200 and released.headers["x-feedgate-review-outcome"] == "approve"
    assert released.content == during[0]["body"].encode()
    assert sha256_hex(released.content) == during[0]["sha256"]


async def test_with_redaction_on_a_collected_answer_is_stored_redacted_with_its_hash(gateway_with, admin_headers):
    async with gateway_with(redaction=True) as (_, http):
        task_id = await held(http)
        released = await approve_and_collect(http, admin_headers, task_id)

        after = copies(await task(http, admin_headers, task_id))

    assert [said(copy) for copy in after] == [REDACTED_ANSWER, REDACTED_ANSWER]
    assert [copy["sha256"] for copy in after] == [sha256_hex(released.content)] * 2
    assert [copy["redacted"] for copy in after] == [{"email": 1}, {"email": 1}]


async def test_with_redaction_on_an_answer_past_its_deadline_is_stored_redacted(gateway_with, admin_headers):
    async with gateway_with(redaction=True, review_hold_timeout_minutes=0.001) as (app, http):
        task_id = await held(http)
        await asyncio.sleep(0.1)

        # What the gateway's periodic sweep does (its first pass ran at start, before the hold).
        assert app.services.held_redaction is not None
        await app.services.held_redaction.sweep()
        after = copies(await task(http, admin_headers, task_id))

    assert [said(copy) for copy in after] == [REDACTED_ANSWER, REDACTED_ANSWER]


@pytest.mark.parametrize(
    "question", [QUESTION, "What is the fee? [confidence=0.3]"], ids=["an e-mail address", "nothing to redact"]
)
async def test_with_redaction_on_a_repeat_poll_of_a_collected_answer_is_410_whatever_it_says(
    gateway_with, admin_headers, question
):
    async with gateway_with(redaction=True) as (_, http):
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
        task_id = (await http.post("/v1/chat/completions", json=chat, headers=AUTH)).json()["task_id"]
        first = await approve_and_collect(http, admin_headers, task_id)

        again = await http.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert first.status_code == 200
    assert (again.status_code, again.headers["x-feedgate-review-outcome"]) == (410, "approve")
    assert again.json()["error"]["code"] == "held_answer_redacted"


async def test_with_redaction_off_a_repeat_poll_gets_the_answer_again(gateway_with, admin_headers):
    async with gateway_with(redaction=False) as (_, http):
        task_id = await held(http)
        first = await approve_and_collect(http, admin_headers, task_id)

        again = await http.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert (again.status_code, again.content) == (200, first.content)


async def test_with_redaction_off_a_held_answer_stays_as_it_was_held(gateway_with, admin_headers):
    async with gateway_with(redaction=False) as (app, http):
        task_id = await held(http)
        released = await approve_and_collect(http, admin_headers, task_id)

        found = await task(http, admin_headers, task_id)
        assert app.services.held_redaction is None

    assert released.status_code == 200
    assert [copy["body"].encode() for copy in copies(found)] == [released.content] * 2
    assert all("redacted" not in copy for copy in copies(found))
    assert "redacted" not in [event["kind"] for event in found["events"]]


async def test_with_redaction_on_a_correction_through_the_api_is_stored_redacted_and_the_app_gets_it_exact(
    gateway_with, admin_headers
):
    correction = "Please write to bob@example.com instead."
    async with gateway_with(redaction=True) as (_, http):
        task_id = await held(http)
        decision = {"outcome": "correct", "reviewer": "alice", "correction": correction}
        decided = await http.post(f"/api/reviews/{task_id}/decision", json=decision, headers=admin_headers)
        assert decided.status_code == 200, decided.text

        served = await http.get(f"/v1/reviews/{task_id}", headers=AUTH)
        found = await task(http, admin_headers, task_id)

    assert served.status_code == 200 and served.headers["x-feedgate-review-outcome"] == "correct"
    assert served.json()["choices"][0]["message"]["content"] == correction
    [stored] = found["decisions"]
    assert stored["correction"] == "Please write to [redacted:email] instead."
    decided_event = next(event for event in found["events"] if event["kind"] == "decided")
    assert decided_event["detail"]["exact_correction"] is None
    assert decided_event["detail"]["redactions"] == {"email": 1}


async def test_with_redaction_on_a_head_poll_leaves_the_answer_for_the_get_that_collects_it(
    gateway_with, admin_headers
):
    # A HEAD is answered as a GET without the body; it used to count as the app served, so the exact
    # answer was redacted in store and the GET that came for it got 410.
    async with gateway_with(redaction=True) as (_, http):
        task_id = await held(http)
        decision = {"outcome": "approve", "reviewer": "alice"}
        assert (await http.post(f"/api/reviews/{task_id}/decision", json=decision, headers=admin_headers)).is_success
        checked = await http.head(f"/v1/reviews/{task_id}", headers=AUTH)
        collected = await http.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert (checked.status_code, checked.headers["x-feedgate-review-outcome"], checked.content) == (200, "approve", b"")
    assert collected.status_code == 200, collected.text
    assert said({"body": collected.text}) == ANSWER
