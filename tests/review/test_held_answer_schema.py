"""`GET /v1/reviews/{task_id}` in the OpenAPI schema: each answer an app can get is typed, and the real ones fit.

It was documented as a 200 holding a string. An app polling a held answer gets 202 while it waits (the
pending body), 200 with the chat completion (approved, corrected, or released by the fallback), and
OpenAI-shaped errors: 422 (rejected, refused by the fallback), 404, 401, 410.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema_rs
import orjson
import pytest
from review_seed import hold_answer

KEY = "sk-held-schema"
AUTH = {"authorization": f"Bearer {KEY}"}
PATH = "/v1/reviews/{task_id}"
HELD = orjson.dumps(
    {
        "id": "chatcmpl-held",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Fees are 5%."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }
)


async def _schema(client) -> dict[str, Any]:
    return (await client.get("/schema/openapi.json")).json()


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = schema["components"][section][name]
    return node


def _answer_schema(schema: dict[str, Any], status: int) -> dict[str, Any]:
    answer = _resolved(schema, schema["paths"][PATH]["get"]["responses"][str(status)])
    return answer["content"]["application/json"]["schema"]


async def test_every_answer_of_the_poll_names_its_fields(client):
    schema = await _schema(client)

    answers = schema["paths"][PATH]["get"]["responses"]

    assert {"200", "202", "401", "404", "410", "422"} <= set(answers)
    for status in answers:
        body = _resolved(schema, _answer_schema(schema, int(status)))
        assert body.get("properties"), f"{status}: {body}"


async def test_the_pending_body_requires_each_key_it_sends(client):
    schema = await _schema(client)

    pending = _resolved(schema, _answer_schema(schema, 202))

    keys = {"status", "task_id", "estimated_wait_minutes", "interaction_id"}
    assert set(pending["properties"]) == set(pending["required"]) == keys


async def test_the_errors_are_in_openais_shape_naming_their_codes(client):
    schema = await _schema(client)

    rejected = schema["paths"][PATH]["get"]["responses"]["422"]

    assert _resolved(schema, _answer_schema(schema, 422))["required"] == ["error"]
    assert "answer_rejected: " in rejected["description"]
    assert "review_timed_out: " in rejected["description"]


# -- the real answers fit -----------------------------------------------------------------


def _closed(node: Any, open_names: set[str]) -> Any:
    """`node` with every object schema naming its properties refusing other keys (but the components in
    `open_names`, whose bodies an upstream wrote)."""
    if isinstance(node, dict):
        closed = {key: _closed(value, open_names) for key, value in node.items()}
        if "properties" in closed and "additionalProperties" not in closed and closed.get("title") not in open_names:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value, open_names) for value in node]
    return node


def _check(schema: dict[str, Any], status: int, body: Any) -> list[str]:
    components = copy.deepcopy(schema["components"])
    # What the upstream wrote (a chat completion) may hold more than the schema names; the gateway's own bodies not.
    upstream = {name for name in components["schemas"] if name.startswith("HeldChat")}
    for name in components["schemas"]:
        if name not in upstream:
            components["schemas"][name] = _closed(components["schemas"][name], set())
    validator = jsonschema_rs.Draft202012Validator({**_answer_schema(schema, status), "components": components})
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]


async def _hold(gateway, hold_until: datetime, fallback: str | None = None) -> str:
    """A task holding HELD for the app calling with KEY, as the confidence gate opens one; its id."""
    return await hold_answer(gateway, AUTH["authorization"], HELD, hold_until, fallback)


async def _decide(client, admin_headers, task_id: str, **decision: str) -> None:
    response = await client.post(
        f"/api/reviews/{task_id}/decision", json={"reviewer": "alice", **decision}, headers=admin_headers
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        ({}, 202),
        ({"outcome": "approve"}, 200),
        ({"outcome": "correct", "correction": "Fees are 2%."}, 200),
        ({"outcome": "reject", "comment": "wrong fee"}, 422),
    ],
    ids=["pending", "approved", "corrected", "rejected"],
)
async def test_each_answer_while_and_after_review_fits_the_schema(gateway, client, admin_headers, decision, status):
    task_id = await _hold(gateway, datetime.now(UTC) + timedelta(minutes=30))
    if decision:
        await _decide(client, admin_headers, task_id, **decision)

    response = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert response.status_code == status, response.text
    assert _check(await _schema(client), status, response.json()) == []


@pytest.mark.parametrize(("fallback", "status"), [("release", 200), ("refuse", 422)])
async def test_the_fallback_after_the_hold_fits_the_schema(gateway, client, fallback, status):
    task_id = await _hold(gateway, datetime.now(UTC) - timedelta(seconds=1), fallback)

    response = await client.get(f"/v1/reviews/{task_id}", headers=AUTH)

    assert response.status_code == status, response.text
    assert _check(await _schema(client), status, response.json()) == []


@pytest.mark.parametrize(("headers", "status"), [(AUTH, 404), ({}, 401)], ids=["unknown task", "no key"])
async def test_the_refusals_fit_the_schema(client, headers, status):
    response = await client.get("/v1/reviews/no-such-task", headers=headers)

    assert response.status_code == status, response.text
    assert _check(await _schema(client), status, response.json()) == []
