"""Accepted feedback is counted by kind; a replay of the same submission is not counted again."""

from __future__ import annotations

import httpx

from .scrape import increase, scrape

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the fee?"}]}


async def answered(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-fb-app"})
    assert response.status_code == 200
    return response


async def post_feedback(client: httpx.AsyncClient, answer: httpx.Response, body: dict) -> httpx.Response:
    body = {"interaction_id": answer.headers["x-feedgate-interaction-id"], **body}
    token = answer.headers["x-feedgate-feedback-token"]
    return await client.post("/v1/feedback", json=body, headers={"x-feedgate-feedback-token": token})


async def test_a_feedback_post_increments_each_kind_it_carries(client, fake_upstream):
    answer = await answered(client)
    before = await scrape(client)

    response = await post_feedback(client, answer, {"thumbs": "down", "comment": "Wrong fee"})

    after = await scrape(client)
    assert response.status_code == 201
    assert increase(before, after, "feedgate_feedback_total", kind="thumbs_down") == 1
    assert increase(before, after, "feedgate_feedback_total", kind="comment") == 1
    assert increase(before, after, "feedgate_feedback_total", kind="thumbs_up") == 0
    assert increase(before, after, "feedgate_feedback_events_total", via="token", negative="true") == 1


async def test_a_replayed_feedback_post_is_counted_once(client, fake_upstream):
    answer = await answered(client)
    before = await scrape(client)

    first = await post_feedback(client, answer, {"rating": 5, "idempotency_key": "click-1"})
    again = await post_feedback(client, answer, {"rating": 5, "idempotency_key": "click-1"})

    after = await scrape(client)
    assert (first.status_code, again.status_code) == (201, 200)
    assert increase(before, after, "feedgate_feedback_total", kind="rating") == 1
    assert increase(before, after, "feedgate_feedback_events_total", via="token", negative="false") == 1
