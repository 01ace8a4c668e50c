"""A handler that fails answers 500 and leaves a log line with its traceback; a 4xx leaves none."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    """One store is enough: this is about the HTTP layer."""
    from gateway.store.migrate import upgrade_database

    url = f"sqlite+aiosqlite:///{tmp_path / 'feedgate.db'}"
    upgrade_database(url)
    return url


async def test_a_failing_handler_is_logged_with_its_traceback(client, admin_headers, gateway, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("the stats store fell over")

    monkeypatch.setattr(gateway.services.stats_service, "report", broken)

    with caplog.at_level(logging.ERROR, logger="feedgate.http"):
        response = await client.get("/api/stats", headers=admin_headers)

    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "feedgate.http"]
    assert "GET /api/stats" in record.getMessage()
    assert record.exc_info is not None and "fell over" in str(record.exc_info[1])


async def test_a_refused_request_is_not_logged_as_an_error(client, caplog):
    with caplog.at_level(logging.ERROR, logger="feedgate.http"):
        response = await client.get("/api/stats")

    assert response.status_code == 401
    assert [r for r in caplog.records if r.name == "feedgate.http"] == []


async def test_a_domain_error_answered_as_a_client_error_is_not_logged(client, admin_headers, caplog):
    # IssueNotFound and InvalidQuery reach the route's exception handlers (404, 400), not a 500.
    with caplog.at_level(logging.ERROR, logger="feedgate.http"):
        missing = await client.get("/api/issues/no-such-issue/effect", headers=admin_headers)
        empty_patch = await client.patch("/api/issues/no-such-issue", headers=admin_headers, json={})

    assert missing.status_code == 404
    assert empty_patch.status_code in (400, 404)
    assert [r for r in caplog.records if r.name == "feedgate.http"] == []


async def test_a_client_gone_before_its_body_was_read_is_not_logged_as_an_error(gateway, admin_headers, caplog):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/kb",
        "raw_path": b"/api/kb",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"40")]
        + [(name.lower().encode(), value.encode()) for name, value in admin_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("gw.test", 80),
    }

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    with caplog.at_level(logging.INFO, logger="feedgate.http"):
        await gateway(scope, receive, send)

    records = [r for r in caplog.records if r.name == "feedgate.http"]
    assert [(r.levelno, r.exc_info) for r in records] == [(logging.INFO, None)]
    assert records[0].getMessage() == "client disconnected before POST /api/kb was read"
