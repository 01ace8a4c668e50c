"""An upstream's failure as the server's log keeps it names no key the upstream's URL carries in its query.

Some APIs take their key in the query (`?key=…`, as `upstream_url` allows): aiohttp's account of an
answer it could not parse quotes the whole request URL. Run against a real socket, with each client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from proxy_in_process import raw_upstream
from test_upstream_failures import call_proxy, client_name  # noqa: F401 - the fixtures

SECRET = "SECRETKEY123"


@pytest.fixture
async def garbled_url() -> AsyncIterator[str]:
    """An upstream that answers with a head no HTTP client can parse; its URL carries a key in the query."""

    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n")
        await writer.drain()
        writer.close()

    async with raw_upstream(garble) as url:
        yield f"{url}?key={SECRET}"


async def test_a_garbled_answer_is_logged_and_answered_without_the_urls_key(call_proxy, garbled_url, caplog):  # noqa: F811
    with caplog.at_level(logging.WARNING, logger="feedgate.proxy"):
        response = await call_proxy(garbled_url)

    assert response.status_code == 502
    lines = [record.getMessage() for record in caplog.records if record.name == "feedgate.proxy"]
    assert lines
    assert not [line for line in [*lines, response.text] if SECRET in line]
