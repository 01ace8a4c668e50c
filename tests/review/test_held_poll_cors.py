"""A browser page can poll its held answer at `GET /v1/reviews/{task_id}`, as it made the call that was held.

The poll is authorised by the app's key, as the held call was; no cookie is read. So, as the gateway's other own
answers on /v1 (gateway.proxy.own_cors), every answer lets the page that sent it (its Origin) read it, and the
browser's preflight, which never carries a key, is answered without one. The poll had no CORS headers and its
preflight no answer a browser takes: the page got only "Failed to fetch", and never its held answer.
"""

from __future__ import annotations

import pytest
from review_seed import hold_answer

ORIGIN = "https://app.example"
KEY = "sk-held-cors"
FROM_THE_PAGE = {"origin": ORIGIN, "authorization": f"Bearer {KEY}"}
HELD = b'{"id":"chatcmpl-held","object":"chat.completion","choices":[]}'
# What the OpenAI JavaScript SDK's GET asks its preflight for (its x-stainless-* headers, its key).
SDK_PREFLIGHT = {
    "origin": ORIGIN,
    "access-control-request-method": "GET",
    "access-control-request-headers": "authorization,x-stainless-lang,x-stainless-os,x-stainless-retry-count",
}


def readable_by(response) -> tuple[int, str | None, set[str]]:
    """The answer's status, the origin it lets read it, and the header names it lets that origin read."""
    exposed = response.headers.get("access-control-expose-headers", "")
    names = {name.strip() for name in exposed.split(",") if name.strip()}
    return response.status_code, response.headers.get("access-control-allow-origin"), names


async def test_a_page_may_read_its_pending_poll_and_its_outcome(gateway, client):
    task_id = await hold_answer(gateway, FROM_THE_PAGE["authorization"], HELD)

    response = await client.get(f"/v1/reviews/{task_id}", headers=FROM_THE_PAGE)

    status, origin, exposed = readable_by(response)
    assert (status, origin) == (202, ORIGIN)
    assert {"x-feedgate-review-outcome", "x-request-id"} <= exposed
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/reviews/no-such-task", FROM_THE_PAGE, 404),
        ("/v1/reviews/no-such-task", {"origin": ORIGIN}, 401),
        ("/v1/reviews/", FROM_THE_PAGE, 404),
    ],
    ids=["unknown task", "no key", "no task named"],
)
async def test_a_page_may_read_why_its_poll_was_refused(client, path, headers, status):
    response = await client.get(path, headers=headers)

    assert readable_by(response)[:2] == (status, ORIGIN)


async def test_the_preflight_is_answered_without_a_key(client):
    response = await client.options("/v1/reviews/any-task", headers=SDK_PREFLIGHT)

    assert (response.status_code, response.headers.get("access-control-allow-origin")) == (204, ORIGIN)
    assert "GET" in response.headers["access-control-allow-methods"]
    allowed = {name.strip() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "x-stainless-lang", "x-stainless-os", "x-stainless-retry-count"} <= allowed


async def test_an_options_request_without_an_origin_is_told_the_methods_alone(client):
    response = await client.options("/v1/reviews/any-task")

    assert response.status_code == 204
    assert "GET" in response.headers["allow"]
    assert [name for name in response.headers if name.startswith("access-control-")] == []


async def test_a_poll_without_an_origin_carries_no_cors_headers(gateway, client):
    task_id = await hold_answer(gateway, FROM_THE_PAGE["authorization"], HELD)

    response = await client.get(f"/v1/reviews/{task_id}", headers={"authorization": f"Bearer {KEY}"})

    assert response.status_code == 202
    assert [name for name in response.headers if name.startswith("access-control-")] == []


async def test_a_poll_from_the_null_origin_lets_no_page_read_it(gateway, client):
    task_id = await hold_answer(gateway, FROM_THE_PAGE["authorization"], HELD)

    response = await client.get(f"/v1/reviews/{task_id}", headers={**FROM_THE_PAGE, "origin": "null"})

    assert readable_by(response)[:2] == (202, None)
    assert response.headers["vary"] == "Origin"
