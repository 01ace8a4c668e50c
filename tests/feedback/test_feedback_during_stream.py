"""Feedback on an answer still streaming: its token comes with the headers, before the first chunk,
but the interaction is stored only when the stream ends. The post waits for it instead of a 404."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
import uuid_utils
from feedback_helpers import APP_KEY

from gateway.feedback import posted_interaction
from gateway.feedback.token import FeedbackTokens

MESSAGES = [{"role": "user", "content": "What is the fee for a transfer?"}]


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key=APP_KEY, max_retries=0)


def post_thumbs_down(live_gateway, headers: httpx.Headers) -> httpx.Response:
    """What a page does with the two headers as soon as it has them."""
    return httpx.post(
        f"{live_gateway.url}/feedback",
        json={"interaction_id": headers["x-feedgate-interaction-id"], "thumbs": "down"},
        headers={"x-feedgate-feedback-token": headers["x-feedgate-feedback-token"]},
        timeout=30,
    )


def test_feedback_posted_while_the_answer_streams_is_stored_once_the_stream_ends(
    sdk, live_gateway, fake_upstream, monkeypatch
):
    # The wait for a writer's flush alone (3 s) would end long before this stream does.
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    raw = sdk.chat.completions.with_raw_response.create(model="gated-gpt", messages=MESSAGES, stream=True)
    chunks = iter(raw.parse())
    next(chunks)

    with ThreadPoolExecutor(1) as pool:
        posted = pool.submit(post_thumbs_down, live_gateway, raw.headers)
        time.sleep(1.0)  # ten times the flush wait: the answer is still streaming
        still_waiting = not posted.done()
        fake_upstream.app.release()
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
        response = posted.result(timeout=30)

    assert still_waiting and text
    assert response.status_code == 201, response.text
    current = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])["feedback"]["current"]
    assert [event["thumbs"] for event in current] == ["down"]


def test_feedback_on_a_stream_longer_than_the_wait_is_told_to_come_back_not_that_the_answer_is_missing(
    sdk, live_gateway, fake_upstream, monkeypatch
):
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", 0.5)
    raw = sdk.chat.completions.with_raw_response.create(model="gated-gpt", messages=MESSAGES, stream=True)
    chunks = iter(raw.parse())
    next(chunks)

    early = post_thumbs_down(live_gateway, raw.headers)
    fake_upstream.app.release()
    list(chunks)
    again = post_thumbs_down(live_gateway, raw.headers)

    assert early.status_code == 409
    assert early.json()["error"]["code"] == "interaction_in_progress"
    assert "still streaming" in early.json()["error"]["message"] and early.headers["retry-after"] == "5"
    assert again.status_code == 201, again.text


async def test_a_post_still_waiting_when_the_gateway_shuts_down_is_told_to_post_again(gateway_with):
    async with gateway_with(feedback_secret="s3cret") as (_, http):
        # A token for an answer not stored yet (its stream still running, say): the post waits for it.
        interaction_id = str(uuid_utils.uuid7())
        token = FeedbackTokens("s3cret", 3600).sign(interaction_id)
        posting = asyncio.create_task(
            http.post(
                "/v1/feedback",
                json={"interaction_id": interaction_id, "thumbs": "down"},
                headers={"x-feedgate-feedback-token": token},
            )
        )
        await asyncio.sleep(0.5)

        posting.cancel()  # what the server's graceful-shutdown timeout does to a request still running
        response = await posting

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "gateway_shutting_down"
    assert response.headers["retry-after"] == "5"


def test_an_app_key_post_on_an_answer_still_streaming_is_told_to_post_when_it_ends(sdk, live_gateway, fake_upstream):
    raw = sdk.chat.completions.with_raw_response.create(model="gated-gpt", messages=MESSAGES, stream=True)
    chunks = iter(raw.parse())
    next(chunks)

    early = httpx.post(
        f"{live_gateway.url}/feedback",
        json={"interaction_id": raw.headers["x-feedgate-interaction-id"], "thumbs": "down"},
        headers={"authorization": f"Bearer {APP_KEY}"},
    )
    fake_upstream.app.release()
    list(chunks)

    # Still a 404 (an app's post does not wait), but not one that reads as a wrong id.
    assert early.status_code == 404
    assert early.json()["error"]["code"] == "interaction_not_found"
    assert "stored when its stream ends" in early.json()["error"]["message"]


def test_of_two_votes_sent_while_the_answer_streams_the_one_sent_last_stays_current(
    sdk, live_gateway, fake_upstream, monkeypatch
):
    # Each waiting post looks for the answer every 2 s; the second post's looks fall a second after the first's,
    # and the stream ends just after the first's look: the second vote is the first to find the answer stored.
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.0)
    monkeypatch.setattr(posted_interaction, "STREAM_POLL_SECONDS", 2.0)
    raw = sdk.chat.completions.with_raw_response.create(model="gated-gpt", messages=MESSAGES, stream=True)
    chunks = iter(raw.parse())
    next(chunks)
    token = {"x-feedgate-feedback-token": raw.headers["x-feedgate-feedback-token"]}

    def vote(thumbs: str) -> httpx.Response:
        return httpx.post(f"{live_gateway.url}/feedback", json={"thumbs": thumbs}, headers=token, timeout=30)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(vote, "up")
        time.sleep(1.0)
        second = pool.submit(vote, "down")  # the end user changed their mind while the answer streamed
        time.sleep(1.3)
        fake_upstream.app.release()
        list(chunks)
        assert [first.result(timeout=30).status_code, second.result(timeout=30).status_code] == [201, 201]

    current = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])["feedback"]["current"]
    assert [event["thumbs"] for event in current] == ["down"]
