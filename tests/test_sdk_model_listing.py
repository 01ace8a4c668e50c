"""The real openai SDK lists, through a gateway with several upstreams, every model it can call."""

from __future__ import annotations

import openai

from gateway.config_entries import Upstream
from gateway.demo.payloads import MODEL_IDS


def test_the_sdk_lists_the_models_of_every_upstream_and_retrieves_each_from_its_own(
    settings, start_gateway, fake_upstream
):
    local = Upstream(name="local", url=fake_upstream.url, models=["llama-local"])
    gateway = start_gateway(settings.model_copy(update={"upstreams": [local]}))
    sdk = openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0)

    listed = [model.id for model in sdk.models.list()]
    retrieved = sdk.models.retrieve("llama-local")

    assert sorted(listed) == sorted([*MODEL_IDS, "llama-local"])
    assert retrieved.id == "llama-local"
    assert [request.path for request in fake_upstream.app.requests][-1] == "/v1/models/llama-local"
