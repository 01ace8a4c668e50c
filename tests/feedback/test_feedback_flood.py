"""Replaying the flood of issue #12: 2,000 posts under one browser's token, each with a 5 KB comment
and a user_id of the client's choosing. With the default settings at most the bound is stored, the rest
get 429, and the stats and issue sizes move by one vote."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from feedback_helpers import APP_KEY

from gateway.store.negative_feedback import NegativeFeedbackStore

POSTS = 2_000
# Posts in flight at once: a browser script firing as fast as the gateway answers.
IN_FLIGHT = 200
COMMENT = "x" * 5_000


async def flood(client: httpx.AsyncClient, interaction_id: str, token: str) -> Counter[int]:
    """POSTS thumbs-down posts under `token`, IN_FLIGHT at a time; how many got each status."""

    async def post(n: int) -> int:
        body = {"interaction_id": interaction_id, "thumbs": "down", "comment": COMMENT, "user_id": f"flooder-{n}"}
        response = await client.post("/v1/feedback", json=body, headers={"x-feedgate-feedback-token": token})
        return response.status_code

    statuses: Counter[int] = Counter()
    for start in range(0, POSTS, IN_FLIGHT):
        statuses.update(await asyncio.gather(*(post(n) for n in range(start, min(start + IN_FLIGHT, POSTS)))))
    return statuses


async def totals(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict:
    response = await client.get("/api/stats", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()["totals"]


async def stored_events(client: httpx.AsyncClient, admin_headers: dict[str, str], interaction_id: str) -> list[dict]:
    found = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    return found.json()["feedback"]["events"]


async def test_a_flood_under_an_anonymous_token_stores_at_most_the_bound_and_moves_the_stats_by_one_vote(
    answer, post_feedback, client, admin_headers, gateway, settings
):
    liked = await answer()
    await post_feedback({"interaction_id": liked.interaction_id, "thumbs": "up"}, token=liked.token)
    before = await totals(client, admin_headers)
    flooded = await answer()

    statuses = await flood(client, flooded.interaction_id, flooded.token)
    after = await totals(client, admin_headers)
    events = await stored_events(client, admin_headers, flooded.interaction_id)

    assert set(statuses) == {201, 429}
    assert 1 <= statuses[201] <= settings.feedback_token_max_submissions
    assert statuses[429] == POSTS - statuses[201]
    assert len(events) == statuses[201]
    assert (before["feedback"], before["negative_rate"]) == (1, 0.0)
    assert (after["feedback"], after["negative_rate"]) == (2, 0.5)
    complaints = await NegativeFeedbackStore(gateway.services.engine).complaints(events[0]["app"])
    assert [row["id"] for row in complaints] == [flooded.interaction_id]


async def test_a_flood_under_a_users_token_stores_nothing_it_claims_for_others(answer, client, admin_headers):
    bound = await answer(user="customer-42")

    statuses = await flood(client, bound.interaction_id, bound.token)

    # Refused as another user's (403) until the token's rate limit answers first (429).
    assert set(statuses) == {403, 429}
    assert await stored_events(client, admin_headers, bound.interaction_id) == []


async def test_after_a_flood_the_app_key_may_still_post(answer, client, post_feedback):
    flooded = await answer()
    await flood(client, flooded.interaction_id, flooded.token)

    response = await post_feedback({"interaction_id": flooded.interaction_id, "thumbs": "up"}, key=APP_KEY)

    assert response.status_code == 201
