"""`GET /v1/reviews/{task_id}` answers carry an `x-request-id`, a fresh one each, as the gateway's other own answers.

The SDKs read that header as the answer's (or the error's) `request_id`; the held 202 had one, the
poll it tells the app to make had none, its refusals neither.
"""

from __future__ import annotations

import orjson
import pytest
from review_seed import hold_answer

KEY = "sk-held-request-id"
AUTH = {"authorization": f"Bearer {KEY}"}
HELD = orjson.dumps(
    {
        "id": "chatcmpl-held",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fees are 5%."}, "finish_reason": "stop"}],
    }
)


async def _hold(gateway) -> str:
    """A task holding HELD for the app calling with KEY; its id."""
    return await hold_answer(gateway, AUTH["authorization"], HELD)


async def test_a_pending_poll_carries_a_request_id(gateway, client):
    task_id = await _hold(gateway)

    response = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert response.status_code == 202
    assert response.headers["x-request-id"].startswith("req_")


async def test_each_poll_gets_a_request_id_of_its_own(gateway, client):
    task_id = await _hold(gateway)

    first = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)
    second = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_rejected_answers_poll_carries_a_request_id(gateway, client, admin_headers):
    task_id = await _hold(gateway)
    decision = {"reviewer": "alice", "outcome": "reject", "comment": "wrong fee"}
    decided = await client.post(f"/api/reviews/{task_id}/decision", json=decision, headers=admin_headers)
    assert decided.status_code == 200, decided.text

    response = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert response.status_code == 422
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(("headers", "status"), [(AUTH, 404), ({}, 401)], ids=["unknown task", "no key"])
async def test_a_refused_poll_carries_a_request_id(client, headers, status):
    response = await client.get("/v1/reviews/no-such-task", headers=headers)

    assert response.status_code == status
    assert response.headers["x-request-id"].startswith("req_")
