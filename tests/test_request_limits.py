"""Requests are bounded in size and time: a head past 64 KiB gets a 431, a head or body that arrives too slowly a 408."""

from __future__ import annotations

import json
import socket
import time

import httpx
import openai
import pytest

from gateway.request_limits import MAX_REQUEST_HEAD_BYTES
from tests.conftest import ADMIN_TOKEN
from tests.observability.scrape import sample

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


# Slow clients. A head must arrive within request_head_timeout; a body at request_body_min_rate
# bytes a second on average after the same grace.
HEAD_TIMEOUT = 0.5
MIN_RATE = 200.0


@pytest.fixture
def slow_client_settings(settings):
    return settings.model_copy(update={"request_head_timeout": HEAD_TIMEOUT, "request_body_min_rate": MIN_RATE})


def read_until_closed(connection: socket.socket, trickle: list[bytes] = (), every: float = 0.1) -> tuple[bytes, float]:
    """Send `trickle` a piece every `every` seconds while reading; return what came back and when the gateway closed."""
    started = time.monotonic()
    pieces = list(trickle)
    received = b""
    connection.settimeout(every)
    while time.monotonic() - started < 20:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            if pieces:
                connection.sendall(pieces.pop(0))
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        received, closed_after = read_until_closed(connection)

    assert received == b""
    assert HEAD_TIMEOUT <= closed_after < HEAD_TIMEOUT + 2


def test_a_head_still_arriving_at_the_timeout_gets_a_408(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\n")
        # One header line every 0.1 s: never idle, but the head as a whole is overdue.
        received, closed_after = read_until_closed(connection, [b"x-slow: a\r\n"] * 100)

    assert statuses(received) == [408]
    body = json.loads(received.partition(b"\r\n\r\n")[2])
    assert body["error"]["code"] == "request_timeout"
    assert "headers did not arrive whole" in body["error"]["message"]
    assert closed_after < HEAD_TIMEOUT + 2


def slow_body_head(length: int) -> bytes:
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer sk-app-one\r\n"
        b"content-type: application/json\r\ncontent-length: " + str(length).encode() + b"\r\n\r\n"
    )


def test_a_body_slower_than_the_minimum_rate_gets_a_408_and_never_reaches_the_upstream(
    start_gateway, slow_client_settings, fake_upstream
):
    gateway = start_gateway(slow_client_settings)
    body = CHAT + b" " * 2000

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(slow_body_head(len(body)))
        # 10 bytes every 0.1 s is 100 bytes a second, half the minimum.
        pieces = [body[start : start + 10] for start in range(0, len(body), 10)]
        received, _ = read_until_closed(connection, pieces)

    assert statuses(received) == [408]
    assert "slower than 200 bytes a second" in json.loads(received.partition(b"\r\n\r\n")[2])["error"]["message"]
    assert fake_upstream.app.requests == []


def test_a_cut_off_slow_body_is_recorded_as_a_call_the_client_did_not_finish(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(slow_body_head(5000) + CHAT[:10])
        read_until_closed(connection)
    gateway.flush()
    listed = httpx.get(f"{gateway.origin}/api/interactions", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})

    [interaction] = listed.json()["data"]
    assert interaction["status_code"] == 499
    assert "too slowly" in interaction["error"]


def test_a_body_that_takes_longer_than_the_grace_but_keeps_the_rate_is_forwarded(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)
    body = CHAT + b" " * (800 - len(CHAT))

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(slow_body_head(len(body)))
        # 40 bytes every 0.1 s (400 a second, twice the minimum): 2 s in all, 4 times the grace.
        received, _ = read_until_closed(connection, [body[start : start + 40] for start in range(0, len(body), 40)])

    assert statuses(received) == [200]


def test_a_streamed_answer_longer_than_the_head_timeout_is_not_cut(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-app-one", default_headers={"x-fake-delay": "0.3"})
    started = time.monotonic()

    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    assert time.monotonic() - started > 2 * HEAD_TIMEOUT
    assert text


def test_a_slow_body_to_the_admin_api_gets_a_408(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)
    note = b'{"status": "resolved", "note": "' + b"x" * 500 + b'"}'

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(
            b"PATCH /api/issues/1 HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer " + ADMIN_TOKEN.encode()
            + b"\r\ncontent-type: application/json\r\ncontent-length: " + str(len(note)).encode() + b"\r\n\r\n"
        )  # fmt: skip
        received, _ = read_until_closed(connection, [note[start : start + 5] for start in range(0, len(note), 5)])

    assert statuses(received) == [408]


def test_the_gateway_still_serves_after_timing_out_a_slow_client(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
        read_until_closed(connection)

    assert statuses(exchange(gateway.port, chat_request())) == [200]


def closed_count(gateway, reason: str) -> float:
    """feedgate_connections_closed_total for `reason`, as the gateway's /metrics reports it now."""
    text = httpx.get(f"{gateway.origin}/metrics").text
    return sample(text, "feedgate_connections_closed_total", reason=reason)


def test_each_connection_closed_on_a_client_is_counted_by_reason(start_gateway, slow_client_settings):
    gateway = start_gateway(slow_client_settings)
    reasons = ["silent", "head_timeout", "head_too_large"]
    before = {reason: closed_count(gateway, reason) for reason in reasons}

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        read_until_closed(connection)
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=20) as connection:
        connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
        read_until_closed(connection)
    exchange(gateway.port, chat_request(b"x-big: " + b"a" * 200_000 + b"\r\n"))

    assert {reason: closed_count(gateway, reason) - before[reason] for reason in reasons} == dict.fromkeys(reasons, 1)
