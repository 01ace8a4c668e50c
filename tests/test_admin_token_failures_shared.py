"""Wrong admin tokens counted in the database: two gateways on one database allow one allowance, not two."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings

SHARED = {"rate_limit_scope": "database"}
GUESS = {"authorization": "Bearer guess"}


@pytest.fixture
def two_gateways(settings: Settings):
    """Two gateways with the same settings on one database: `async with two_gateways(**changes) as (one, two)`."""

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
        first = create_app(settings.model_copy(update=changes), environ={})
        other_spool = settings.spool_path.with_name("other-process.spool.jsonl")
        second = create_app(settings.model_copy(update={**changes, "spool_path": other_spool}), environ={})
        async with (
            LifespanManager(first, startup_timeout=30),
            LifespanManager(second, startup_timeout=30),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://one.test") as one,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://two.test") as two,
        ):
            yield one, two

    return start


async def test_two_gateways_on_one_database_share_the_wrong_token_allowance(two_gateways, admin_headers):
    async with two_gateways(**SHARED, admin_token_failures_per_minute=3) as (one, two):
        guesses = [await gateway.get("/api/interactions", headers=GUESS) for gateway in (one, two, one)]
        refused = [
            await gateway.get("/api/interactions", headers=headers)
            for gateway, headers in ((two, GUESS), (one, admin_headers), (two, admin_headers))
        ]

    assert [response.status_code for response in guesses] == [401, 401, 401]
    assert [response.status_code for response in refused] == [429, 429, 429]


async def test_in_process_scope_two_gateways_each_allow_the_whole_rate(two_gateways):
    async with two_gateways(rate_limit_scope="process", admin_token_failures_per_minute=2) as (one, two):
        guesses = [await gateway.get("/api/interactions", headers=GUESS) for gateway in (one, two, one, two, one)]

    assert [response.status_code for response in guesses] == [401, 401, 401, 401, 429]


async def test_the_shared_429_is_the_in_process_one(two_gateways, admin_headers):
    answers = {}
    for scope in ("process", "database"):
        async with two_gateways(rate_limit_scope=scope, admin_token_failures_per_minute=2) as (one, _):
            [await one.get("/api/interactions", headers=GUESS) for _ in range(2)]
            answers[scope] = await one.get("/api/interactions", headers=admin_headers)

    process, database = answers["process"], answers["database"]
    assert database.status_code == process.status_code == 429
    # 60 s / 2 tries, less the moments the tries took.
    assert 25 <= int(database.headers["retry-after"]) <= 30
    assert abs(int(database.headers["retry-after"]) - int(process.headers["retry-after"])) <= 1
    seconds = database.headers["retry-after"]
    assert database.json()["detail"] == (
        f"too many wrong admin tokens from this address: try again in {seconds} s (admin_token_failures_per_minute)"
    )
    assert process.json()["detail"] == database.json()["detail"].replace(seconds, process.headers["retry-after"])


async def test_the_right_token_spends_nothing_of_the_shared_allowance(two_gateways, admin_headers):
    async with two_gateways(**SHARED, admin_token_failures_per_minute=2) as (one, two):
        rights = [await gateway.get("/api/interactions", headers=admin_headers) for gateway in (one, two) * 3]
        guesses = [await gateway.get("/api/interactions", headers=GUESS) for gateway in (one, two, one)]

    assert [response.status_code for response in rights] == [200] * 6
    assert [response.status_code for response in guesses] == [401, 401, 429]


async def test_concurrent_guesses_get_no_more_than_the_allowance(two_gateways):
    # A guess is counted before its token is compared: however many arrive at once, at most the allowance
    # of them is ever compared (a right one among the rest would be refused as they are).
    async with two_gateways(**SHARED, admin_token_failures_per_minute=3) as (one, two):
        answers = await asyncio.gather(*(gateway.get("/api/interactions", headers=GUESS) for gateway in (one, two) * 6))

    assert sorted(response.status_code for response in answers) == [401] * 3 + [429] * 9
