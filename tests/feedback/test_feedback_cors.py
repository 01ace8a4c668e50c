"""CORS: configured browser origins may post feedback cross-origin, and only to /v1/feedback."""

from __future__ import annotations

import logging

import pytest

ORIGIN = "https://shop.example"


@pytest.fixture
async def http(gateway_with):
    async with gateway_with(cors_origins=[ORIGIN]) as (_, client):
        yield client


PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type, x-feedgate-feedback-token",
}


async def test_the_preflight_allows_a_configured_origin_to_post_with_a_token(http):
    response = await http.options("/v1/feedback", headers={"origin": ORIGIN, **PREFLIGHT})

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "x-feedgate-feedback-token" in response.headers["access-control-allow-headers"]
    assert "content-type" in response.headers["access-control-allow-headers"]


async def test_the_preflight_allows_the_headers_a_pages_tracing_adds(http):
    asked = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,traceparent,sentry-trace",
    }
    response = await http.options("/v1/feedback", headers={"origin": ORIGIN, **asked})

    allowed = {name.strip() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "traceparent", "sentry-trace", "x-feedgate-feedback-token"} <= allowed


async def test_the_preflight_does_not_allow_other_origins(http):
    response = await http.options("/v1/feedback", headers={"origin": "https://evil.example", **PREFLIGHT})

    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-methods" not in response.headers


async def test_answers_to_a_configured_origin_carry_the_allow_origin_header(http):
    response = await http.post("/v1/feedback", json={"thumbs": "up"}, headers={"origin": ORIGIN})

    # Errors too: the browser script can only show the message if it may read it.
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_a_body_too_large_is_a_413_in_openai_s_shape_that_the_widget_may_read(http):
    body = b'{"thumbs": "up", "comment": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = await http.post(
        "/v1/feedback", content=body, headers={"origin": ORIGIN, "content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert "at most 1048576 bytes" in response.json()["error"]["message"]
    assert response.headers["access-control-allow-origin"] == ORIGIN


def exposed(response) -> set[str]:
    """The header names a page of another origin may read from `response` (Access-Control-Expose-Headers)."""
    return {name.strip().lower() for name in response.headers.get("access-control-expose-headers", "").split(",")}


async def test_a_configured_origin_may_read_the_request_id_of_the_answer(http):
    # The id a developer quotes about a failed post: without it exposed, a page's fetch read it as null.
    response = await http.post("/v1/feedback", json={"thumbs": "up"}, headers={"origin": ORIGIN})

    assert response.headers["x-request-id"].startswith("req_")
    assert "x-request-id" in exposed(response)


async def test_an_answer_to_another_origin_exposes_nothing(http):
    response = await http.post("/v1/feedback", json={"thumbs": "up"}, headers={"origin": "https://evil.example"})

    assert "access-control-expose-headers" not in response.headers


# Answers the framework gives before (or instead of) the feedback handler: a wrong method, a URL holding a NUL.
FRAMEWORK_ERRORS = [("GET", "/v1/feedback", 405), ("DELETE", "/v1/feedback/", 405), ("POST", "/v1/feedback?x=%00", 400)]


@pytest.mark.parametrize(("method", "path", "status"), FRAMEWORK_ERRORS)
async def test_the_frameworks_errors_carry_the_cors_headers_the_handlers_answers_do(http, method, path, status):
    response = await http.request(method, path, headers={"origin": ORIGIN})

    # Without them the page sees an opaque CORS failure instead of the error's message.
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(("method", "path", "status"), FRAMEWORK_ERRORS)
async def test_the_frameworks_errors_let_no_other_origin_read_them(http, method, path, status):
    response = await http.request(method, path, headers={"origin": "https://evil.example"})

    assert response.status_code == status
    assert "access-control-allow-origin" not in response.headers


async def test_answers_to_other_origins_carry_no_allow_origin_header(http):
    response = await http.post("/v1/feedback", json={"thumbs": "up"}, headers={"origin": "https://evil.example"})

    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("method", "path"), [("OPTIONS", "/api/interactions"), ("GET", "/api/stats"), ("GET", "/static/feedgate.js")]
)
async def test_no_other_route_answers_cross_origin(http, method, path):
    response = await http.request(method, path, headers={"origin": ORIGIN, **PREFLIGHT})

    assert "access-control-allow-origin" not in response.headers


async def test_the_preflight_is_not_forwarded_upstream(http, fake_upstream):
    await http.options("/v1/feedback", headers={"origin": ORIGIN, **PREFLIGHT})

    assert fake_upstream.app.requests == []


async def test_a_preflight_from_an_unlisted_origin_is_logged_once_naming_the_setting(http, caplog):
    unlisted = {"origin": "https://staging.shop.example", **PREFLIGHT}

    with caplog.at_level(logging.WARNING, logger="feedgate.feedback"):
        await http.options("/v1/feedback", headers=unlisted)
        await http.options("/v1/feedback", headers=unlisted)
        await http.options("/v1/feedback", headers={"origin": ORIGIN, **PREFLIGHT})

    [warning] = [record.getMessage() for record in caplog.records if record.name == "feedgate.feedback"]
    assert "https://staging.shop.example" in warning
    assert "FEEDGATE_CORS_ORIGINS does not list that origin" in warning


async def test_any_origin_allowed_still_leaves_out_the_null_origin(gateway_with):
    # `*` allows every page's origin; `Origin: null` is every sandboxed iframe's and file:// page's at once.
    async with gateway_with(cors_origins=["*"]) as (_, client):
        page = await client.options("/v1/feedback", headers={"origin": ORIGIN, **PREFLIGHT})
        null = await client.options("/v1/feedback", headers={"origin": "null", **PREFLIGHT})

    assert page.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in null.headers


def feedback_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "feedgate.feedback"]


async def test_a_preflight_from_the_null_origin_is_logged_once_saying_why_no_setting_allows_it(http, caplog):
    # It said "FEEDGATE_CORS_ORIGINS does not list that origin": a developer added `null`, and the gateway refused
    # to start (no setting may list it, by design).
    with caplog.at_level(logging.WARNING, logger="feedgate.feedback"):
        await http.options("/v1/feedback", headers={"origin": "null", **PREFLIGHT})
        await http.options("/v1/feedback", headers={"origin": "null", **PREFLIGHT})

    [warning] = feedback_warnings(caplog)
    assert "Origin 'null'" in warning
    assert "sandboxed iframe" in warning
    assert "no FEEDGATE_CORS_ORIGINS can list it" in warning
    assert "does not list that origin" not in warning


async def test_the_null_origin_is_logged_as_such_when_any_origin_is_allowed(gateway_with, caplog):
    async with gateway_with(cors_origins=["*"]) as (_, client):
        with caplog.at_level(logging.WARNING, logger="feedgate.feedback"):
            await client.options("/v1/feedback", headers={"origin": "null", **PREFLIGHT})

    [warning] = feedback_warnings(caplog)
    assert "no FEEDGATE_CORS_ORIGINS can list it" in warning
