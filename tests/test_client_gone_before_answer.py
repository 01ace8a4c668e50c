"""An app that gives up on a call before its answer (an SDK timeout, an abort) is recorded as having left."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

MESSAGES = [{"role": "user", "content": "My transfer failed twice"}]
LEFT = "client disconnected before the answer was complete"


def _the_one_interaction(gateway, admin_headers) -> dict:
    """The gateway's only stored interaction, once there is one (at most 3 s)."""
    deadline = time.monotonic() + 3
    while True:
        gateway.flush()
        listing = httpx.get(f"{gateway.origin}/api/interactions", headers=admin_headers).json()["data"]
        if listing or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(listing) == 1, listing
    return listing[0]


def test_an_sdk_timeout_before_a_whole_answer_is_recorded_as_the_client_leaving(
    live_gateway, fake_upstream, admin_headers
):
    # The upstream answers only after the app's SDK timed out: the app never saw that answer,
    # so a record of a 200 with it read as a call served (one more for each of the SDK's retries).
    client = openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gated-model", messages=MESSAGES)
    time.sleep(0.2)
    fake_upstream.app.release()

    record = _the_one_interaction(live_gateway, admin_headers)

    assert (record["status_code"], record["error"], record["response"]) == (499, LEFT, None)


def test_a_stream_given_up_before_its_first_event_is_recorded_as_the_client_leaving(
    live_gateway, fake_upstream, admin_headers
):
    # An upstream that never answers held the call until the read timeout, then stored a 504.
    client = openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0, timeout=0.3)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="hang-model", messages=MESSAGES, stream=True)

    record = _the_one_interaction(live_gateway, admin_headers)

    assert (record["status_code"], record["error"]) == (499, LEFT)


def test_a_client_gone_before_the_watch_begins_is_noticed_when_it_begins(live_gateway, fake_upstream, admin_headers):
    # The gateway starts watching a call's client only once the call has lasted a while (0.25 s):
    # a client that left sooner is still seen as gone then, before the upstream's answer comes.
    client = openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0, timeout=0.05)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gated-model", messages=MESSAGES)
    time.sleep(0.5)
    fake_upstream.app.release()

    record = _the_one_interaction(live_gateway, admin_headers)

    assert (record["status_code"], record["error"]) == (499, LEFT)
