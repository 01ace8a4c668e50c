"""A held answer as an operator runs it: restarts, several gateway processes, retries, a queue that is down.

The real openai SDK against gateways on real sockets sharing one database, on each kind of database.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion
from test_confidence_gate_e2e import LOW, decide, gated, hold, sdk, tasks

__all__ = ["gated"]  # the fixture, shared with the end-to-end tests


def poll(gateway: Any, task_id: str) -> httpx.Response:
    return sdk(gateway).get(f"/reviews/{task_id}", cast_to=httpx.Response)


def test_a_hold_survives_a_restart_and_is_approved_through_the_new_process(gated):
    first = gated("hold")
    _, pending, _ = hold(sdk(first), LOW)
    first.stop()

    again = gated("hold")
    assert poll(again, pending["task_id"]).status_code == 202
    decide(again, pending["task_id"], "approve")

    approved = sdk(again).get(f"/reviews/{pending['task_id']}", cast_to=ChatCompletion)
    assert approved.choices[0].message.content.startswith("Echo:")


def test_two_gateway_processes_on_one_database_answer_a_hold_alike(gated):
    held_by, other = gated("hold"), gated("hold")
    _, pending, _ = hold(sdk(held_by), LOW)
    task_id = pending["task_id"]

    assert poll(other, task_id).status_code == 202
    decide(other, task_id, "reject", comment="wrong fee")

    for gateway in (held_by, other):
        with pytest.raises(openai.UnprocessableEntityError) as refused:
            sdk(gateway).get(f"/reviews/{task_id}", cast_to=ChatCompletion)
        assert refused.value.code == "answer_rejected"


def test_the_sdks_own_retries_do_not_hold_a_202_twice(gated, fake_upstream):
    gateway = gated("hold")
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-gated", max_retries=2)

    status, pending, _ = hold(client, LOW)

    assert status == 202
    assert len(fake_upstream.app.requests) == 1
    assert [task["id"] for task in tasks(gateway)] == [pending["task_id"]]


def test_a_poll_with_a_wrong_key_or_for_an_unknown_task_leaks_nothing(gated):
    gateway = gated("hold")
    _, pending, _ = hold(sdk(gateway), LOW)
    task_id = pending["task_id"]
    decide(gateway, task_id, "approve")

    foreign = httpx.get(f"{gateway.url}/reviews/{task_id}", headers={"authorization": "Bearer sk-other"})
    unknown = httpx.get(f"{gateway.url}/reviews/no-such-task", headers={"authorization": "Bearer sk-gated"})
    malformed = httpx.get(f"{gateway.url}/reviews/{task_id}", headers={"authorization": "sk-gated"})

    assert foreign.status_code == unknown.status_code == 404
    # The same error for a task of another app as for none at all: the id alone says nothing.
    assert foreign.json()["error"]["code"] == unknown.json()["error"]["code"] == "review_not_found"
    assert malformed.status_code == 401
    for response in (foreign, unknown, malformed):
        assert "Echo:" not in response.text and "x-feedgate-review-outcome" not in response.headers


async def _queue_down(**_: Any) -> None:
    raise ConnectionError("database unreachable")


def test_a_hold_the_queue_cannot_take_reaches_the_sdk_as_a_retried_503_and_never_the_answer(gated, fake_upstream):
    gateway = gated("hold")
    gateway.app.services.reviews.open_or_update = _queue_down  # the review store is away
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-gated", max_retries=1)

    with pytest.raises(openai.InternalServerError) as refused:
        client.chat.completions.create(model="gpt-4o-mini", messages=LOW)

    assert refused.value.status_code == 503 and refused.value.code == "review_unavailable"
    assert refused.value.response.headers["retry-after"] == "5"
    assert "Echo:" not in refused.value.response.text
    assert len(fake_upstream.app.requests) == 2  # the SDK tried once more, as it does on a 503


def test_under_the_release_fallback_a_hold_the_queue_cannot_take_goes_out(gated):
    gateway = gated("hold", review_hold_fallback="release")
    gateway.app.services.reviews.open_or_update = _queue_down

    status, answer, _ = hold(sdk(gateway), LOW)

    assert status == 200 and answer["choices"][0]["message"]["content"].startswith("Echo:")
