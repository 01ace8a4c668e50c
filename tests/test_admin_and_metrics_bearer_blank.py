"""The admin API and the metrics scrape read an `Authorization: Bearer` of blank characters only (gateway/domain/
blank_text.py) as no token, by the one function every bearer credential is read with (gateway.proxy.credentials
.given_bearer), as `/v1/feedback` and held-answer polls do (both databases).

The admin API took a bearer of zero-width spaces for a token: "wrong admin token", counted against the address's
allowance of wrong ones, where a request with none is told how to send it and counts nothing.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app

BLANKS = pytest.mark.parametrize(
    "blank", ["\u200b", "\u200b\u2060", "\ufeff \u3000", "\u2005"], ids=["zero-width", "joiners", "mixed", "em-space"]
)


@asynccontextmanager
async def started(settings, **changes):
    app = create_app(settings.model_copy(update=changes), environ={})
    async with (
        LifespanManager(app, startup_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


def headers_of(authorization: bytes | None) -> dict[str, bytes]:
    return {} if authorization is None else {"authorization": authorization}


async def refusal(http, path: str, authorization: bytes | None) -> tuple[int, str]:
    """The status and body of a GET of `path` sent with `authorization` as the header's bytes (None: no header)."""
    response = await http.get(path, headers=headers_of(authorization))
    return response.status_code, response.text


@BLANKS
async def test_the_admin_api_answers_a_blank_bearer_as_no_token(settings, blank):
    async with started(settings) as http:
        missing = await refusal(http, "/api/interactions", None)

        assert await refusal(http, "/api/interactions", b"Bearer " + blank.encode()) == missing
    assert missing[0] == 401 and "send the admin token" in missing[1]


async def test_a_blank_bearer_is_not_counted_as_a_wrong_admin_token(settings, admin_headers):
    async with started(settings, admin_token_failures_per_minute=1) as http:
        blank = await http.get("/api/interactions", headers={"authorization": "Bearer \u200b".encode()})
        right = await http.get("/api/interactions", headers=admin_headers)

    assert (blank.status_code, right.status_code) == (401, 200)


@BLANKS
async def test_the_metrics_scrape_answers_a_blank_bearer_as_no_token(settings, blank):
    async with started(settings, metrics_token="scrape-me-now-please") as http:
        missing = await refusal(http, "/metrics", None)

        assert await refusal(http, "/metrics", b"Bearer " + blank.encode()) == missing
    assert missing[0] == 401 and "invalid_metrics_token" in missing[1]
