"""Background Responses with several upstreams: a later look at a response goes to the upstream that made it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from gateway.config_entries import Upstream
from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream

SECOND_MODEL = "llama-second"


@pytest.fixture(scope="module")
def second_server() -> Iterator[RunningFakeUpstream]:
    with run_fake_upstream() as upstream:
        yield upstream


@pytest.fixture
def second(second_server: RunningFakeUpstream) -> RunningFakeUpstream:
    """A second fake upstream, serving SECOND_MODEL; the default upstream is the shared fake one."""
    second_server.app.reset()
    second_server.app.background.reset()
    return second_server


@pytest.fixture
def gateway(settings, start_gateway, second):
    upstream = Upstream(name="second", url=second.url, models=[SECOND_MODEL])
    return start_gateway(settings.model_copy(update={"upstreams": [upstream]}))


@pytest.fixture
def sdk(gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0)


def _create(sdk: openai.OpenAI, model: str = SECOND_MODEL) -> tuple[str, str]:
    """A background create: its interaction id and its response id."""
    raw = sdk.responses.with_raw_response.create(model=model, input="Cancel my card", background=True)
    return raw.headers["x-feedgate-interaction-id"], raw.parse().id


def _looks(upstream: RunningFakeUpstream, response_id: str) -> list[tuple[str, str]]:
    """The requests `upstream` got about `response_id`: (method, path)."""
    return [(r.method, r.path) for r in upstream.app.requests if response_id in r.path]


def test_a_poll_goes_to_the_upstream_that_made_the_response(sdk, gateway, second, fake_upstream):
    interaction_id, response_id = _create(sdk)
    gateway.flush()

    sdk.responses.retrieve(response_id)  # in progress
    final = sdk.responses.retrieve(response_id)

    assert final.output_text == "Echo: Cancel my card"
    assert _looks(second, response_id) == [("GET", f"/v1/responses/{response_id}")] * 2
    assert _looks(fake_upstream, response_id) == []
    record = gateway.interaction(interaction_id)
    assert (record["upstream"], record["finish_reason"]) == ("second", "completed")


def test_a_cancel_goes_to_the_upstream_that_made_the_response(sdk, gateway, second):
    interaction_id, response_id = _create(sdk)
    gateway.flush()

    cancelled = sdk.responses.cancel(response_id)

    assert cancelled.status == "cancelled"
    assert gateway.interaction(interaction_id)["finish_reason"] == "cancelled"


@pytest.mark.parametrize("method, suffix", [("DELETE", ""), ("GET", "/input_items")])
def test_other_looks_at_the_response_go_to_the_upstream_that_made_it(gateway, second, fake_upstream, method, suffix):
    _, response_id = _create(openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0))
    gateway.flush()

    httpx.request(method, f"{gateway.url}/responses/{response_id}{suffix}", headers={"authorization": "Bearer sk-e2e"})

    assert _looks(second, response_id) == [(method, f"/v1/responses/{response_id}{suffix}")]
    assert _looks(fake_upstream, response_id) == []


def test_a_look_before_the_create_is_stored_still_goes_to_its_upstream(settings, start_gateway, second):
    # The create waits in the writer for a second when the poll comes at once.
    upstream = Upstream(name="second", url=second.url, models=[SECOND_MODEL])
    slow = start_gateway(settings.model_copy(update={"upstreams": [upstream], "writer_flush_interval": 1.0}))
    sdk = openai.OpenAI(base_url=slow.url, api_key="sk-e2e", max_retries=0)
    _, response_id = _create(sdk)

    sdk.responses.retrieve(response_id)

    assert _looks(second, response_id) == [("GET", f"/v1/responses/{response_id}")]


def test_a_response_made_on_the_default_upstream_is_polled_there(sdk, gateway, second, fake_upstream):
    _, response_id = _create(sdk, model="gpt-4o-mini")
    gateway.flush()

    sdk.responses.retrieve(response_id)

    assert _looks(fake_upstream, response_id) == [("GET", f"/v1/responses/{response_id}")]
    assert _looks(second, response_id) == []


def test_a_response_id_never_recorded_is_looked_for_on_the_default_upstream(sdk, second, fake_upstream):
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve("resp_made_before_feedgate")

    assert _looks(fake_upstream, "resp_made_before_feedgate") == [("GET", "/v1/responses/resp_made_before_feedgate")]
    assert _looks(second, "resp_made_before_feedgate") == []


def test_another_apps_response_is_not_looked_for_where_that_app_made_it(sdk, gateway, second, fake_upstream):
    _, response_id = _create(sdk)
    gateway.flush()
    other = openai.OpenAI(base_url=gateway.url, api_key="sk-other-app", max_retries=0)

    with pytest.raises(openai.NotFoundError):
        other.responses.retrieve(response_id)

    assert _looks(second, response_id) == []
    assert _looks(fake_upstream, response_id) == [("GET", f"/v1/responses/{response_id}")]
