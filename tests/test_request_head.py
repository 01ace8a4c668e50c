"""A request's head (request line and headers) is bounded: past 64 KiB the gateway answers 431 and buffers no more."""

from __future__ import annotations

import json
import socket
import time

import pytest

from gateway.request_head import MAX_REQUEST_HEAD_BYTES

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()


def chat_request(extra_header: bytes = b"", *, close: bool = True) -> bytes:
    """A whole chat completion request, with `extra_header` (a full header line) among its headers."""
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer sk-app-one\r\n"
        b"content-type: application/json\r\ncontent-length: " + str(len(CHAT)).encode() + b"\r\n"
        + (b"connection: close\r\n" if close else b"") + extra_header + b"\r\n" + CHAT
    )  # fmt: skip


def exchange(port: int, data: bytes) -> bytes:
    """Send all of `data` (as a client that reads only afterwards), then read until the gateway closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def send_in_pieces(connection: socket.socket, data: bytes, piece: int = 8192) -> None:
    """Send `data` a piece at a time, pausing between pieces, so the gateway reads the head in several reads."""
    for start in range(0, len(data), piece):
        connection.sendall(data[start : start + piece])
        time.sleep(0.05)


def statuses(answer: bytes) -> list[int]:
    return [int(line.split(b" ")[1]) for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def test_a_head_over_the_bound_gets_a_431_the_client_reads_after_sending_it_all(start_gateway, settings):
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, chat_request(b"x-big: " + b"a" * 5_000_000 + b"\r\n"))

    assert statuses(answer) == [431]
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"]["code"] == "request_header_fields_too_large"
    assert str(MAX_REQUEST_HEAD_BYTES) in body["error"]["message"]


def test_a_long_request_line_counts_as_head_too(start_gateway, settings):
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, b"GET /v1/models?q=" + b"a" * 200_000 + b" HTTP/1.1\r\nhost: gateway\r\n\r\n")

    assert statuses(answer) == [431]


def test_a_head_under_the_bound_is_forwarded(start_gateway, settings):
    gateway = start_gateway(settings)

    answer = exchange(gateway.port, chat_request(b"x-big: " + b"a" * 60_000 + b"\r\n"))

    assert statuses(answer) == [200]


def test_on_a_kept_alive_connection_each_request_has_its_own_bound(start_gateway, settings):
    gateway = start_gateway(settings)
    under = b"x-big: " + b"a" * 40_000 + b"\r\n"  # two of these together would pass the bound
    answers = []

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        reader = connection.makefile("rb")
        for _ in range(3):
            send_in_pieces(connection, chat_request(under, close=False))
            status_line = reader.readline()
            length = next(
                int(line.split(b":")[1])
                for line in iter(reader.readline, b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            reader.read(length)
            answers.append(int(status_line.split(b" ")[1]))

    assert answers == [200, 200, 200]


def test_the_gateway_still_serves_after_refusing_a_head(start_gateway, settings):
    gateway = start_gateway(settings)
    exchange(gateway.port, chat_request(b"x-big: " + b"a" * 1_000_000 + b"\r\n"))

    assert statuses(exchange(gateway.port, chat_request())) == [200]
