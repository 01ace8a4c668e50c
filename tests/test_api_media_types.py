"""The admin API's JSON bodies: one sent as a form or as plain text is a 415 saying to send application/json."""

from __future__ import annotations

import pytest

from gateway.app import FeedgateApp

MISSING = "00000000-0000-0000-0000-000000000000"


def body_handlers(app: FeedgateApp) -> list[tuple[str, str]]:
    """(method, path) of every admin API route that reads a JSON body."""
    found = []
    for route in app.api.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            if "data" in handler.parsed_fn_signature.parameters:
                path = "/".join(MISSING if part.startswith("{") else part for part in route.path.split("/"))
                found.extend((method, path) for method in handler.http_methods - {"OPTIONS"})
    return found


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/x-www-form-urlencoded", b"app=bank&title=x"), ("text/plain", b'{"app": "bank"}')],
)
async def test_every_endpoint_taking_json_refuses_another_media_type_with_a_415(
    gateway, client, admin_headers, content_type, body
):
    # It was a 400 about malformed JSON (a form) or a missing field (JSON sent as text/plain): the fix is the header.
    checked = 0
    for method, path in body_handlers(gateway):
        headers = {**admin_headers, "content-type": content_type}
        response = await client.request(method, path, content=body, headers=headers)

        assert response.status_code == 415, f"{method} {path}: {response.text}"
        said = f"the request body must be JSON: send it with 'Content-Type: application/json', not {content_type!r}"
        assert response.json()["detail"] == said, f"{method} {path}"
        assert response.json()["extra"] == [{"key": "content-type", "message": said, "source": "header"}]
        checked += 1
    assert checked >= 10


async def test_json_with_a_charset_is_taken(client, admin_headers):
    body = b'{"app": "bank", "title": "Fees", "content": "The fee is 1%"}'
    headers = {**admin_headers, "content-type": "application/json; charset=utf-8"}

    response = await client.post("/api/kb", content=body, headers=headers)

    assert response.status_code == 201, response.text


async def test_a_json_body_without_a_content_type_is_taken(client, admin_headers):
    body = b'{"app": "bank", "title": "Fees", "content": "The fee is 1%"}'

    response = await client.post("/api/kb", content=body, headers=admin_headers)

    assert response.status_code == 201, response.text


async def test_a_json_body_needs_the_admin_token_before_its_media_type_is_judged(client):
    response = await client.post("/api/kb", content=b"app=bank", headers={"content-type": "text/plain"})

    assert response.status_code == 401
