"""The real openai SDK, through a gateway on a real socket: every error of the gateway's own gives it a `request_id`.

The SDKs read `x-request-id` into the error's `request_id`, what a developer quotes in a bug report. A
recorded call's refusals name the interaction (tests/test_sdk_end_to_end.py); the gateway's answers on
calls it does not record (an unknown key, a wrong base URL, its own /v1 endpoints) carried none, and the
SDK's `request_id` was None.
"""

from __future__ import annotations

import httpx
import openai
import pytest

from gateway.config_entries import Upstream

MESSAGES = [{"role": "user", "content": "My transfer failed twice"}]


def test_an_unknown_gateway_key_gives_the_sdk_a_request_id(settings, start_gateway):
    gateway = start_gateway(settings.model_copy(update={"key_mode": "gateway"}))
    sdk = openai.OpenAI(base_url=gateway.url, api_key="fgk-never-issued", max_retries=0)

    with pytest.raises(openai.AuthenticationError) as caught:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_")


def test_each_refusal_of_an_unrecorded_call_gets_a_request_id_of_its_own(settings, start_gateway):
    gateway = start_gateway(settings.model_copy(update={"key_mode": "gateway"}))
    sdk = openai.OpenAI(base_url=gateway.url, api_key="fgk-never-issued", max_retries=0)

    ids = []
    for _ in range(2):
        with pytest.raises(openai.AuthenticationError) as caught:
            sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        ids.append(caught.value.request_id)

    assert ids[0] != ids[1]


def test_a_base_url_without_v1_gives_the_sdk_a_request_id(live_gateway):
    sdk = openai.OpenAI(base_url=live_gateway.origin, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.request_id is not None


def test_a_feedback_refusal_gives_the_sdk_a_request_id(live_gateway):
    sdk = openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.UnprocessableEntityError) as caught:
        sdk.post("/feedback", body={"interaction_id": "no-such-answer"}, cast_to=httpx.Response)

    assert caught.value.request_id is not None


def test_a_poll_url_naming_no_task_gives_the_sdk_a_request_id(live_gateway):
    sdk = openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.NotFoundError) as caught:
        sdk.get("/reviews/", cast_to=httpx.Response)

    assert caught.value.request_id is not None


def test_the_merged_model_list_of_several_upstreams_gives_the_sdk_a_request_id(settings, start_gateway, fake_upstream):
    local = Upstream(name="local", url=fake_upstream.url, models=["llama-local"])
    gateway = start_gateway(settings.model_copy(update={"upstreams": [local]}))
    sdk = openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0)

    listed = sdk.models.with_raw_response.list()

    assert listed.request_id is not None
