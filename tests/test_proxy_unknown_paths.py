"""Addresses outside /v1 that an OpenAI client reaches: a 404 in OpenAI's error shape, saying what to fix.

The SDKs read `error.message`; the framework's `{"status_code": 404, "detail": "Not Found"}` gave them
nothing to show. The admin pages and the admin API keep their own 404s.
"""

from __future__ import annotations

import pytest

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("path", "used"),
    [("/V1/chat/completions", "/V1"), ("/v2/chat/completions", "/v2"), ("/v1beta/models", "/v1beta"), ("/V1", "/V1")],
)
async def test_another_version_or_case_of_v1_is_told_the_base_url_ends_in_v1(client, path, used):
    response = await client.post(path, json=CHAT)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "base_url_without_v1"
    assert error["message"] == (
        f"Invalid URL (POST {path}): Feedgate serves the OpenAI API under /v1, not {used}. "
        "Set your client's base URL to the address you reach Feedgate at, followed by /v1"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/foo"), ("POST", "/openai"), ("POST", "/v1chat/completions"), ("PUT", "/deployments/x/completions")],
)
async def test_an_unknown_address_gets_an_openai_shaped_404_naming_v1(client, method, path):
    response = await client.request(method, path, json=CHAT)

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": f"Invalid URL ({method} {path}): Feedgate serves the OpenAI API under /v1, such as "
            "/v1/chat/completions. Set your client's base URL to the address you reach Feedgate at, followed by /v1",
            "type": "not_found_error",
            "param": None,
            "code": "unknown_url",
        }
    }


async def test_an_unknown_admin_api_address_keeps_the_admin_apis_404(client, admin_headers):
    response = await client.get("/api/no-such-thing", headers=admin_headers)

    assert response.status_code == 404
    assert response.json() == {"status_code": 404, "detail": "Not Found"}


async def test_an_interaction_the_admin_api_does_not_have_keeps_its_documented_404(client, admin_headers):
    response = await client.get("/api/interactions/no-such-id", headers=admin_headers)

    assert response.status_code == 404
    assert "error" not in response.json()
    assert response.json()["status_code"] == 404


async def test_an_unknown_admin_page_keeps_its_html_404(client):
    response = await client.get("/admin/no-such-page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


async def test_a_missing_static_file_keeps_its_404(client):
    response = await client.get("/static/no-such-file.js")

    assert response.status_code == 404
    assert "error" not in response.json()
