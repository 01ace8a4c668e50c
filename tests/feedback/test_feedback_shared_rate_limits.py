"""Feedback rate limits counted in the database: two gateways on one database allow one allowance, not two."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from feedback_helpers import APP_KEY, error_of

from gateway.config import Settings
from gateway.feedback.limits import feedback_limits
from gateway.feedback.shared_rate_limit import SharedRateLimiter
from gateway.rate_limit_scope import InProcess, counted_in_database
from gateway.store.engine import create_engine
from gateway.store.rate_limits import RateLimitRows

NO_RATE_LIMITS: dict[str, Any] = {
    "feedback_token_posts_per_minute": 0,
    "feedback_address_posts_per_minute": 0,
    "feedback_app_posts_per_minute": 0,
    "feedback_token_max_submissions": 100,
}
SHARED = {"rate_limit_scope": "database"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def two_gateways(gateway_with, settings: Settings):
    """Two gateways with the same settings on one database: `async with two_gateways(**changes) as (one, two)`."""

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
        other_spool = settings.spool_path.with_name("other-process.spool.jsonl")
        async with (
            gateway_with(**changes) as (_, one),
            gateway_with(**changes, spool_path=other_spool) as (_, two),
        ):
            yield one, two

    return start


async def ask(http: httpx.AsyncClient) -> tuple[str, str]:
    answered = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {APP_KEY}"})
    assert answered.status_code == 200, answered.text
    return answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"]


async def give(http: httpx.AsyncClient, token: str, body: dict[str, Any]) -> httpx.Response:
    return await http.post("/v1/feedback", json=body, headers={"x-feedgate-feedback-token": token})


async def by_key(http: httpx.AsyncClient, interaction_id: str) -> httpx.Response:
    body = {"interaction_id": interaction_id, "thumbs": "up"}
    return await http.post("/v1/feedback", json=body, headers={"authorization": f"Bearer {APP_KEY}"})


def without_seconds(response: httpx.Response) -> dict[str, Any]:
    """The 429's error object with its "try again in N s" made comparable."""
    error = error_of(response)
    return {**error, "message": re.sub(r"in \d+ s$", "in N s", error["message"])}


async def test_two_gateways_on_one_database_share_a_tokens_allowance(two_gateways):
    async with two_gateways(**{**NO_RATE_LIMITS, **SHARED, "feedback_token_posts_per_minute": 3}) as (one, two):
        interaction_id, token = await ask(one)
        vote = {"interaction_id": interaction_id, "thumbs": "up"}
        answers = [await give(gateway, token, vote) for gateway in (one, two, one, two, one)]

    assert [response.status_code for response in answers] == [201, 201, 201, 429, 429]


async def test_in_process_scope_two_gateways_each_allow_the_whole_rate(two_gateways):
    async with two_gateways(**{**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2}) as (one, two):
        interaction_id, token = await ask(one)
        vote = {"interaction_id": interaction_id, "thumbs": "up"}
        answers = [await give(gateway, token, vote) for gateway in (one, two, one, two)]

    assert [response.status_code for response in answers] == [201] * 4


async def test_the_shared_429_is_the_in_process_one(gateway_with):
    answers = {}
    for scope in ("process", "database"):
        limits = {**NO_RATE_LIMITS, "feedback_token_posts_per_minute": 2, "rate_limit_scope": scope}
        async with gateway_with(**limits) as (_, http):
            interaction_id, token = await ask(http)
            vote = {"interaction_id": interaction_id, "thumbs": "up"}
            answers[scope] = [await give(http, token, vote) for _ in range(3)]

    process, database = answers["process"][-1], answers["database"][-1]
    assert [r.status_code for r in answers["database"]] == [r.status_code for r in answers["process"]]
    assert database.status_code == 429
    # 60 s / 2 posts, less the moments the posts took.
    assert 25 <= int(database.headers["retry-after"]) <= 30
    assert abs(int(database.headers["retry-after"]) - int(process.headers["retry-after"])) <= 1
    assert without_seconds(database) == without_seconds(process)
    assert error_of(database)["message"].endswith(f"in {database.headers['retry-after']} s")
    assert (error_of(database)["type"], error_of(database)["code"]) == ("requests", "rate_limit_exceeded")


async def test_an_address_allowance_is_shared_too(two_gateways):
    async with two_gateways(**{**NO_RATE_LIMITS, **SHARED, "feedback_address_posts_per_minute": 2}) as (one, two):
        asked = [await ask(one) for _ in range(3)]
        answers = [
            await give(gateway, token, {"interaction_id": interaction_id, "thumbs": "up"})
            for gateway, (interaction_id, token) in zip((one, two, two), asked, strict=True)
        ]

    assert [response.status_code for response in answers] == [201, 201, 429]
    assert "this client address" in error_of(answers[-1])["message"]


async def test_a_post_refused_for_what_it_names_is_given_back_to_the_shared_allowance(two_gateways):
    async with two_gateways(**{**NO_RATE_LIMITS, **SHARED, "feedback_app_posts_per_minute": 2}) as (one, two):
        interaction_id, _ = await ask(one)
        unknown = [await by_key(one, "no-such-interaction") for _ in range(3)]
        stored = [await by_key(two, interaction_id) for _ in range(3)]

    assert [response.status_code for response in unknown] == [404, 404, 404]
    assert [response.status_code for response in stored] == [201, 201, 429]
    assert "this app's key" in error_of(stored[-1])["message"]


def test_auto_counts_in_the_database_under_several_workers_and_in_memory_otherwise(settings):
    assert not counted_in_database(settings)
    assert counted_in_database(settings.model_copy(update={"workers": 3}))
    assert not counted_in_database(settings.model_copy(update={"workers": 3, "rate_limit_scope": "process"}))
    assert counted_in_database(settings.model_copy(update={"rate_limit_scope": "database"}))


async def test_the_limits_are_built_for_their_scope(settings):
    engine = create_engine(settings.database_url)
    try:
        shared = feedback_limits(settings.model_copy(update=SHARED), RateLimitRows(engine))
        local = feedback_limits(settings, RateLimitRows(engine))
    finally:
        await engine.dispose()

    assert isinstance(shared.per_token, SharedRateLimiter) and isinstance(shared.per_app, SharedRateLimiter)
    assert isinstance(local.per_token, InProcess) and isinstance(local.per_address, InProcess)
