"""HEAD wherever GET is taken (the API, the admin pages, health and metrics): GET's status and headers, no body."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/admin/sign-in"])
async def test_a_head_request_answers_as_get_does_without_the_body(client: httpx.AsyncClient, path: str):
    got = await client.get(path)

    head = await client.head(path)

    assert (head.status_code, head.headers["content-type"]) == (got.status_code, got.headers["content-type"])
    assert got.content and head.content == b""


async def test_a_head_request_to_the_api_needs_the_admin_token_as_get_does(client, admin_headers):
    refused = await client.head("/api/issues")
    listed = await client.head("/api/issues", headers=admin_headers)

    assert (refused.status_code, refused.content) == (401, b"")
    assert (listed.status_code, listed.content) == (200, b"")


async def test_a_head_request_to_a_path_that_takes_no_get_names_the_methods_it_takes(client):
    head = await client.head("/v1/feedback")

    assert head.status_code == 405 and head.content == b""
    assert set(head.headers["allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}


@pytest.mark.parametrize(
    ("method", "path", "takes"),
    [
        ("POST", "/healthz", "GET, HEAD, OPTIONS"),
        ("DELETE", "/v1/reviews/some-task", "GET, HEAD, OPTIONS"),
        ("DELETE", "/api/kb", "GET, HEAD, OPTIONS, POST"),
    ],
)
async def test_a_405_names_head_among_the_methods_wherever_get_is_taken(client, admin_headers, method, path, takes):
    # HEAD is answered wherever GET is, yet the 405's Allow header and message left it out ("it takes GET, OPTIONS").
    response = await client.request(method, path, headers=admin_headers)

    assert response.status_code == 405
    assert response.headers["allow"] == takes
    assert f"it takes {takes}" in response.text


async def test_an_admin_pages_405_names_head_beside_get(client):
    response = await client.delete("/admin/sign-in")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
