"""Background Responses through the gateway with the real openai SDK: the answer polled later reaches the record."""

from __future__ import annotations

import httpx
import openai
import pytest


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)


def _create(sdk: openai.OpenAI) -> tuple[str, str]:
    """A background create: its interaction id and its response id."""
    raw = sdk.responses.with_raw_response.create(model="gpt-4o-mini", input="Cancel my card", background=True)
    return raw.headers["x-feedgate-interaction-id"], raw.parse().id


def _poll(sdk: openai.OpenAI, response_id: str) -> str:
    """Retrieve the response until it has ended, as an app does; its text."""
    for _ in range(10):
        response = sdk.responses.retrieve(response_id)
        if response.status not in ("queued", "in_progress"):
            return response.output_text
    raise AssertionError("the response never ended")


def test_the_queued_call_records_no_answer_until_one_is_fetched(sdk, live_gateway):
    interaction_id, _ = _create(sdk)

    record = live_gateway.interaction(interaction_id)

    assert (record["response_text"], record["finish_reason"]) == (None, None)


def test_the_answer_polled_later_fills_the_interaction_of_the_create(sdk, live_gateway):
    interaction_id, response_id = _create(sdk)

    text = _poll(sdk, response_id)

    record = live_gateway.interaction(interaction_id)
    assert text == "Echo: Cancel my card"
    assert (record["response_text"], record["finish_reason"]) == (text, "completed")
    assert record["usage"]["total_tokens"] > 0


def test_the_answer_streamed_later_fills_the_interaction_of_the_create(sdk, live_gateway):
    interaction_id, response_id = _create(sdk)
    sdk.responses.retrieve(response_id)  # in progress

    events = list(sdk.responses.retrieve(response_id, stream=True))

    record = live_gateway.interaction(interaction_id)
    assert events[-1].type == "response.completed"
    assert (record["response_text"], record["finish_reason"]) == (events[-1].response.output_text, "completed")


def test_a_cancel_records_that_the_response_was_cancelled(sdk, live_gateway):
    interaction_id, response_id = _create(sdk)

    sdk.responses.cancel(response_id)

    record = live_gateway.interaction(interaction_id)
    assert (record["response_text"], record["finish_reason"]) == (None, "cancelled")


def test_a_look_at_a_response_never_recorded_changes_nothing(sdk, live_gateway, admin_headers):
    interaction_id, _ = _create(sdk)
    before = live_gateway.interaction(interaction_id)

    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve("resp_never_recorded")

    after = live_gateway.interaction(interaction_id)
    assert after == before
    listed = httpx.get(f"{live_gateway.origin}/api/interactions", headers=admin_headers).json()
    assert [row["id"] for row in listed["data"]] == [interaction_id]
