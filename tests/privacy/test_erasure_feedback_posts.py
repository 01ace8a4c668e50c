"""A feedback post that found its interaction just before an erasure (or a prune) ran stores nothing after it.

`/v1/feedback` looks the interaction up, then stores the event: an erasure between the two deleted the
user's feedback and interactions, and the event stored afterwards was the erased user's comment, or an
event on an interaction no longer stored (which no later prune or erasure would find). The interleaving
is staged by running the erasure (or prune) right after the post's lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.util import await_

from gateway.app import FeedgateApp
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import prune_before
from gateway.store.tables import feedback, feedback_token_uses

AUTH = {"authorization": "Bearer sk-app-one"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "where is my parcel?"}]}


async def call_as(client: httpx.AsyncClient, gateway: FeedgateApp, user: str) -> httpx.Response:
    answer = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-user": user})
    assert answer.status_code == 200, answer.text
    await gateway.services.writer.flush()
    return answer


def after_the_lookup(monkeypatch, gateway: FeedgateApp, removal: Callable[[], Awaitable[object]]) -> None:
    """Run `removal` once, right after the feedback post has found its interaction."""
    interactions = gateway.services.feedback._interactions
    find = interactions.find

    async def find_then_remove(interaction_id: str, app: str | None = None):
        found = await find(interaction_id, app)
        monkeypatch.setattr(interactions, "find", find)
        await removal()
        return found

    monkeypatch.setattr(interactions, "find", find_then_remove)


async def stored_feedback(engine) -> list[tuple[str, str | None]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(select(feedback.c.interaction_id, feedback.c.user_id))]


async def test_the_erased_users_own_post_is_not_stored(gateway, client, engine, monkeypatch):
    dans = (await call_as(client, gateway, "dan")).headers["x-feedgate-interaction-id"]
    after_the_lookup(monkeypatch, gateway, lambda: erase_end_user(engine, "carol", "dpo", [], via="test"))

    posted = await client.post(
        "/v1/feedback",
        json={"interaction_id": dans, "thumbs": "down", "user_id": "carol", "comment": "my flat is 4B"},
        headers=AUTH,
    )

    assert posted.status_code == 409, posted.text
    assert posted.json()["error"]["code"] == "end_user_erased"
    assert await stored_feedback(engine) == []


@pytest.mark.parametrize("removal", ["erasure", "prune"])
async def test_a_post_on_an_interaction_removed_meanwhile_is_not_stored(gateway, client, engine, monkeypatch, removal):
    answer = await call_as(client, gateway, "carol")
    carols = answer.headers["x-feedgate-interaction-id"]
    token = answer.headers["x-feedgate-feedback-token"]

    async def remove() -> None:
        if removal == "erasure":
            await erase_end_user(engine, "carol", "dpo", [], via="test")
        else:
            await prune_before(engine, datetime.now(UTC) + timedelta(seconds=1))

    after_the_lookup(monkeypatch, gateway, remove)

    posted = await client.post(
        "/v1/feedback",
        json={"interaction_id": carols, "thumbs": "down", "comment": "wrong"},
        headers={"x-feedgate-feedback-token": token},
    )

    assert posted.status_code == 404, posted.text
    assert posted.json()["error"]["code"] == "interaction_not_found"
    assert await stored_feedback(engine) == []
    async with engine.connect() as connection:
        assert (await connection.execute(select(feedback_token_uses))).all() == []


async def test_a_prune_while_a_post_is_being_stored_waits_for_it_and_removes_its_event(
    gateway, client, engine, monkeypatch
):
    answer = await call_as(client, gateway, "carol")
    carols = answer.headers["x-feedgate-interaction-id"]
    store = gateway.services.feedback_store
    kept = store._erased.kept
    pruning: list[asyncio.Task] = []

    def prune_meanwhile(connection, rows, field):
        # Inside the post's transaction, its event inserted: a prune starts, and the post goes on a moment later
        # (`kept` is sync code the post runs through `run_sync`: the wait is awaited from its greenlet).
        pruning.append(asyncio.create_task(prune_before(engine, datetime.now(UTC) + timedelta(seconds=1))))
        await_(asyncio.sleep(0.5))
        return kept(connection, rows, field)

    monkeypatch.setattr(store._erased, "kept", prune_meanwhile)

    posted = await client.post(
        "/v1/feedback", json={"interaction_id": carols, "thumbs": "down", "user_id": "carol"}, headers=AUTH
    )
    report = await pruning[0]

    assert posted.status_code == 201, posted.text
    assert (report.counts.interactions, report.counts.feedback) == (1, 1)
    assert await stored_feedback(engine) == []
