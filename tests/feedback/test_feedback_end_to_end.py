"""End to end: an app calls through the real openai SDK, its user's browser posts feedback with the token."""

from __future__ import annotations

import httpx
import openai
import pytest
from feedback_helpers import APP_KEY

MESSAGES = [{"role": "user", "content": "What is the fee for a transfer?"}]


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key=APP_KEY, max_retries=0)


def test_a_browser_posts_feedback_with_the_token_from_the_sdks_raw_response(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    interaction_id = raw.headers["x-feedgate-interaction-id"]
    token = raw.headers["x-feedgate-feedback-token"]

    # What the app's front end does: no API key, only the token it was handed.
    response = httpx.post(
        f"{live_gateway.url}/feedback",
        json={"interaction_id": raw.parse().id, "thumbs": "down", "correction": "The fee is 1%."},
        headers={"x-feedgate-feedback-token": token},
    )

    assert response.status_code == 201, response.text
    assert response.json()["interaction_id"] == interaction_id
    assert response.json()["negative"] is True
    current = live_gateway.interaction(interaction_id)["feedback"]["current"]
    assert [(f["thumbs"], f["correction"]) for f in current] == [("down", "The fee is 1%.")]


def test_a_streamed_answer_carries_a_token_too(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for _ in raw.parse():
        pass

    response = httpx.post(
        f"{live_gateway.url}/feedback",
        json={"interaction_id": raw.headers["x-feedgate-interaction-id"], "rating": 4},
        headers={"x-feedgate-feedback-token": raw.headers["x-feedgate-feedback-token"]},
    )

    assert response.status_code == 201, response.text
