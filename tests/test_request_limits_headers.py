"""The 431 and 408 the server writes itself carry nosniff as every other answer does (a real socket)."""

from __future__ import annotations

import json

import pytest
from test_request_limits import exchange, statuses

from gateway.request_limits import MAX_REQUEST_HEAD_BYTES

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_431_is_marked_nosniff(start_gateway, settings):
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, b"GET /api/issues HTTP/1.1\r\nhost: g\r\nx-big: " + b"a" * 5_000_000 + b"\r\n\r\n")
    head = answer.partition(b"\r\n\r\n")[0].lower()

    assert statuses(answer) == [431]
    assert b"\r\nx-content-type-options: nosniff" in head
    assert b"\r\ncross-origin-resource-policy: same-origin" in head


@pytest.mark.parametrize(
    "head",
    [
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: g\r\nauthorization: Bearer sk-app-one\r\n"
        b"content-type: application/json\r\ncontent-length: 2\r\n",
        b"GET /api/issues HTTP/1.1\r\nhost: g\r\n",
    ],
    ids=["v1", "api"],
)
def test_a_100_kb_header_written_at_once_gets_a_431_not_the_apps_401(start_gateway, settings, head: bytes):
    # Arriving whole in one read, the head was never counted (only reads spent on an unfinished head were):
    # the app saw it, and answered 401 for the key it did not find among 100 KB of header.
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, head + b"connection: close\r\nx-big: " + b"a" * 100_000 + b"\r\n\r\n{}")

    assert statuses(answer) == [431]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"]["code"] == "request_header_fields_too_large"
    assert f"longer than {MAX_REQUEST_HEAD_BYTES} bytes" in body["error"]["message"]


def test_a_431_carries_a_request_id(start_gateway, settings):
    # The SDKs read it as the error's request_id, as on every other answer the gateway makes.
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, b"GET /v1/models HTTP/1.1\r\nhost: g\r\nx-big: " + b"a" * 5_000_000 + b"\r\n\r\n")
    head = answer.partition(b"\r\n\r\n")[0].lower()

    assert statuses(answer) == [431]
    assert b"\r\nx-request-id: req_" in head
