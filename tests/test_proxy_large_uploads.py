"""Uploads past FEEDGATE_MAX_REQUEST_BYTES to calls that are not recorded (files, the SDK's upload parts, audio).

OpenAI takes files of up to 512 MB, and the openai SDK's `uploads.upload_file_chunked` sends parts of 64 MiB:
such a body is streamed to the upstream as it arrives, never held whole; a recorded call's limit stands.
"""

from __future__ import annotations

import logging
import socket
import time

import httpx
import openai
import pytest

from gateway.config import Settings

LIMIT = 64 * 1024


@pytest.fixture(params=["aiohttp", "httpx"])
def upload_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """A small request limit, with each upstream client."""
    return settings.model_copy(update={"max_request_bytes": LIMIT, "upstream_http_client": request.param})


@pytest.fixture
def sdk(upload_settings, start_gateway) -> openai.OpenAI:
    gateway = start_gateway(upload_settings)
    return openai.OpenAI(base_url=gateway.url, api_key="sk-upload", max_retries=0)


def test_an_upload_past_the_limit_reaches_the_upstream_whole(sdk, fake_upstream):
    audio = bytes(range(256)) * (LIMIT // 64)  # 4 times the limit

    transcription = sdk.audio.transcriptions.create(file=("clip.wav", audio, "audio/wav"), model="whisper-1")

    assert transcription.text == f"{len(audio)} bytes received"
    received = fake_upstream.app.requests[-1]
    assert audio in received.body
    assert received.headers["content-length"] == str(len(received.body))


def test_a_recorded_call_past_the_limit_is_still_refused(sdk, fake_upstream):
    with pytest.raises(openai.APIStatusError) as refused:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x" * 2 * LIMIT}])

    assert refused.value.status_code == 413
    assert fake_upstream.app.requests == []


@pytest.mark.parametrize("client_library", ["aiohttp", "httpx"])
def test_a_client_leaving_mid_upload_sends_no_whole_request_and_logs_no_error(
    settings, start_gateway, fake_upstream, caplog, client_library
):
    gateway = start_gateway(
        settings.model_copy(update={"max_request_bytes": LIMIT, "upstream_http_client": client_library})
    )
    head = (
        b"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer sk-upload\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % (4 * LIMIT)
    )
    with socket.create_connection((gateway.host, gateway.port)) as connection:
        connection.sendall(head + b"x" * (2 * LIMIT))
        time.sleep(0.3)
    time.sleep(0.5)

    # The fake upstream keeps what arrived before the connection closed: never all 4 * LIMIT bytes.
    received = [request.body for request in fake_upstream.app.requests]
    assert all(len(body) < 4 * LIMIT for body in received)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_an_upload_past_the_limit_keeps_the_headers_its_connection_names_on_its_hop(
    upload_settings, start_gateway, fake_upstream
):
    gateway = start_gateway(upload_settings)
    headers = {"authorization": "Bearer sk-upload", "connection": "keep-alive, x-hop-note", "x-hop-note": "lb"}

    response = httpx.post(f"{gateway.url}/audio/transcriptions", content=b"x" * 2 * LIMIT, headers=headers)

    assert response.status_code == 200
    assert "x-hop-note" not in fake_upstream.app.requests[-1].headers
