"""The server's own 408 and 431 on the feedback path carry CORS headers, as every other answer there does.

Without them a page posting feedback from a configured origin saw only "Failed to fetch".
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.test_request_limits import exchange, read_until_closed, statuses

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ORIGIN = "https://shop.example"
FEEDBACK = json.dumps({"interaction_id": "i-1", "thumbs": "up"}).encode()
BIG = b"x-big: " + b"a" * 200_000 + b"\r\n"


@pytest.fixture
def cors_settings(settings):
    return settings.model_copy(
        update={"cors_origins": [ORIGIN], "request_head_timeout": 0.5, "request_body_min_rate": 200.0}
    )


def feedback_head(*lines: bytes, path: bytes = b"/v1/feedback") -> bytes:
    return (
        b"POST " + path + b" HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(FEEDBACK)).encode() + b"\r\n" + b"".join(lines)
    )


def head_of(answer: bytes) -> dict[str, str]:
    lines = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}


def test_a_431_on_the_feedback_path_lets_the_configured_origin_read_it(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)

    answer = exchange(gateway.port, feedback_head(b"origin: " + ORIGIN.encode() + b"\r\n", BIG, b"\r\n") + FEEDBACK)

    assert statuses(answer) == [431]
    assert head_of(answer)["access-control-allow-origin"] == ORIGIN


def test_a_431_on_the_feedback_path_lets_the_configured_origin_read_its_request_id(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)

    answer = exchange(gateway.port, feedback_head(b"origin: " + ORIGIN.encode() + b"\r\n", BIG, b"\r\n") + FEEDBACK)

    head = head_of(answer)
    assert head["x-request-id"].startswith("req_")
    assert "x-request-id" in {name.strip() for name in head["access-control-expose-headers"].split(",")}


def test_a_431_whose_oversized_header_came_before_the_origin_is_readable_by_the_page(start_gateway, cors_settings):
    # Chromium sends a page's own headers (a tracing library's grown `baggage`) before Origin.
    gateway = start_gateway(cors_settings)

    answer = exchange(gateway.port, feedback_head(BIG, b"origin: " + ORIGIN.encode() + b"\r\n\r\n") + FEEDBACK)

    assert statuses(answer) == [431]
    assert head_of(answer)["access-control-allow-origin"] == "*"


def test_a_431_for_an_origin_not_configured_does_not_allow_it(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)

    answer = exchange(gateway.port, feedback_head(b"origin: https://evil.example\r\n", BIG, b"\r\n") + FEEDBACK)

    assert statuses(answer) == [431]
    assert "access-control-allow-origin" not in head_of(answer)


def test_a_431_on_the_proxy_path_carries_no_cors_headers(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)
    head = feedback_head(b"origin: " + ORIGIN.encode() + b"\r\n", BIG, b"\r\n", path=b"/v1/chat/completions")

    answer = exchange(gateway.port, head + FEEDBACK)

    assert statuses(answer) == [431]
    assert "access-control-allow-origin" not in head_of(answer)


def test_a_slow_feedback_body_gets_a_408_the_configured_origin_may_read(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)
    body = FEEDBACK + b" " * 500

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        head = feedback_head(b"origin: " + ORIGIN.encode() + b"\r\n\r\n").replace(
            str(len(FEEDBACK)).encode(), str(len(body)).encode()
        )
        connection.sendall(head)
        received, _ = read_until_closed(connection, [body[start : start + 5] for start in range(0, len(body), 5)])

    assert statuses(received) == [408]
    assert head_of(received)["access-control-allow-origin"] == ORIGIN


def test_a_feedback_head_timing_out_gets_a_408_the_configured_origin_may_read(start_gateway, cors_settings):
    gateway = start_gateway(cors_settings)

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(b"POST /v1/feedback HTTP/1.1\r\nhost: gateway\r\norigin: " + ORIGIN.encode() + b"\r\n")
        received, _ = read_until_closed(connection, [b"x-slow: a\r\n"] * 100)

    assert statuses(received) == [408]
    assert head_of(received)["access-control-allow-origin"] == ORIGIN
