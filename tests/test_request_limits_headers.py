"""The 431 and 408 the server writes itself carry nosniff as every other answer does (a real socket)."""

from __future__ import annotations

import pytest
from test_request_limits import exchange, statuses

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_431_is_marked_nosniff(start_gateway, settings):
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, b"GET /api/issues HTTP/1.1\r\nhost: g\r\nx-big: " + b"a" * 5_000_000 + b"\r\n\r\n")
    head = answer.partition(b"\r\n\r\n")[0].lower()

    assert statuses(answer) == [431]
    assert b"\r\nx-content-type-options: nosniff" in head
    assert b"\r\ncross-origin-resource-policy: same-origin" in head
